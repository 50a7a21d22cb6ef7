"""``seismo collector``'s ``/metrics`` counts what its worker processes did.

Its workers must write their counters to the shared directory; forked from the parent (which
has imported prometheus_client before that directory exists) they kept them to themselves
and ``/metrics`` answered an empty body.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import httpx
import redis
from prometheus_client.parser import text_string_to_metric_families

from seismo.bench.ingest import wait_healthy
from seismo.engine.server import EmbeddedRedis, free_port

EVENT = {"service": "checkout", "endpoint": "POST:/pay", "metrics": {"response_time": 12.0,
         "status_code": 200}}  # fmt: skip


def accepted(exposition: str) -> float:
    for family in text_string_to_metric_families(exposition):
        for sample in family.samples:
            if sample.name == "seismo_ingest_events_total" and sample.labels == {
                "route": "metrics",
                "outcome": "accepted",
            }:
                return sample.value
    return 0.0


def test_metrics_sum_the_events_every_worker_accepted(
    redis_server: EmbeddedRedis, redis_client: redis.Redis
) -> None:
    """(``redis_client`` empties the database: no window closed by an earlier test makes
    these events late.)"""
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("SEISMO_")},
        "SEISMO_REDIS_URL": redis_server.url,
        "SEISMO_COLLECTOR_PORT": str(port),
        "SEISMO_COLLECTOR_HOST": "127.0.0.1",
        "SEISMO_COLLECTOR_WORKERS": "2",
    }
    process = subprocess.Popen([sys.executable, "-m", "seismo", "collector"], env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(f"{base}/health", process)
        for _ in range(20):  # a new connection each, so the workers share them
            assert httpx.post(f"{base}/api/metrics", json=EVENT).status_code == 200
        scrapes = [httpx.get(f"{base}/metrics").text for _ in range(4)]
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
    assert [accepted(text) for text in scrapes] == [20.0] * 4, scrapes[0]
