"""The whole pipeline, as an operator meets it: real role processes on a real Redis.

Normal traffic goes through the collector until the detector has trained; then one service
starts answering 500s. An explained alert naming that service and its 5xx error rate must
reach ``anomalies`` within two windows of the onset (plus the grace period and a second of
slack for a busy machine), be served by the dashboard API, and show in the browser's feed.
"""

from __future__ import annotations

import json
import os
import random
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis
from playwright.sync_api import Browser, expect

from seismo.demo.processes import Role, Supervisor
from seismo.engine import prepare
from seismo.engine.connection import connect
from seismo.engine.keys import Keys
from seismo.engine.server import EmbeddedRedis, free_port

WINDOW_S = 1
GRACE_S = 1
TRAINING_WINDOWS = 20
SERVICES = ("checkout", "catalog", "users")


class Traffic:
    """Sends a batch of requests every 200 ms; ``failing`` services answer mostly 500s."""

    def __init__(self, collector: str) -> None:
        self.collector = collector
        self.failing: set[str] = set()
        self.stop = threading.Event()
        self.rng = random.Random(5)
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _item(self, service: str) -> dict[str, Any]:
        failing = service in self.failing
        status = 500 if failing and self.rng.random() < 0.6 else 200
        return {
            "type": "application",
            "service": service,
            "endpoint": "GET:/api/items",
            "caller": "web",
            "response_time": round(self.rng.lognormvariate(3.0, 0.25), 2),
            "status_code": status,
        }

    def _run(self) -> None:
        with httpx.Client(base_url=self.collector, timeout=5) as client:
            while not self.stop.wait(0.2):
                items = [self._item(s) for s in SERVICES for _ in range(6)]
                client.post("/api/batch", json={"metrics": items})

    def __enter__(self) -> Traffic:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join()


@pytest.fixture
def pipeline(tmp_path: Path) -> Iterator[tuple[redis.Redis, str, str]]:
    """Redis plus the collector, aggregator, detector and dashboard as real processes."""
    server = EmbeddedRedis("127.0.0.1", free_port(), tmp_path / "redis")
    server.start()
    client = connect(server.url)
    prepare(client, Keys())
    collector_port, dashboard_port = free_port(), free_port()
    env = {
        **os.environ,
        "SEISMO_REDIS_URL": server.url,
        "SEISMO_WINDOW_SECONDS": str(WINDOW_S),
        "SEISMO_GRACE_SECONDS": str(GRACE_S),
        "SEISMO_TRAINING_WINDOWS": str(TRAINING_WINDOWS),
        "SEISMO_COLLECTOR_PORT": str(collector_port),
        "SEISMO_COLLECTOR_HOST": "127.0.0.1",
        "SEISMO_COLLECTOR_WORKERS": "1",
        "SEISMO_DASHBOARD_PORT": str(dashboard_port),
        "SEISMO_DASHBOARD_HOST": "127.0.0.1",
    }
    supervisor = Supervisor(env, tmp_path / "logs")
    for role in ("collector", "aggregator", "detector", "dashboard"):
        supervisor.start(Role(role, (role,)))
    collector = f"http://127.0.0.1:{collector_port}"
    dashboard = f"http://127.0.0.1:{dashboard_port}"
    try:
        for url in (collector, dashboard):
            wait_until(lambda url=url: httpx.get(f"{url}/health", timeout=1).status_code == 200, 60)
        yield client, collector, dashboard
    finally:
        supervisor.stop_all()
        client.close()
        server.stop()


def wait_until(condition: Any, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if condition():
                return
        except (httpx.HTTPError, redis.RedisError):
            pass
        time.sleep(0.2)
    raise AssertionError(f"not reached in {timeout_s} s")


def alerts(client: redis.Redis, keys: Keys) -> list[dict[str, Any]]:
    return [json.loads(fields[b"alert"]) for _, fields in client.xrange(keys.anomalies)]


def trained(client: redis.Redis, keys: Keys) -> bool:
    status = client.hget(keys.detector_state, "status")
    return status is not None and status != b"training"


def test_a_burst_of_500s_becomes_an_explained_alert_in_the_feed(
    pipeline: tuple[redis.Redis, str, str], browser: Browser
) -> None:
    client, collector, dashboard = pipeline
    keys = Keys()
    with Traffic(collector) as traffic:
        wait_until(lambda: trained(client, keys), TRAINING_WINDOWS * WINDOW_S + 90)
        time.sleep(3 * WINDOW_S)
        before = {a["id"] for a in alerts(client, keys)}
        onset = time.time()
        traffic.failing.add("checkout")

        def new_checkout_alert() -> bool:
            return any(
                a["id"] not in before and a["target"] == "checkout" for a in alerts(client, keys)
            )

        wait_until(new_checkout_alert, 2 * WINDOW_S + GRACE_S + 1 + 30)
        delay_s = time.time() - onset
    alert = next(
        a for a in alerts(client, keys) if a["id"] not in before and a["target"] == "checkout"
    )
    assert alert["status"] == "open"
    assert "error_rate_5xx" in {row["feature"] for row in alert["explanation"]}
    assert alert["summary"]
    assert delay_s <= 2 * WINDOW_S + GRACE_S + 1, f"alert after {delay_s:.1f} s"
    served = httpx.get(f"{dashboard}/api/anomalies", params={"service": "checkout"}).json()
    assert alert["id"] in {item["id"] for item in served["items"]}
    page = browser.new_page()
    try:
        page.goto(f"{dashboard}/#/anomalies")
        expect(page.get_by_text(alert["summary"]).first).to_be_visible(timeout=15_000)
    finally:
        page.close()
