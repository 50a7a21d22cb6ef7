"""``seismo bench dashboard``: how fast the dashboard answers and pushes.

Seeds an embedded Redis (free port, temporary directory) with a history: alerts, their
incident vectors, fingerprints and log events, in the formats the other roles write. It
times the first indexing of that history (search copies and vector set), then serves the
dashboard on a free loopback port and reports the latency of each read route (including
full-text search and similar incidents) and of the WebSocket: from XADD of a fingerprint,
or PUBLISH of an alert, to the message arriving at a connected client.
"""

from __future__ import annotations

import argparse
import functools
import json
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import httpx
import redis
from rich.progress import Progress
from websockets.sync.client import ClientConnection, connect

from seismo.bench.report import register_scaled, report_records
from seismo.bench.serving import serving
from seismo.config import Settings
from seismo.dashboard import history
from seismo.dashboard.app import create_app
from seismo.dashboard.context import Context
from seismo.engine import prepare
from seismo.engine.connection import connect as redis_connect
from seismo.engine.keys import Keys
from seismo.engine.server import EmbeddedRedis, free_port

SERVICES = ("checkout", "payments", "catalog", "users", "search", "web")
FEATURES = ("error_rate_5xx", "error_rate_4xx", "latency_p95", "latency_p99", "request_rate")
WORDS = ("timeout", "refused", "slow query", "retry", "pool exhausted", "ok", "cache miss")
ROUTES = (
    "/health",
    "/api/fingerprints?limit=500",
    "/api/anomalies?limit=50",
    "/api/anomalies?q=checkout%205xx&limit=50",
    "/api/logs?q=timeout&limit=100",
    "/api/logs?limit=100",
    "/redis-data",
)


@dataclass(frozen=True)
class Workload:
    """The seeded history and the number of timed requests; ``scaled`` shrinks it."""

    alerts: int = 2000
    fingerprints: int = 5000
    logs: int = 50_000
    requests: int = 50
    pushes: int = 100

    def scaled(self, factor: float) -> Workload:
        return Workload(*(max(5, int(v * factor)) for v in asdict(self).values()))


@dataclass(frozen=True)
class Timing:
    """Latency figures of one measured path, in milliseconds."""

    name: str
    count: int
    p50_ms: float
    p95_ms: float
    max_ms: float


def timing(name: str, seconds: list[float]) -> Timing:
    """Summarise durations (seconds) as a ``Timing`` in milliseconds."""
    ordered = sorted(s * 1000 for s in seconds)
    p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
    return Timing(name, len(ordered), round(statistics.median(ordered), 2), round(p95, 2),
                  round(ordered[-1], 2))  # fmt: skip


def _alert(n: int, rng: random.Random) -> dict[str, Any]:
    service = rng.choice(SERVICES)
    moved = rng.sample(FEATURES, 2)
    now = int(time.time() * 1000) - 10_000_000 + n * 1000
    return {
        "id": f"bench-{n}", "time": now, "window_start": now - 5000, "window_end": now,
        "scope": "service", "target": service, "score": 0.9, "severity": "critical",
        "summary": f"{moved[0].replace('_', ' ')} of {service} rose",
        "explanation": [{"feature": f, "normal": 0.0, "current": 1.0,
                         "deviation": rng.uniform(3, 40)} for f in moved],
        "business_impact": None, "remediation": [f"check {service}"],
        "incident_id": f"inc-{n // 3}", "status": "open",
    }  # fmt: skip


def seed(client: redis.Redis, keys: Keys, workload: Workload, rng: random.Random) -> None:
    """Write the history: alerts, fingerprints and logs, in pipelines."""
    pipe = client.pipeline(transaction=False)
    for n in range(workload.alerts):
        pipe.xadd(keys.anomalies, {"alert": json.dumps(_alert(n, rng))})
    names = json.dumps(list(FEATURES))
    for n in range(workload.fingerprints):
        end = int(time.time() * 1000) - (workload.fingerprints - n) * 5000
        data = json.dumps([rng.random() for _ in FEATURES])
        services = json.dumps({s: {"request_rate": rng.random()} for s in SERVICES})
        pipe.xadd(keys.fingerprints, {"window_start": end - 5000, "window_end": end,
                                      "names": names, "data": data, "services": services,
                                      "metrics": "{}", "late_events": 0})  # fmt: skip
    for n in range(workload.logs):
        message = f"request {n}: {rng.choice(WORDS)} on {rng.choice(SERVICES)}"
        service = rng.choice(SERVICES)
        stamp = int(time.time() * 1000)
        pipe.xadd(
            keys.log_stream,
            {"timestamp": stamp, "level": "error", "message": message, "service": service},
        )
        if n % 1000 == 0:
            pipe.execute()
    pipe.execute()


