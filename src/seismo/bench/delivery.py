"""``seismo bench delivery``: alerts through a real ``seismo notifier`` to loopback webhooks.

An embedded Redis (free port, temporary directory), the notifier as its own process (as
deployed) and webhook receivers on loopback. Three runs: a burst of alerts to one receiver
(alerts per second, from the first append to the last arrival); alerts paced at a steady
rate to two receivers (latency from each alert's append to ``anomalies`` to its arrival);
the same with a third receiver that never answers within the timeout, whose tries must not
slow the other two. Every alert is its own incident, as distinct faults are.
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import redis

from seismo.alert.sample import sample_alert
from seismo.bench.delivery_receiver import Arrivals, receiving
from seismo.bench.report import register_scaled, report_records
from seismo.engine.connection import connect
from seismo.engine.keys import Keys
from seismo.engine.server import EmbeddedRedis, free_port

TIMEOUT_S = 5.0
"""The notifier's timeout per try (its default): the dead receiver costs this per try."""
WAIT_S = 120.0


@dataclass(frozen=True)
class Workload:
    burst: int = 2000
    paced: int = 300
    rate: float = 50.0

    def scaled(self, scale: float) -> Workload:
        return Workload(max(10, int(self.burst * scale)), max(10, int(self.paced * scale)),
                        self.rate)  # fmt: skip


@dataclass(frozen=True)
class Result:
    run: str
    alerts: int
    receivers: int
    per_second: float
    p50_ms: float
    p99_ms: float
    max_ms: float


def routing_text(urls: list[str]) -> str:
    receivers = "".join(
        f'[receivers.hook{n}]\nchannel = "webhook"\nurl = "{url}"\n\n' for n, url in enumerate(urls)
    )
    names = ", ".join(f'"hook{n}"' for n in range(len(urls)))
    return receivers + f"[[routes]]\nreceivers = [{names}]\n"


@contextmanager
def notifier(redis_url: str, routing_file: Path, keys: Keys) -> Iterator[None]:
    """``seismo notifier`` in its own process, reading (a consumer of its group) when the
    block runs."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SEISMO_")}
    env.update(SEISMO_REDIS_URL=redis_url, SEISMO_NOTIFY_ROUTING_FILE=str(routing_file),
               SEISMO_NOTIFY_TIMEOUT_SECONDS=str(TIMEOUT_S), SEISMO_NOTIFY_ATTEMPTS="2",
               SEISMO_NOTIFY_BACKOFF_SECONDS="0.1", SEISMO_NOTIFY_METRICS_PORT="0",
               SEISMO_LOG_LEVEL="warning", SEISMO_NAMESPACE=keys.namespace)  # fmt: skip
    process = subprocess.Popen([sys.executable, "-m", "seismo", "notifier"], env=env)
    client = connect(redis_url)
    try:
        deadline = time.monotonic() + WAIT_S
        while not _reading(client, keys):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the notifier did not start")
            time.sleep(0.05)
        yield
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(60)
        client.close()


def _reading(client: redis.Redis, keys: Keys) -> bool:
    try:
        return bool(client.xinfo_consumers(keys.anomalies, keys.notifier_group))
    except redis.ResponseError:
        return False


def append(
    client: redis.Redis, keys: Keys, run: str, count: int, rate: float | None
) -> dict[str, float]:
    """Append ``count`` alerts (paced at ``rate`` per second, else at once): id -> append time."""
    appended: dict[str, float] = {}
    start = time.monotonic()
    for number in range(count):
        if rate is not None:
            time.sleep(max(0.0, start + number / rate - time.monotonic()))
        alert = sample_alert(int(time.time() * 1000), number, summary=f"bench {run} {number}")
        client.xadd(keys.anomalies, {"alert": alert.to_json()})
        appended[alert.id] = time.time()
    return appended


def wait_for(arrivals: list[Arrivals], ids: set[str]) -> None:
    deadline = time.monotonic() + WAIT_S
    while any(a.count(ids) < len(ids) for a in arrivals):
        if time.monotonic() > deadline:
            got = [a.count(ids) for a in arrivals]
            raise RuntimeError(f"only {got} of {len(ids)} alerts arrived")
        time.sleep(0.02)


def result(run: str, appended: dict[str, float], arrivals: list[Arrivals]) -> Result:
    latencies = sorted(
        (a.times[alert_id] - at) * 1000 for a in arrivals for alert_id, at in appended.items()
    )
    first = min(appended.values())
    last = max(a.times[alert_id] for a in arrivals for alert_id in appended)
    quantiles = statistics.quantiles(latencies, n=100, method="inclusive")
    return Result(run, len(appended), len(arrivals), round(len(appended) / (last - first), 1),
                  round(statistics.median(latencies), 1), round(quantiles[98], 1),
                  round(latencies[-1], 1))  # fmt: skip


def one_run(
    url: str, tmp: Path, run: str, count: int, rate: float | None, dead: int, live: int
) -> Result:
    """One run: ``live`` answering receivers and ``dead`` ones that time out."""
    client = connect(url, decode_responses=True)
    with ExitStack() as stack:
        healthy = [stack.enter_context(receiving()) for _ in range(live)]
        hanging = [stack.enter_context(receiving(hang_s=TIMEOUT_S * 3)) for _ in range(dead)]
        routing_file = tmp / f"{run}.toml"
        routing_file.write_text(routing_text([a.url for a in healthy + hanging]))
        keys = Keys(namespace=f"bench-{len(list(tmp.glob('*.toml')))}")
        with notifier(url, routing_file, keys):
            appended = append(client, keys, run, count, rate)
            wait_for(healthy, set(appended))
    client.close()
    return result(run, appended, healthy)


def measure(url: str, tmp: Path, workload: Workload) -> list[Result]:
    return [
        one_run(url, tmp, "burst", workload.burst, None, dead=0, live=1),
        one_run(url, tmp, "paced", workload.paced, workload.rate, dead=0, live=2),
        one_run(url, tmp, "paced, one receiver timing out", workload.paced, workload.rate,
                dead=1, live=2),
    ]  # fmt: skip


def run(args: argparse.Namespace) -> int:
    workload = Workload().scaled(args.scale)
    with tempfile.TemporaryDirectory() as tmp, EmbeddedRedis("127.0.0.1", free_port(),
                                                             Path(tmp)) as server:  # fmt: skip
        results = measure(server.url, Path(tmp), workload)
    title = f"seismo bench delivery: webhooks on loopback, {workload.rate:g}/s when paced"
    columns = ("run", "alerts", "answering receivers", "alerts/s", "p50 ms", "p99 ms", "max ms")
    report_records(title, columns, results, args.json, "results", workload=asdict(workload))
    return 0


def register(benches: Any) -> None:
    help_text = "alerts/s and append-to-receipt latency through the notifier"
    register_scaled(benches, "delivery", help_text, run)
