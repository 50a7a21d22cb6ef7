"""The dashboard when things are missing: Redis down (503, then recovery), no RediSearch."""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

import httpx
import redis

from seismo.config import Settings
from seismo.dashboard import history, overview
from seismo.dashboard.app import create_app
from seismo.dashboard.context import Context
from seismo.dashboard.params import Filters
from seismo.engine.keys import Keys
from seismo.engine.server import EmbeddedRedis
from tests.builders import add_alert, alert_dict
from tests.conftest import free_port
from tests.dashboard.conftest import SEARCH_SLOW, ServerThread, add_log


def test_health_is_503_while_redis_is_down_and_recovers_by_itself(
    tmp_path: Path, keys: Keys
) -> None:
    port = free_port()
    app = create_app(
        Settings(redis_url=f"redis://127.0.0.1:{port}/0", namespace=keys.namespace),
        background=False,
    )
    with ServerThread(app) as running, httpx.Client(base_url=running.url, timeout=10) as http:
        down = http.get("/health")
        assert down.status_code == 503
        assert down.headers["retry-after"]
        assert down.json()["redis"]["connected"] is False
        listing = http.get("/api/anomalies")
        assert listing.status_code == 503
        assert "Redis" in listing.json()["error"]
        with EmbeddedRedis("127.0.0.1", port, tmp_path):
            deadline = time.monotonic() + 10
            while http.get("/health").status_code != 200:
                assert time.monotonic() < deadline, "dashboard did not recover"
                time.sleep(0.2)
            assert http.get("/api/anomalies").json() == {"items": []}


def test_without_redisearch_search_matches_words_of_recent_entries(
    redis_server: EmbeddedRedis, redis_client: redis.Redis, keys: Keys
) -> None:
    ctx = Context(redis_server.url, keys)
    ctx.known = replace(ctx.capabilities(), search=False, vector_sets=False)
    add_alert(redis_client, keys, alert_dict("a1", 1000))
    add_alert(redis_client, keys, alert_dict("a2", 2000, **SEARCH_SLOW))
    add_log(redis_client, keys, "payment gateway timeout")
    add_log(redis_client, keys, "all good", level="info")
    found = history.anomalies(ctx, Filters(q="Checkout 5XX"))
    assert [a["id"] for a in found] == ["a1"]
    assert found[0]["similar"] == []
    assert [item["message"] for item in history.logs(ctx, Filters(q="timeout"))] == [
        "payment gateway timeout"
    ]
    document, status = overview.health(ctx)
    assert (status, document["status"]) == (200, "degraded")
    assert any("RediSearch" in note for note in document["notes"])
    ctx.close()
