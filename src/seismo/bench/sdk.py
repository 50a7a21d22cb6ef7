"""``seismo bench sdk``: what the SDK's middleware costs the application it instruments.

One run serves the same small app (``sdk_app``) three ways, each in its own process:
``plain`` (no SDK), ``collector_up`` (the ASGI middleware sending to a real collector on an
embedded Redis) and ``collector_down`` (the middleware pointed at a closed port, so every
batch fails and is retried). Requests per second are measured side by side in interleaved
rounds; the medians are reported with each row's ratio to ``plain`` taken within its round,
and the app process's CPU time per request (read from ``/proc``, sender thread included),
which is the SDK's cost and moves less than requests/s with a shared machine's load. The
events the instrumented app stored are counted in Redis, to show the cost was paid for
data that arrived. Then the same three apps are called in-process (``sdk_app.call_cost_us``:
no server, no socket, no load generator, a fresh process per figure), which isolates the
CPU time the SDK adds to a request from everything else on the machine.
"""

from __future__ import annotations

import argparse
import contextlib
import multiprocessing
import os
import socket
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from seismo.bench.ingest import collector_process
from seismo.bench.loadgen import drive
from seismo.bench.report import print_table
from seismo.bench.rounds import RateTable
from seismo.bench.sdk_app import BODY, PATH, SERVICE, call_cost_us, serve_app
from seismo.config import Settings
from seismo.engine import running_engine
from seismo.engine.server import free_port

ROWS = ("plain", "collector_up", "collector_down")
CONNECTIONS = 8
FLUSH_WAIT_S = 3.0
"""Time for the instrumented app's last batches to leave (its flush interval is 1 s)."""
TABLE = RateTable(
    rate="requests_per_s",
    ratio="ratio_to_plain",
    ratio_digits=3,
    extra=("cpu_us_per_request", "added_cpu_us_per_request"),
)


def wait_listening(port: int, alive: Callable[[], bool], limit_s: float = 30) -> None:
    """Return once ``port`` accepts connections; fail if the process died or took too long."""
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline and alive():
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.05)
    raise RuntimeError(f"the bench app did not start on port {port}")


@contextmanager
def app_process(collector_url: str | None) -> Iterator[tuple[int, int]]:
    """The bench app in a process of its own; yields its pid and port."""
    port = free_port()
    process = multiprocessing.get_context("spawn").Process(
        target=serve_app, args=(port, collector_url), daemon=True
    )
    process.start()
    try:
        wait_listening(port, process.is_alive)
        yield int(process.pid or 0), port
    finally:
        process.terminate()
        process.join(timeout=30)


@dataclass(frozen=True)
class Sample:
    """One row of one round: requests/s, app CPU time per request, 2xx answers."""

    rate: float
    cpu_us: float
    ok: int


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of process ``pid`` (all its threads), from ``/proc``."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(pid: int, port: int, seconds: float) -> Sample:
    before = cpu_seconds(pid)
    result = drive("127.0.0.1", port, PATH, BODY, CONNECTIONS, seconds)
    cpu = cpu_seconds(pid) - before
    return Sample(result.ok / result.seconds, cpu / max(result.ok, 1) * 1e6, result.ok)


def measure_rounds(
    apps: dict[str, tuple[int, int]], seconds: float, repeats: int
) -> list[dict[str, Sample]]:
    """``repeats`` rounds of every row, interleaved so that a noisy moment hits them all."""
    return [
        {name: measure(pid, port, seconds) for name, (pid, port) in apps.items()}
        for _ in range(repeats)
    ]


def summarise(rounds: list[dict[str, Sample]]) -> list[dict[str, Any]]:
    """Per row, medians over the rounds of: requests/s, its ratio to ``plain`` in the same
    round, and the app's CPU time per request with what it adds to ``plain``'s. The CPU
    time (the app process, sender thread included) is what the SDK costs; requests/s on
    a shared machine also moves with the neighbours' load."""
    plain = [r["plain"] for r in rounds]
    return [_row(name, [r[name] for r in rounds], plain) for name in rounds[0]]


