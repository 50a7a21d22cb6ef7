"""``seismo bench ingest``: how many metrics per second reach Redis, and through what.

One run measures, side by side on the same embedded Redis, in interleaved rounds (the
medians are reported, each ratio taken within its round):
- ``ceiling``: the ingest Function called straight at Redis (pipelined FCALLs of 1,000
  events from two client processes, no HTTP): what Redis itself can absorb;
- ``http_single``: single-metric POSTs to the collector from concurrent connections;
- ``http_batch_100`` / ``http_batch_1000``: ``/api/batch`` POSTs of 100 / 1,000 items.
Each HTTP row is given as metrics per second and as a ratio to ``ceiling``.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import msgspec
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

from seismo.bench.loadgen import drive
from seismo.bench.rounds import RateTable
from seismo.config import Settings
from seismo.engine import running_engine
from seismo.engine.connection import connect
from seismo.engine.functions import INGEST, IngestCall
from seismo.engine.keys import Keys
from seismo.engine.server import free_port

SERVICES = [f"svc-{i:02d}" for i in range(20)]
ENDPOINTS = ["GET:/api/items", "POST:/api/orders", "GET:/api/users/{id}", "GET:/health"]
HTTP_CONNECTIONS = 32
PIPELINE_DEPTH = 4
START_TIMEOUT_S = 90.0
"""How long a collector may take to answer after its start."""
TABLE = RateTable(rate="metrics_per_s", ratio="ratio_to_ceiling")


def sample_metric(rng: random.Random, now_ms: int) -> dict[str, Any]:
    """One realistic application metric in the flat shape."""
    service = rng.choice(SERVICES)
    return {
        "service": service,
        "endpoint": rng.choice(ENDPOINTS),
        "caller": rng.choice(SERVICES),
        "response_time": round(rng.lognormvariate(3.0, 0.6), 2),
        "status_code": rng.choices([200, 404, 500], weights=[97, 2, 1])[0],
        "timestamp": now_ms,
    }


def sample_events(count: int, now_ms: int, seed: int = 7) -> list[dict[str, Any]]:
    """``count`` normalised ``app`` events, as the collector hands them to the Function."""
    rng = random.Random(seed)
    return [{"type": "app", **sample_metric(rng, now_ms)} for _ in range(count)]


def _ceiling_worker(url: str, namespace: str, seconds: float, queue: Any) -> None:
    client = connect(url)
    call = IngestCall.from_settings(Settings(namespace=namespace), Keys(namespace))
    args = call.fcall_args(msgspec.json.encode(sample_events(1000, int(time.time() * 1000))))
    sent = 0
    started = time.perf_counter()
    while time.perf_counter() - started < seconds:
        pipe = client.pipeline(transaction=False)
        for _ in range(PIPELINE_DEPTH):
            pipe.fcall(INGEST, *args)
        sent += sum(int(reply[0]) for reply in pipe.execute())
    queue.put(sent / (time.perf_counter() - started))


def measure_ceiling(url: str, namespace: str, seconds: float, processes: int = 2) -> float:
    """Events per second absorbed by the ingest Function from ``processes`` clients, each
    timing its own run (so process start-up is not counted)."""
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    workers = [
        context.Process(target=_ceiling_worker, args=(url, namespace, seconds, queue))
        for _ in range(processes)
    ]
    for worker in workers:
        worker.start()
    total = sum(float(queue.get()) for _ in workers)
    for worker in workers:
        worker.join()
    return total


@contextmanager
def collector_process(redis_url: str, workers: int, **settings: str) -> Iterator[int]:
    """A real ``seismo collector`` on a free port, using ``redis_url`` (and ``SEISMO_*``
    ``settings``); yields the port."""
    port = free_port()
    env = {
        **os.environ,
        **settings,
        "SEISMO_REDIS_URL": redis_url,
        "SEISMO_COLLECTOR_PORT": str(port),
        "SEISMO_COLLECTOR_HOST": "127.0.0.1",
        "SEISMO_COLLECTOR_WORKERS": str(workers),
        "SEISMO_LOG_LEVEL": "warning",
    }
    process = subprocess.Popen([sys.executable, "-m", "seismo", "collector"], env=env)
    try:
        wait_healthy(f"http://127.0.0.1:{port}/health", process)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=30)


def wait_healthy(url: str, process: subprocess.Popen[bytes]) -> None:
    """Until the collector at ``url`` answers; its workers are spawned processes, each
    importing Seismo afresh, which takes a while on a busy machine."""
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("the collector exited during start-up")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"the collector did not become healthy in {START_TIMEOUT_S:.0f} s")


def http_bodies(now_ms: int) -> dict[str, tuple[str, bytes, int]]:
    """Row name -> (path, body, metrics per request)."""
    rng = random.Random(11)
    single = msgspec.json.encode(sample_metric(rng, now_ms))
    rows = {"http_single": ("/api/metrics", single, 1)}
    for size in (100, 1000):
        items = [{"type": "application", **sample_metric(rng, now_ms)} for _ in range(size)]
        rows[f"http_batch_{size}"] = ("/api/batch", msgspec.json.encode({"metrics": items}), size)
    return rows


@contextmanager
def ticking(progress: Progress, task: Any, seconds: float) -> Iterator[None]:
    """Advance ``task`` by wall time while a blocking measurement runs."""
    done = threading.Event()

    def tick() -> None:
        while not done.wait(0.25):
            progress.advance(task, 0.25)

    thread = threading.Thread(target=tick, daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join()
        progress.update(task, completed=seconds)


def measure_round(
    redis_url: str, port: int, seconds: float, progress: Progress, task: Any
) -> dict[str, float]:
    """One measurement of every row, one after the other; metrics per second by row."""
    rates: dict[str, float] = {}
    with ticking(progress, task, seconds):
        rates["ceiling"] = measure_ceiling(redis_url, "", seconds)
    for name, (path, body, per_request) in http_bodies(int(time.time() * 1000)).items():
        with ticking(progress, task, seconds):
            result = drive("127.0.0.1", port, path, body, HTTP_CONNECTIONS, seconds)
        if result.errors:
            progress.console.print(f"{name}: {result.errors} non-2xx answers (not counted)")
        rates[name] = result.ok * per_request / result.seconds
    return rates


def run_rows(redis_url: str, seconds: float, workers: int, repeats: int) -> list[dict[str, float]]:
    """``repeats`` rounds of every row, interleaved so that a noisy moment hits them all."""
    rounds = []
    columns = (TextColumn("{task.description:16}"), BarColumn(), TimeRemainingColumn())
    with Progress(*columns) as progress, collector_process(redis_url, workers) as port:
        for round_number in range(1, repeats + 1):
            task = progress.add_task(f"round {round_number}/{repeats}", total=seconds * 4)
            rounds.append(measure_round(redis_url, port, seconds, progress, task))
    return rounds


def summarise(rounds: list[dict[str, float]]) -> list[dict[str, Any]]:
    """Per row: the median rate over the rounds, and the median of its per-round ratio to
    that round's ceiling (a ratio measured side by side, not across rounds)."""
    ceilings = [r["ceiling"] for r in rounds]
    return [TABLE.row(name, [r[name] for r in rounds], ceilings) for name in rounds[0]]


