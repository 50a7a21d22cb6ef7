"""``seismo bench chaos --soak SECONDS``: the same load, no faults; is memory flat?

The event streams and the fingerprint stream are capped low (``SOAK_STREAM_MAXLEN``,
``SOAK_FINGERPRINT_MAXLEN``) so that even the thinnest (one business KPI per batch) reaches
its cap in the first minutes; from then on memory must stay
flat: streams at their cap, window keys expired as windows close, sketches sized up front.
Every ``SAMPLE_EVERY_S`` the bench records the resident memory (``/proc``) of Redis and of
each role process, every stream's length and the keys by kind; the report compares the
first sample with every capped stream at its cap (the steady state) with the last, and
gives what one entry of each stream costs (what a cap comes to).
Keys that live for a fixed time (batch ids for a day, so that retries count once) grow
until that time and then stay level: they are reported with what they will come to.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import redis
from rich.console import Console

from seismo.bench.chaos_load import LoadRun, LoadShape
from seismo.bench.chaos_stack import Stack, StackConfig, running_stack
from seismo.bench.report import print_table, write_json
from seismo.engine.functions import BATCH_ID_TTL_S
from seismo.engine.keys import Keys

SOAK_STREAM_MAXLEN = 2_000
SOAK_FINGERPRINT_MAXLEN = 200
"""With 1 s windows, the fingerprint stream reaches its cap after 200 s."""
SAMPLE_EVERY_S = 30.0
WARM_UP_S = 60.0
RSS_SLACK = 0.10
RSS_SLACK_BYTES = 16 * 1024 * 1024
STREAM_SLACK = 0.05
WINDOW_KEY_LIMIT = 500
"""More live window keys than this means windows are not being closed and expired."""
KEY_KINDS = {
    "w:": "window",
    "batch:": "batch id",
    "log:": "log copy",
    "alert:": "alert copy",
    "alert-id:": "alert marker",
}
KEYS = Keys()
STREAMS = {
    "detailed-metrics": KEYS.detailed_metrics,
    "business-metrics-stream": KEYS.business_stream,
    "log-metrics-stream": KEYS.log_stream,
    "system-fingerprints": KEYS.fingerprints,
    "anomalies": KEYS.anomalies,
    "feedback-stream": KEYS.feedback_stream,
}


@dataclass(frozen=True)
class Sample:
    """Memory and sizes at one moment of the soak."""

    at_s: float
    rss: dict[str, int]
    used_memory: int
    streams: dict[str, int]
    keys: dict[str, int]
    batch_key_bytes: int = 0
    """``MEMORY USAGE`` of one batch id key (0 when there is none)."""
    stream_bytes: dict[str, int] = field(default_factory=dict)
    """``MEMORY USAGE`` of each stream."""


def key_kind(name: str) -> str:
    return next((kind for prefix, kind in KEY_KINDS.items() if name.startswith(prefix)), "other")


def count_keys(client: redis.Redis) -> dict[str, int]:
    """Keys by kind (``KEY_KINDS``; ``other``: the sketches, state hashes, streams)."""
    kinds: Counter[str] = Counter()
    for name in client.scan_iter(count=5000):
        kinds[key_kind(name.decode() if isinstance(name, bytes) else str(name))] += 1
    return {kind: kinds[kind] for kind in [*KEY_KINDS.values(), "other"]}


def take_sample(stack: Stack, started: float) -> Sample:
    client = stack.client
    return Sample(
        at_s=round(time.monotonic() - started, 1),
        rss=stack.rss(),
        used_memory=int(client.info("memory")["used_memory"]),
        streams={name: int(client.xlen(key)) for name, key in STREAMS.items()},
        keys=count_keys(client),
        batch_key_bytes=batch_key_bytes(client),
        stream_bytes={name: int(client.memory_usage(key) or 0) for name, key in STREAMS.items()},
    )


def bytes_per_entry(sample: Sample) -> dict[str, int]:
    """What one entry of each stream costs, on average: what a cap comes to."""
    return {
        name: sample.stream_bytes.get(name, 0) // length
        for name, length in sample.streams.items()
        if length
    }


def batch_key_bytes(client: redis.Redis) -> int:
    """What one remembered batch id costs Redis (``MEMORY USAGE`` of one of them)."""
    for name in client.scan_iter(match=KEYS.batch_prefix + "*", count=1000):
        return int(client.memory_usage(name) or 0)
    return 0


EVENT_STREAMS = ("detailed-metrics", "business-metrics-stream", "log-metrics-stream")
CAPS = {**dict.fromkeys(EVENT_STREAMS, SOAK_STREAM_MAXLEN),
        "system-fingerprints": SOAK_FINGERPRINT_MAXLEN}  # fmt: skip


def steady_start(samples: list[Sample], caps: Mapping[str, int]) -> Sample:
    """The first sample with every capped stream at its cap (else the middle one): before
    it, memory grows as the streams fill, as it should."""
    for sample in samples:
        if all(sample.streams[name] >= cap * (1 - STREAM_SLACK) for name, cap in caps.items()):
            return sample
    return samples[len(samples) // 2]


def flat_problems(first: Sample, last: Sample, caps: Mapping[str, int]) -> list[str]:
    """What grew when it should not have, between the first and the last sample."""
    problems = []
    for name, cap in caps.items():
        if last.streams[name] > cap * (1 + STREAM_SLACK) + 200:
            problems.append(f"{name} holds {last.streams[name]:,} entries, over its cap {cap:,}")
    if last.keys["window"] > WINDOW_KEY_LIMIT:
        problems.append(f"{last.keys['window']:,} window keys live: windows not expiring")
    for process, end in last.rss.items():
        start = first.rss.get(process, 0)
        if start and end > start * (1 + RSS_SLACK) + RSS_SLACK_BYTES:
            problems.append(f"{process} resident memory grew {mib(start)} -> {mib(end)} MiB")
    return problems


def growing_until_expiry(first: Sample, last: Sample) -> dict[str, dict[str, float]]:
    """Batch ids are kept a day: at this rate, how many there will be when they level off."""
    seconds = max(1.0, last.at_s - first.at_s)
    per_s = (last.keys["batch id"] - first.keys["batch id"]) / seconds
    level = round(per_s * BATCH_ID_TTL_S)
    return {
        "batch id": {
            "per_s": round(per_s, 2),
            "level_at": level,
            "level_at_mib": round(level * last.batch_key_bytes / 2**20, 1),
        }
    }


def warm_up_s(soak_s: float) -> float:
    """Load before the first sample: long enough for the streams to reach their cap."""
    return min(WARM_UP_S, max(5.0, soak_s / 4))


def mib(value: int) -> str:
    return f"{value / 2**20:,.1f}"


def run_soak(args: argparse.Namespace) -> int:
    shape = LoadShape(rate=args.rate)
    config = StackConfig(
        stream_maxlen=SOAK_STREAM_MAXLEN, fingerprint_maxlen=SOAK_FINGERPRINT_MAXLEN
    )
    console = Console()
    console.print(
        f"seismo bench chaos --soak {args.soak:g}: {shape.rate:,.0f} events/s, streams capped "
        f"at {SOAK_STREAM_MAXLEN:,}, a sample every {SAMPLE_EVERY_S:g} s after "
        f"{warm_up_s(args.soak):g} s"
    )
    with tempfile.TemporaryDirectory(prefix="seismo-soak-") as tmp:
        work_dir = Path(args.log_dir or tmp)
        with running_stack(config, work_dir, console.print) as stack:
            samples, load = soak(stack, shape, args.soak, console)
    first, last = steady_start(samples, CAPS), samples[-1]
    problems = flat_problems(first, last, CAPS)
    report(first, last, problems, load, console)
    write_json(
        args.json,
        {
            "soak_seconds": args.soak,
            "rate_events_per_s": shape.rate,
            "stream_maxlen": SOAK_STREAM_MAXLEN,
            "fingerprint_maxlen": SOAK_FINGERPRINT_MAXLEN,
            "bytes_per_entry": bytes_per_entry(last),
            "samples": [asdict(s) for s in samples],
            "steady_from_s": first.at_s,
            "flat": not problems,
            "problems": problems,
            "growing_until_expiry": growing_until_expiry(first, last),
            "load": load,
        },
    )
    return 1 if problems or load["bad_5xx"] else 0


def soak(
    stack: Stack, shape: LoadShape, seconds: float, console: Console
) -> tuple[list[Sample], dict[str, Any]]:
    """Hold the load for the warm-up and ``seconds``; samples from the warm-up's end."""
    run = LoadRun("127.0.0.1", stack.collector_port, shape, "soak", seed=1, track=False)
    run.start()
    started = time.monotonic()
    time.sleep(warm_up_s(seconds))
    samples = [take_sample(stack, started)]
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        time.sleep(min(SAMPLE_EVERY_S, max(0.0, end - time.monotonic())))
        for line in stack.revive():
            console.print(line)
        samples.append(take_sample(stack, started))
        last = samples[-1]
        console.print(
            f"{last.at_s:>6.0f} s: Redis {mib(last.used_memory)} MiB used, "
            f"{sum(last.keys.values()):,} keys, RSS "
            + ", ".join(f"{k} {mib(v)}" for k, v in last.rss.items())
        )
    record = run.stop(30.0)
    load = {
        "sent": record.sent_count,
        "acked": record.acked_count,
        "statuses": {str(k): v for k, v in sorted(record.statuses.items())},
        "bad_5xx": record.bad_5xx,
    }
    return samples, load