def _row(name: str, samples: list[Sample], plain: list[Sample]) -> dict[str, Any]:
    """Row ``name`` from its samples and ``plain``'s, both in round order."""
    added = [s.cpu_us - p.cpu_us for s, p in zip(samples, plain, strict=True)]
    return TABLE.row(
        name,
        [s.rate for s in samples],
        [p.rate for p in plain],
        cpu_us_per_request=round(statistics.median(s.cpu_us for s in samples), 1),
        added_cpu_us_per_request=round(statistics.median(added), 1),
    )


def call_cost_in_process(name: str, collector_url: str | None, calls: int) -> float:
    """``sdk_app.call_cost_us`` in a fresh process, so no figure inherits another's state;
    only the ``collector_up`` row's events are flushed before its clock stops."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        flush = name == "collector_up"
        return pool.submit(call_cost_us, collector_url, calls, flush).result()


def measure_calls(urls: dict[str, str | None], calls: int, repeats: int) -> list[dict[str, Any]]:
    """The app called in-process (no server, no socket): CPU us per call by row, medians
    over interleaved rounds, and what each row adds to ``plain`` within a round."""
    rounds = [
        {name: call_cost_in_process(name, url, calls) for name, url in urls.items()}
        for _ in range(repeats)
    ]
    return [
        {
            "name": name,
            "cpu_us_per_call": round(statistics.median(r[name] for r in rounds), 1),
            "added_cpu_us_per_call": round(
                statistics.median(r[name] - r["plain"] for r in rounds), 1
            ),
            "rounds": [round(r[name], 1) for r in rounds],
        }
        for name in urls
    ]


def run_bench(
    seconds: float, repeats: int, calls: int
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], int, int]:
    """HTTP rows, in-process rows, events stored by the instrumented app over HTTP, and
    requests it answered."""
    with tempfile.TemporaryDirectory() as data_dir:
        settings = Settings(redis_port=free_port(), data_dir=Path(data_dir), redis_url=None)
        with running_engine(settings) as engine, ExitStack() as stack:
            collector = stack.enter_context(collector_process(engine.url, 1))
            urls = {
                "plain": None,
                "collector_up": f"http://127.0.0.1:{collector}",
                "collector_down": f"http://127.0.0.1:{free_port()}",
            }
            apps = {name: stack.enter_context(app_process(urls[name])) for name in ROWS}
            rounds = measure_rounds(apps, seconds, repeats)
            time.sleep(FLUSH_WAIT_S)
            stored = int(engine.client.xlen(engine.keys.detailed_metrics))
            in_process = measure_calls(urls, calls, repeats)
    answered = sum(r["collector_up"].ok for r in rounds)
    return summarise(rounds), in_process, stored, answered


def run(args: argparse.Namespace) -> int:
    rows, in_process, stored, answered = run_bench(args.seconds, args.repeats, args.calls)
    TABLE.report(
        f"seismo bench sdk (median of {args.repeats} rounds of {args.seconds:g} s per row, "
        f"{CONNECTIONS} connections, one app process per row)",
        ["row", "requests/s", "ratio to plain", "CPU us/request", "added CPU us", "rounds"],
        rows,
        args.json,
        in_process=in_process,
        calls_per_figure=args.calls,
        events_stored=stored,
        requests_answered_collector_up=answered,
        seconds_per_row=args.seconds,
        repeats=args.repeats,
        connections=CONNECTIONS,
    )
    print(f"events stored by {SERVICE} with the collector up: {stored:,} of {answered:,} requests")
    print_table(
        f"the same app called in-process, {args.calls:,} calls per figure (a fresh process each)",
        ["row", "CPU us/call", "added CPU us", "rounds"],
        [
            (
                r["name"],
                f"{r['cpu_us_per_call']:.1f}",
                f"{r['added_cpu_us_per_call']:.1f}",
                " / ".join(f"{v:.1f}" for v in r["rounds"]),
            )
            for r in in_process
        ],
    )
    return 0


def register(benches: Any) -> None:
    parser: argparse.ArgumentParser = benches.add_parser(
        "sdk", help="requests/s of an app with and without the SDK, collector up and down"
    )
    parser.add_argument("--seconds", type=float, default=5.0, help="length of each row")
    parser.add_argument("--repeats", type=int, default=5, help="rounds; medians are reported")
    parser.add_argument(
        "--calls", type=int, default=20_000, help="calls per figure of the in-process rows"
    )
    parser.add_argument("--json", type=Path, default=None, help="write the results here")
    parser.set_defaults(handler=run)