def _timed(action: Callable[[], object], times: int) -> list[float]:
    seconds = []
    for _ in range(times):
        start = time.perf_counter()
        action()
        seconds.append(time.perf_counter() - start)
    return seconds


def _push_latency(socket_: ClientConnection, send: Callable[[int], None], kind: str,
                  times: int) -> list[float]:  # fmt: skip
    """Seconds from ``send(n)`` to the next message of ``kind`` on the socket."""
    seconds = []
    for n in range(times):
        start = time.perf_counter()
        send(n)
        while json.loads(socket_.recv(timeout=10))["type"] != kind:
            pass
        seconds.append(time.perf_counter() - start)
    return seconds


def measure_pushes(host: str, client: redis.Redis, keys: Keys, times: int) -> list[Timing]:
    """WebSocket latency of a new fingerprint and of a new alert."""
    rng = random.Random(1)

    def fingerprint(n: int) -> None:
        client.xadd(keys.fingerprints, {"window_start": 0, "window_end": n, "names": "[]",
                                        "data": "[]", "services": "{}"})  # fmt: skip

    def alert(n: int) -> None:
        text = json.dumps({**_alert(n, rng), "id": f"live-{n}", "time": int(time.time() * 1000)})
        client.xadd(keys.anomalies, {"alert": text})
        client.publish(keys.alerts, text)

    with connect(f"ws://{host}/ws", open_timeout=5) as socket_:
        time.sleep(0.7)  # past the wait for a "since" message: the feed is live
        return [
            timing("ws: XADD fingerprint -> client", _push_latency(socket_, fingerprint,
                                                                    "fingerprint", times)),
            timing("ws: PUBLISH alert -> client", _push_latency(socket_, alert, "alert", times)),
        ]  # fmt: skip


def measure(url: str, workload: Workload) -> list[Timing]:
    """Seed, index, then time every route and the WebSocket."""
    keys = Keys()
    client = redis_connect(url, decode_responses=True)
    prepare(redis_connect(url), keys)
    results = []
    with Progress(transient=True) as progress:
        task = progress.add_task("dashboard bench", total=len(ROUTES) + 3)
        seed(client, keys, workload, random.Random(0))
        ctx = Context(url, keys)
        results.append(
            timing("first indexing of the history", _timed(lambda: history.refresh(ctx), 1))
        )
        ctx.close()
        progress.advance(task)
        app = create_app(Settings(redis_url=url, namespace=keys.namespace))
        with serving(app) as base, httpx.Client(base_url=base) as http:
            for route in ROUTES:
                http.get(route).raise_for_status()
                get = functools.partial(http.get, route)
                results.append(timing(f"GET {route}", _timed(get, workload.requests)))
                progress.advance(task)
            results += measure_pushes(base.removeprefix("http://"), client, keys, workload.pushes)
            progress.advance(task, 2)
    client.close()
    return results


def run(args: argparse.Namespace) -> int:
    workload = Workload().scaled(args.scale)
    with tempfile.TemporaryDirectory() as tmp, EmbeddedRedis("127.0.0.1", free_port(),
                                                             Path(tmp)) as server:  # fmt: skip
        results = measure(server.url, workload)
    title = (f"seismo bench dashboard: {workload.alerts} alerts, {workload.fingerprints} "
             f"fingerprints, {workload.logs} logs")  # fmt: skip
    columns = ("path", "n", "p50 ms", "p95 ms", "max ms")
    report_records(title, columns, results, args.json, "timings", workload=asdict(workload))
    return 0


def register(benches: Any) -> None:
    help_text = "latency of the dashboard's routes, search and WebSocket pushes"
    register_scaled(benches, "dashboard", help_text, run)
