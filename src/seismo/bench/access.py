"""``seismo bench access``: what API keys and the rate limit cost the collector.

Three real ``seismo collector`` processes on one embedded Redis take single-metric POSTs
(the worst case: the check is paid per request) and batches of 100 (paid once per batch):
keys off, keys required (the key's record is remembered per process, so this is mostly
the hashing and the check), and keys required with the rate limit on (one more ``FCALL
seismo_take_token`` per request, at a rate high enough that nothing is refused). Rows are
interleaved in rounds so a noisy moment of a shared machine hits them all; each row is
reported as a median and as its median ratio to the keys-off row of the same round and
body.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import tempfile
import time
from pathlib import Path
from typing import Any

import msgspec
from rich.progress import Progress

from seismo.access.store import KeyStore
from seismo.bench.ingest import HTTP_CONNECTIONS, collector_process, sample_metric, ticking
from seismo.bench.loadgen import drive
from seismo.bench.rounds import RateTable
from seismo.config import Settings
from seismo.engine import running_engine
from seismo.engine.server import free_port

UNLIMITED = "1000000000"
BATCH = 100
ROWS: dict[str, dict[str, str]] = {
    "keys_off": {"SEISMO_AUTH": "off"},
    "keys_required": {"SEISMO_AUTH": "required", "SEISMO_RATE_LIMIT_PER_SECOND": "0"},
    "keys_and_rate_limit": {
        "SEISMO_AUTH": "required",
        "SEISMO_RATE_LIMIT_PER_SECOND": UNLIMITED,
        "SEISMO_RATE_LIMIT_BURST": UNLIMITED,
    },
}
"""Row name -> the collector's settings."""
TABLE = RateTable(rate="requests_per_s", ratio="ratio_to_keys_off")


def bodies() -> dict[str, tuple[str, bytes]]:
    """Body name -> (path, body)."""
    rng, now = random.Random(11), int(time.time() * 1000)
    batch = [{"type": "application", **sample_metric(rng, now)} for _ in range(BATCH)]
    return {
        "single": ("/api/metrics", msgspec.json.encode(sample_metric(rng, now))),
        f"batch_{BATCH}": ("/api/batch", msgspec.json.encode({"metrics": batch})),
    }


def measure(redis_url: str, token: str, args: argparse.Namespace) -> list[dict[str, float]]:
    """``args.repeats`` rounds of every row; requests per second by row and round."""
    headers = {"X-API-Key": token}
    rounds: list[dict[str, float]] = []
    with contextlib.ExitStack() as stack, Progress() as progress:
        ports = {
            name: stack.enter_context(collector_process(redis_url, args.workers, **env))
            for name, env in ROWS.items()
        }
        for number in range(1, args.repeats + 1):
            task = progress.add_task(f"round {number}/{args.repeats}", total=args.seconds * 6)
            rates = {}
            for kind, (path, body) in bodies().items():
                for name, port in ports.items():
                    with ticking(progress, task, args.seconds):
                        result = drive(
                            "127.0.0.1", port, path, body, HTTP_CONNECTIONS, args.seconds,
                            headers,
                        )  # fmt: skip
                    if result.errors:
                        progress.console.print(f"{name} {kind}: {result.errors} non-2xx answers")
                    rates[f"{kind} {name}"] = result.ok / result.seconds
            rounds.append(rates)
    return rounds


def summarise(rounds: list[dict[str, float]]) -> list[dict[str, Any]]:
    """Per row: its median rate, and the median ratio to keys off with the same body."""
    return [
        TABLE.row(name, [r[name] for r in rounds], [r[_keys_off(name)] for r in rounds])
        for name in rounds[0]
    ]


def _keys_off(name: str) -> str:
    """The keys-off row with the same body as row ``name`` (``<body> <row>``)."""
    return name.split()[0] + " keys_off"


def run(args: argparse.Namespace) -> int:
    with tempfile.TemporaryDirectory() as data_dir:
        settings = Settings(redis_port=free_port(), data_dir=Path(data_dir), redis_url=None)
        with running_engine(settings) as engine:
            now = int(time.time() * 1000)
            token, _ = KeyStore(engine.client, engine.keys).create("bench", "ingest", now, None)
            rows = summarise(measure(engine.url, token, args))
    TABLE.report(
        f"seismo bench access (single metrics and batches of {BATCH}, median of "
        f"{args.repeats} rounds of {args.seconds:g} s per row, {args.workers} collector "
        f"workers, {os.cpu_count()} CPUs)",
        ["row", "requests/s", "ratio to keys off", "rounds"],
        rows,
        args.json,
        seconds_per_row=args.seconds,
        repeats=args.repeats,
        collector_workers=args.workers,
    )
    return 0


def register(benches: Any) -> None:
    parser: argparse.ArgumentParser = benches.add_parser(
        "access", help="collector requests/s with API keys off, required, and rate limited"
    )
    parser.add_argument("--seconds", type=float, default=5.0, help="length of each row")
    parser.add_argument("--workers", type=int, default=1, help="processes per collector")
    parser.add_argument("--repeats", type=int, default=3, help="rounds; medians are reported")
    parser.add_argument("--json", type=Path, default=None, help="write the results here")
    parser.set_defaults(handler=run)
