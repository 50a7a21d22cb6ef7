"""``seismo bench ingest --cluster N``: the ingest Function on one Redis and on local clusters.

In one run, the same pre-built batches of 1,000 events are applied (pipelined FCALLs from
two client processes, no HTTP) to: one embedded Redis, unsharded (today's single-node
path); then local Redis Clusters of 1..N primaries, the batch split into its
``SEISMO_SHARDS`` shards as the collector splits it (one FCALL per shard). For each it
reports events/s and the Redis CPU seconds per million events (``INFO cpu``, summed over
the primaries), whose inverse is what one more Redis core can absorb: the projected gain
per added primary on a machine with cores to spare (this one may have only two).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import msgspec

from seismo.bench.ingest import sample_events
from seismo.bench.report import print_table, write_json
from seismo.config import CLUSTER_SHARDS, Settings
from seismo.engine import prepare
from seismo.engine.cluster_server import LocalCluster
from seismo.engine.connection import connect, member_urls
from seismo.engine.functions import INGEST, IngestCall
from seismo.engine.keys import Keys
from seismo.engine.server import EmbeddedRedis, free_port
from seismo.ingest.shards import ShardRouter

PIPELINE_DEPTH = 4
CLIENTS = 2


def _worker(url: str, shards: int, seconds: float, queue: Any) -> None:
    """Apply the sample batch, split by shard, as fast as one client can; put events/s
    (or the error, so the bench stops saying why instead of waiting)."""
    try:
        queue.put(_apply_for(url, shards, seconds))
    except Exception as exc:  # reported by the parent
        queue.put(f"{type(exc).__name__}: {exc}")


def _apply_for(url: str, shards: int, seconds: float) -> float:
    settings = Settings(redis_url=url, shards=shards, namespace="bench")
    keys = Keys("bench", shards)
    events = sample_events(1000, int(time.time() * 1000))
    router = ShardRouter(settings, keys) if shards > 1 else None
    calls = (
        [(router.calls[i], group) for i, group in router.split(events)]
        if router
        else [(IngestCall.from_settings(settings, keys), events)]
    )
    argument_lists = [call.fcall_args(msgspec.json.encode(group)) for call, group in calls]
    client = connect(url)
    sent, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        pipe = client.pipeline(transaction=False)
        for _ in range(PIPELINE_DEPTH):
            for args in argument_lists:
                pipe.fcall(INGEST, *args)
        sent += sum(int(reply[0]) for reply in pipe.execute())
    return sent / (time.perf_counter() - started)


def _cpu_seconds(urls: list[str]) -> float:
    """Redis CPU seconds (user + system, main and background threads) over ``urls``."""
    total = 0.0
    for url in urls:
        client = connect(url)
        cpu = client.info("cpu")
        total += float(cpu["used_cpu_user"]) + float(cpu["used_cpu_sys"])
        client.close()
    return total


def measure(url: str, primaries: list[str], shards: int, seconds: float) -> dict[str, float]:
    """Events/s from ``CLIENTS`` processes and Redis CPU seconds per million events."""
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    workers = [
        context.Process(target=_worker, args=(url, shards, seconds, queue)) for _ in range(CLIENTS)
    ]
    cpu_before = _cpu_seconds(primaries)
    for worker in workers:
        worker.start()
    answers = [queue.get(timeout=seconds + 120) for _ in workers]
    if failed := [a for a in answers if isinstance(a, str)]:
        raise RuntimeError(f"a bench client failed: {failed[0]}")
    rate = sum(answers)
    for worker in workers:
        worker.join()
    cpu = _cpu_seconds(primaries) - cpu_before
    events = rate * seconds
    per_million = cpu / events * 1e6 if events else 0.0
    return {"events_per_s": round(rate), "redis_cpu_s_per_million": round(per_million, 2)}


@contextmanager
def engine_at(primaries: int, folder: Path) -> Iterator[tuple[str, list[str], int]]:
    """``(url, primary urls, shards)``: one embedded Redis for 0, else a local cluster."""
    if primaries == 0:
        with EmbeddedRedis("127.0.0.1", free_port(), folder) as server:
            client = connect(server.url)
            prepare(client, Keys("bench"))
            client.close()
            yield server.url, [server.url], 1
        return
    with LocalCluster(folder, primaries=primaries) as cluster:
        client = connect(cluster.url)
        prepare(client, Keys("bench", CLUSTER_SHARDS))
        urls = member_urls(client, primaries_only=True)
        client.close()
        yield cluster.url, urls, CLUSTER_SHARDS


def run_cluster(args: argparse.Namespace) -> int:
    rows = [_row(primaries, args.seconds) for primaries in range(args.cluster + 1)]
    print_table(
        f"seismo bench ingest --cluster {args.cluster} ({args.seconds:g} s per row, "
        f"{CLIENTS} client processes, batches of 1,000 events, {os.cpu_count()} CPUs)",
        ["row", "shards", "events/s", "Redis CPU s / M events", "events/s per Redis core"],
        [_cells(r) for r in rows],
    )
    write_json(args.json, {"rows": rows, "seconds_per_row": args.seconds})
    return 0


def _row(primaries: int, seconds: float) -> dict[str, Any]:
    """One row: one node (``primaries`` 0) or a local cluster of ``primaries``."""
    name = f"cluster, {primaries} primaries" if primaries else "one node"
    print(f"measuring {name} ({seconds:g} s)...", flush=True)
    with tempfile.TemporaryDirectory() as folder, engine_at(primaries, Path(folder)) as where:
        result = measure(*where, seconds)
    cost = result["redis_cpu_s_per_million"]
    per_core = round(1e6 / cost) if cost else 0
    return {"name": name, "primaries": primaries, "shards": where[2], **result,
            "events_per_s_per_redis_core": per_core}  # fmt: skip


def _cells(row: dict[str, Any]) -> tuple[str, ...]:
    return (
        row["name"],
        str(row["shards"]),
        f"{row['events_per_s']:,}",
        f"{row['redis_cpu_s_per_million']:.2f}",
        f"{row['events_per_s_per_redis_core']:,}",
    )