def report(
    first: Sample, last: Sample, problems: list[str], load: Mapping[str, Any], console: Console
) -> None:
    rows: list[tuple[str, str, str]] = [
        (f"RSS {name} (MiB)", mib(first.rss.get(name, 0)), mib(size))
        for name, size in last.rss.items()
    ]
    rows.append(("Redis used_memory (MiB)", mib(first.used_memory), mib(last.used_memory)))
    rows += [(f"XLEN {n}", f"{first.streams[n]:,}", f"{v:,}") for n, v in last.streams.items()]
    rows += [(f"keys: {k}", f"{first.keys[k]:,}", f"{v:,}") for k, v in last.keys.items()]
    print_table(
        f"seismo bench chaos --soak ({first.at_s:g} s -> {last.at_s:g} s)",
        ["measure", "start", "end"],
        rows,
    )
    growth = growing_until_expiry(first, last)["batch id"]
    console.print(
        f"batch ids (kept {BATCH_ID_TTL_S // 3600} h for idempotent retries): "
        f"+{growth['per_s']:g}/s, level off at about {growth['level_at']:,.0f} keys "
        f"(about {growth['level_at_mib']:,.0f} MiB at {last.batch_key_bytes} bytes each)"
    )
    console.print(
        f"load: {load['acked']:,} of {load['sent']:,} events acknowledged, "
        f"answers {load['statuses']}"
    )
    per_entry = bytes_per_entry(last)
    console.print(
        "bytes per stream entry: " + ", ".join(f"{n} {b:,}" for n, b in per_entry.items())
    )
    console.print("memory flat" if not problems else "NOT flat: " + "; ".join(problems))
