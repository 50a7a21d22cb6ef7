"""Redis outages: 503 with Retry-After while down, recovery without a restart, and
acknowledged data surviving a kill -9 of the embedded Redis (append-only file)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from seismo.bench.serving import serving
from seismo.engine import prepare
from seismo.engine.connection import connect
from seismo.engine.keys import Keys
from seismo.engine.server import EmbeddedRedis
from seismo.ingest.app import create_app
from tests.conftest import free_port
from tests.ingest.conftest import collector_settings

EVENT = {"service": "a", "endpoint": "GET:/x", "response_time": 2, "status_code": 200}


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[EmbeddedRedis]:
    """A Redis of this test's own, so stopping it disturbs no other test."""
    server = EmbeddedRedis("127.0.0.1", free_port(), tmp_path)
    server.start()
    client = connect(server.url)
    prepare(client, Keys())
    client.close()
    yield server
    server.stop()


def post_until(client: httpx.Client, status: int, timeout_s: float = 15) -> httpx.Response:
    deadline = time.monotonic() + timeout_s
    while True:
        answer = client.post("/api/metrics", json=EVENT)
        if answer.status_code == status or time.monotonic() > deadline:
            return answer
        time.sleep(0.2)


def test_outage_gives_503_with_retry_after_then_recovers(own_redis: EmbeddedRedis) -> None:
    with (
        serving(create_app(collector_settings(own_redis.url))) as url,
        httpx.Client(base_url=url) as client,
    ):
        assert client.post("/api/metrics", json=EVENT).status_code == 200
        own_redis.stop()
        down = client.post("/api/metrics", json=EVENT)
        assert down.status_code == 503
        assert down.headers["retry-after"] == "2"
        assert down.json()["error"].startswith("Redis is unreachable")
        health = client.get("/health")
        assert health.status_code == 503
        assert health.json()["redis"]["connected"] is False
        own_redis.start()
        assert post_until(client, 200).status_code == 200
        assert client.get("/health").status_code == 200


def test_acknowledged_data_survives_kill_9_of_redis(own_redis: EmbeddedRedis) -> None:
    keys = Keys()
    with (
        serving(create_app(collector_settings(own_redis.url))) as url,
        httpx.Client(base_url=url) as client,
    ):
        for _ in range(50):
            assert client.post("/api/metrics", json=EVENT).status_code == 200
        own_redis.kill()
        assert post_until(client, 200).status_code == 200  # the supervisor restarted it
    check = connect(own_redis.url)
    assert check.xlen(keys.detailed_metrics) == 51
    assert int(check.execute_command("CMS.QUERY", keys.endpoint_frequency, "a:GET:/x")[0]) == 51
    check.close()


def test_a_server_that_lost_the_function_library_gets_it_back(own_redis: EmbeddedRedis) -> None:
    raw = connect(own_redis.url)
    raw.function_flush()
    with (
        serving(create_app(collector_settings(own_redis.url))) as url,
        httpx.Client(base_url=url) as client,
    ):
        assert client.post("/api/metrics", json=EVENT).status_code == 200
    assert raw.xlen(Keys().detailed_metrics) == 1
    raw.close()


def test_after_a_redis_restart_no_stale_pooled_connection_gives_a_late_503(
    own_redis: EmbeddedRedis,
) -> None:
    batch = {"metrics": [{"type": "log", "level": "info", "message": "m"}] * 200}
    with (
        serving(create_app(collector_settings(own_redis.url))) as url,
        ThreadPoolExecutor(8) as pool,
    ):

        def burst() -> list[int]:
            posts = [pool.submit(httpx.post, f"{url}/api/batch", json=batch) for _ in range(32)]
            return [post.result().status_code for post in posts]

        assert set(burst()) == {200}  # several pooled connections now
        own_redis.kill()
        with httpx.Client(base_url=url) as client:
            assert post_until(client, 200).status_code == 200
        assert set(burst()) == {200}