def run(args: argparse.Namespace) -> int:
    if args.cluster:
        from seismo.bench.ingest_cluster import run_cluster  # imports this module

        return run_cluster(args)
    workers = args.workers or Settings().collector_workers
    with tempfile.TemporaryDirectory() as data_dir:
        port = free_port()
        settings = Settings(redis_port=port, data_dir=Path(data_dir), redis_url=None)
        with running_engine(settings) as engine:
            rows = summarise(run_rows(engine.url, args.seconds, workers, args.repeats))
    TABLE.report(
        f"seismo bench ingest (median of {args.repeats} rounds of {args.seconds:g} s per row, "
        f"{workers} collector workers, {os.cpu_count()} CPUs)",
        ["row", "metrics/s", "ratio to ceiling", "rounds"],
        rows,
        args.json,
        seconds_per_row=args.seconds,
        repeats=args.repeats,
        collector_workers=workers,
    )
    return 0


def register(benches: Any) -> None:
    parser: argparse.ArgumentParser = benches.add_parser(
        "ingest", help="metrics/s through the ingest Function and the collector API"
    )
    parser.add_argument("--seconds", type=float, default=10.0, help="length of each row")
    parser.add_argument("--workers", type=int, default=0, help="collector processes")
    parser.add_argument("--repeats", type=int, default=3, help="rounds; medians are reported")
    parser.add_argument("--json", type=Path, default=None, help="write the results here")
    parser.add_argument(
        "--cluster",
        type=int,
        default=0,
        metavar="N",
        help="instead: the ingest Function on one node and on local clusters of 1..N primaries",
    )
    parser.set_defaults(handler=run)
