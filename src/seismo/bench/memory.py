"""``seismo bench memory``: what the long-lived structures cost and how accurate they are.

The workload of the seed's claim: 1,000,000 distinct service interactions into the Cuckoo
filter ``service-calls`` (``CF.INSERTNX``, as ingestion does) and 10,000 endpoints with
Zipf-skewed counts totalling 10,000,000 into ``endpoint-frequency`` (plus their status
codes into ``status-codes``). It reports ``MEMORY USAGE`` of each structure, the filter's
false-positive rate on 1,000,000 keys never inserted, and the Count-Min overestimate
against the exact counts. Structures are created exactly as Seismo creates them
(``seismo.engine.structures``), so this measures the product's sizing.

It runs on its own embedded Redis (free port, temporary directory) unless ``--redis-url``
is given; there it works under the namespace ``bench-memory`` and deletes its keys after.
"""

from __future__ import annotations

import argparse
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import redis
from rich.progress import Progress

from seismo.bench.report import print_table, write_json
from seismo.engine.connection import connect
from seismo.engine.keys import Keys
from seismo.engine.server import EmbeddedRedis, free_port
from seismo.engine.structures import ensure_structures

MIB = 1024 * 1024
TARGET_TOTAL_BYTES = 4 * MIB
TARGET_CF_FALSE_POSITIVES = 0.01
TARGET_CMS_ERROR = 0.001
"""A Count-Min estimate may exceed the exact count by this share of the total count ..."""
TARGET_CMS_SHARE = 0.99
"""... for at least this share of the keys."""
CHUNK = 1000
"""Items per command: one round trip carries many items, as ingestion batches do."""
PIPELINE_COMMANDS = 20
BENCH_NAMESPACE = "bench-memory"
STATUS_CODES = (200, 201, 204, 301, 304, 400, 401, 403, 404, 409, 429, 500, 502, 503, 504)


@dataclass(frozen=True)
class Workload:
    """How much to insert; ``scaled`` shrinks it for a quick run of the same code path."""

    interactions: int = 1_000_000
    endpoints: int = 10_000
    total_count: int = 10_000_000
    absent: int = 1_000_000
    zipf_exponent: float = 1.1

    def scaled(self, factor: float) -> Workload:
        def scale(n: int) -> int:
            return max(10, round(n * factor))

        return Workload(
            scale(self.interactions),
            scale(self.endpoints),
            scale(self.total_count),
            scale(self.absent),
            self.zipf_exponent,
        )


@dataclass(frozen=True)
class MemoryResult:
    """The JSON of ``--json``: bytes per structure and the two accuracy figures."""

    structures: dict[str, int]
    total_bytes: int
    cf_false_positive_rate: float
    cms_share_within_target: float
    cms_max_overestimate: int
    cf_items: int
    cf_sub_filters: int
    workload: dict[str, Any]

    def targets(self) -> list[tuple[str, str, str, bool]]:
        """(what, measured, target, met) for each target of issue 4."""
        return [
            (
                "service-calls + Count-Min sketches",
                f"{self.total_bytes / MIB:.2f} MiB",
                "<= 4 MiB",
                self.total_bytes <= TARGET_TOTAL_BYTES,
            ),
            (
                "Cuckoo false positives",
                f"{self.cf_false_positive_rate:.3%}",
                "<= 1 %",
                self.cf_false_positive_rate <= TARGET_CF_FALSE_POSITIVES,
            ),
            (
                "keys with Count-Min overestimate <= 0.1 % of total",
                f"{self.cms_share_within_target:.2%}",
                ">= 99 %",
                self.cms_share_within_target >= TARGET_CMS_SHARE,
            ),
        ]


def zipf_counts(n: int, total: int, exponent: float) -> list[int]:
    """``n`` counts proportional to ``1 / rank**exponent`` summing to exactly ``total``."""
    weights = 1.0 / np.arange(1, n + 1) ** exponent
    counts = np.floor(weights / weights.sum() * total).astype(np.int64)
    counts[: total - int(counts.sum())] += 1  # the rounding remainder, to the heaviest
    return [int(count) for count in counts]


def share_within(estimates: Sequence[int], exact: Sequence[int], tolerance: float) -> float:
    """Share of keys whose estimate exceeds the exact count by at most ``tolerance``."""
    within = sum(1 for est, true in zip(estimates, exact, strict=True) if est - true <= tolerance)
    return within / len(exact)


