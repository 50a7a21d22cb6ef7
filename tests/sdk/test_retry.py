"""Retries: backoff bounds, ``Retry-After`` honoured, and a batch refused with 503 during a
Redis outage stored exactly once when the collector recovers."""

from __future__ import annotations

import random
import time

from seismo.bench.serving import serving
from seismo.config import Settings
from seismo.engine.connection import connect
from seismo.engine.keys import Keys
from seismo.engine.server import EmbeddedRedis
from seismo.ingest.app import create_app
from seismo_client import RetryPolicy, SeismoClient
from seismo_client.retry import retry_after_seconds


def test_backoff_stays_under_its_exponential_bound() -> None:
    policy, rng = RetryPolicy(base_s=0.1, cap_s=1.0), random.Random(7)
    for attempt in range(8):
        bound = min(1.0, 0.1 * 2**attempt)
        assert all(0 <= policy.delay(attempt, None, rng) <= bound for _ in range(100))


def test_retry_after_is_the_least_wait() -> None:
    policy, rng = RetryPolicy(base_s=0.1, cap_s=10.0), random.Random(7)
    assert all(policy.delay(0, 2.0, rng) >= 2.0 for _ in range(100))
    assert retry_after_seconds("3") == 3.0
    assert retry_after_seconds("Wed, 21 Oct 2026 07:28:00 GMT") is None


def wait_for(condition: object, limit_s: float = 30) -> None:
    deadline = time.monotonic() + limit_s
    while not condition() and time.monotonic() < deadline:  # type: ignore[operator]
        time.sleep(0.05)


def test_a_batch_refused_during_an_outage_is_stored_once_after_it(
    own_redis: EmbeddedRedis,
) -> None:
    with serving(create_app(Settings(redis_url=own_redis.url))) as url:
        client = SeismoClient(url, flush_interval=0.05)
        own_redis.stop()
        for i in range(3):
            client.send_metric(service="s", endpoint="GET:/", response_time=i, status_code=200)
        wait_for(lambda: client.stats.retries >= 1)
        own_redis.start()
        assert client.flush(timeout=60)
        client.close()
    assert (client.stats.sent, client.stats.failed) == (3, 0)
    assert client.stats.retries >= 1
    check = connect(own_redis.url)
    assert check.xlen(Keys().detailed_metrics) == 3
    check.close()
