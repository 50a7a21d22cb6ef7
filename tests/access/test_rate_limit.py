"""Rate limits per key: one token bucket per key in Redis, shared by every collector."""

from __future__ import annotations

import time

import httpx
import redis

from seismo.bench.serving import serving
from seismo.engine.functions import TAKE_TOKEN
from seismo.engine.server import EmbeddedRedis
from seismo.ingest.app import create_app as create_collector
from tests.access.conftest import make_key, secured

LOG = {"type": "log", "data": {"level": "info", "message": "ok"}}
BURST = 5


def post(url: str, token: str) -> httpx.Response:
    return httpx.post(url + "/api/logs", json=LOG["data"], headers={"X-API-Key": token})


def test_a_flood_from_one_key_is_limited_across_collectors_without_hurting_another_key(
    redis_server: EmbeddedRedis, redis_client: redis.Redis
) -> None:
    flood = make_key(redis_client, "ingest", "noisy")
    calm = make_key(redis_client, "ingest", "calm")
    settings = secured(redis_server.url, rate_limit_per_second=0.5, rate_limit_burst=BURST)
    with (
        serving(create_collector(settings)) as first,
        serving(create_collector(settings)) as second,
    ):
        answers = [post(first if i % 2 else second, flood) for i in range(BURST + 3)]
        statuses = [answer.status_code for answer in answers]
        assert statuses[:BURST] == [200] * BURST, statuses
        assert statuses[BURST:] == [429] * 3, statuses
        limited = answers[-1]
        assert int(limited.headers["retry-after"]) >= 1
        assert "'noisy'" in limited.json()["error"]
        assert [post(first, calm).status_code for _ in range(BURST)] == [200] * BURST


def test_without_a_rate_the_collector_takes_every_request(
    redis_server: EmbeddedRedis, redis_client: redis.Redis
) -> None:
    token = make_key(redis_client, "ingest", "bulk")
    settings = secured(redis_server.url, rate_limit_per_second=0, rate_limit_burst=1)
    with serving(create_collector(settings)) as url:
        assert {post(url, token).status_code for _ in range(5)} == {200}


def test_a_bucket_refills_at_its_rate(redis_client: redis.Redis) -> None:
    """The Function itself: 2 tokens at 2/s; empty, it says how long to wait, then refills."""
    bucket = "ratelimit:test"

    def take() -> list[int]:
        return list(redis_client.fcall(TAKE_TOKEN, 1, bucket, 2, 2, 1))  # type: ignore[arg-type]

    assert [take()[0] for _ in range(2)] == [1, 1]
    refused, wait_ms = take()
    assert refused == 0 and 0 < wait_ms <= 500
    time.sleep(wait_ms / 1000 + 0.05)
    assert take()[0] == 1
    assert 0 < redis_client.pttl(bucket) <= 2000