def chunks(items: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def pipelined(
    client: redis.Redis, commands: Iterable[list[Any]], on_reply: Any = None
) -> list[Any]:
    """Send ``commands`` in pipelines of ``PIPELINE_COMMANDS``; return every reply."""
    replies: list[Any] = []
    batch: list[list[Any]] = []
    for command in [*commands, None]:
        if command is not None:
            batch.append(command)
        if batch and (command is None or len(batch) == PIPELINE_COMMANDS):
            pipe = client.pipeline(transaction=False)
            for queued in batch:
                pipe.execute_command(*queued)
            answered = pipe.execute()
            replies += answered
            if on_reply is not None:
                on_reply(len(batch))
            batch = []
    return replies


def interaction(i: int) -> str:
    return f"service-{i % 1000}:GET:/api/v1/resource-{i}"


def endpoint(i: int) -> str:
    return f"service-{i % 100}:GET:/endpoint-{i}"


def fill_filter(client: redis.Redis, keys: Keys, n: int, progress: Progress) -> None:
    task = progress.add_task("CF.INSERTNX interactions", total=-(-n // CHUNK))
    items = [interaction(i) for i in range(n)]
    commands = (
        ["CF.INSERTNX", keys.service_calls, "NOCREATE", "ITEMS", *chunk] for chunk in chunks(items)
    )
    pipelined(client, commands, lambda done: progress.advance(task, done))


def false_positive_rate(client: redis.Redis, keys: Keys, n: int, progress: Progress) -> float:
    task = progress.add_task("CF.MEXISTS never-inserted keys", total=-(-n // CHUNK))
    absent = [f"absent-{i}:POST:/never/{i}" for i in range(n)]
    commands = (["CF.MEXISTS", keys.service_calls, *chunk] for chunk in chunks(absent))
    replies = pipelined(client, commands, lambda done: progress.advance(task, done))
    return sum(sum(int(hit) for hit in reply) for reply in replies) / n


def fill_sketches(
    client: redis.Redis, keys: Keys, names: list[str], counts: list[int], progress: Progress
) -> None:
    task = progress.add_task("CMS.INCRBY endpoints, status codes", total=len(names) + 1)
    pairs = [value for pair in zip(names, counts, strict=True) for value in pair]
    commands = [["CMS.INCRBY", keys.endpoint_frequency, *chunk] for chunk in chunks(pairs, 2000)]
    status = zipf_counts(len(STATUS_CODES), sum(counts), 2.0)
    status_pairs = [value for pair in zip(STATUS_CODES, status, strict=True) for value in pair]
    commands.append(["CMS.INCRBY", keys.status_codes, *status_pairs])
    pipelined(client, commands, lambda done: progress.advance(task, done * CHUNK))


def overestimates(
    client: redis.Redis, keys: Keys, names: list[str], counts: list[int]
) -> list[int]:
    commands = (["CMS.QUERY", keys.endpoint_frequency, *chunk] for chunk in chunks(names))
    estimates = [int(est) for reply in pipelined(client, commands) for est in reply]
    return [est - true for est, true in zip(estimates, counts, strict=True)]


def memory_usage(client: redis.Redis, keys: Keys) -> dict[str, int]:
    """``MEMORY USAGE`` (every sample) of the filter and each sketch, by public name."""
    measured = {}
    for key in (keys.service_calls, *keys.sketches):
        usage = client.execute_command("MEMORY", "USAGE", key, "SAMPLES", "0")
        measured[key.removeprefix(keys.prefix)] = int(usage)
    return measured


def measure(client: redis.Redis, keys: Keys, workload: Workload) -> MemoryResult:
    """Create the structures as Seismo does, fill them with ``workload``, measure them."""
    client.delete(keys.service_calls, *keys.sketches)
    ensure_structures(client, keys)
    names = [endpoint(i) for i in range(workload.endpoints)]
    counts = zipf_counts(workload.endpoints, workload.total_count, workload.zipf_exponent)
    with Progress(transient=True) as progress:
        fill_filter(client, keys, workload.interactions, progress)
        fill_sketches(client, keys, names, counts, progress)
        fp_rate = false_positive_rate(client, keys, workload.absent, progress)
    over = overestimates(client, keys, names, counts)
    structures = memory_usage(client, keys)
    cf_info: Any = client.cf().info(keys.service_calls)  # CFInfo under RESP2
    return MemoryResult(
        structures=structures,
        total_bytes=sum(structures.values()),
        cf_false_positive_rate=fp_rate,
        cms_share_within_target=share_within(over, [0] * len(over), TARGET_CMS_ERROR * sum(counts)),
        cms_max_overestimate=max(over),
        cf_items=int(cf_info.insertedNum),
        cf_sub_filters=int(cf_info.filterNum),
        workload=asdict(workload),
    )


@contextmanager
def bench_redis(url: str | None) -> Iterator[tuple[redis.Redis, Keys]]:
    """A client and names: a throw-away embedded Redis, or a namespace on ``url`` that is
    deleted afterwards so the benchmark never touches a real installation's keys."""
    if url is not None:
        keys = Keys(BENCH_NAMESPACE)
        client = connect(url)
        try:
            yield client, keys
        finally:
            client.delete(keys.service_calls, *keys.sketches)
            client.close()
        return
    with tempfile.TemporaryDirectory(prefix="seismo-bench-") as tmp:
        server = EmbeddedRedis("127.0.0.1", free_port(), Path(tmp))
        with server:
            client = connect(server.url)
            yield client, Keys()
            client.close()


def report(result: MemoryResult) -> None:
    rows = [(name, size, f"{size / 1024:.1f}") for name, size in result.structures.items()]
    rows.append(("total", result.total_bytes, f"{result.total_bytes / 1024:.1f}"))
    print_table("Memory of the long-lived structures", ["structure", "bytes", "KiB"], rows)
    targets = [
        (what, got, want, "yes" if met else "NO") for what, got, want, met in result.targets()
    ]
    print_table("Targets (issue 4)", ["measure", "measured", "target", "met"], targets)


def run(args: argparse.Namespace) -> int:
    workload = Workload().scaled(args.scale)
    with bench_redis(args.redis_url) as (client, keys):
        result = measure(client, keys, workload)
    report(result)
    write_json(args.json, asdict(result))
    return 0 if all(met for *_, met in result.targets()) else 1


def register(benches: Any) -> None:
    parser: argparse.ArgumentParser = benches.add_parser(
        "memory", help="memory and accuracy of the Cuckoo filter and Count-Min sketches"
    )
    parser.add_argument("--json", type=Path, default=None, help="also write the results here")
    parser.add_argument("--redis-url", default=None, help="measure on this Redis instead")
    parser.add_argument(
        "--scale", type=float, default=1.0, help="fraction of the full workload (quick runs)"
    )
    parser.set_defaults(handler=run)
