"""The dashboard's views of a sharded installation (``SEISMO_SHARDS`` > 1 on one Redis).

Every service's sketches, event streams and window keys live under its shard's hash tag
(``{s<i>}:``); the events here go in through the real collector and the windows are closed
by the real aggregator, then each view must show what every shard holds.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import redis
from prometheus_client.parser import text_string_to_metric_families

from seismo.bench.serving import serving
from seismo.config import Settings
from seismo.dashboard.app import create_app as dashboard_app
from seismo.engine import prepare
from seismo.engine.connection import connect
from seismo.engine.keys import Keys, installation_keys
from seismo.engine.server import EmbeddedRedis
from seismo.ingest.app import create_app as collector_app
from seismo.loops.aggregator import close_windows
from tests.dashboard.conftest import ServerThread

SHARDS = 4
WINDOW_MS = 5000
SERVICES = ["checkout", "search", "payments", "web", "api"]


@dataclass
class Sharded:
    settings: Settings
    keys: Keys
    client: redis.Redis
    window: int
    """The open window (the aggregator has closed every one before it)."""

    def ingest(self, events: list[dict[str, Any]]) -> None:
        """Send ``events`` to a real collector (the shards' ingest Function)."""
        with (
            serving(collector_app(self.settings)) as url,
            httpx.Client(base_url=url, timeout=30) as http,
        ):
            answer = http.post("/api/batch", json={"metrics": events})
            assert answer.status_code == 200, answer.text

    def close(self) -> None:
        """Close every window before the open one, as the aggregator does."""
        now = self.window * WINDOW_MS + self.settings.grace_seconds * 1000 + 1
        result = close_windows(self.client, self.keys, self.settings, now_ms=now)
        assert result.last_closed == self.window - 1


@pytest.fixture
def sharded(redis_server: EmbeddedRedis) -> Iterator[Sharded]:
    settings = Settings(
        redis_url=redis_server.url, shards=SHARDS, window_seconds=5, grace_seconds=2
    )
    keys = installation_keys(settings)
    assert keys.sharded
    assert len({keys.shard_of(s) for s in SERVICES}) > 1  # the services span shards
    client = connect(redis_server.url)
    client.flushall()
    prepare(client, keys)
    window = int(time.time() * 1000) // WINDOW_MS - 1
    yield Sharded(settings, keys, client, window)
    client.close()


@pytest.fixture
def dashboard(sharded: Sharded) -> Iterator[httpx.Client]:
    app = dashboard_app(sharded.settings, background=False)
    with ServerThread(app) as running, httpx.Client(base_url=running.url, timeout=30) as client:
        yield client


def requests_of(window: int) -> list[dict[str, Any]]:
    """Per service ``index + 1`` requests to ``GET:/<service>`` in ``window``, one a 503."""
    return [
        {
            "type": "application",
            "timestamp": window * WINDOW_MS + 100 + n,
            "service": service,
            "endpoint": f"GET:/{service}",
            "response_time": 20.0,
            "status_code": 503 if n == 0 else 200,
        }
        for index, service in enumerate(SERVICES)
        for n in range(index + 1)
    ]


def business_of(window: int) -> list[dict[str, Any]]:
    """One observation of ``revenue-<service>`` per service in ``window``."""
    return [
        {
            "type": "business",
            "timestamp": window * WINDOW_MS + 200,
            "metric_name": f"revenue-{service}",
            "value": 10.0,
            "expected_range": [5.0, 50.0],
            "service": service,
        }
        for service in SERVICES
    ]


def logs_of(window: int) -> list[dict[str, Any]]:
    """A ``db timeout on <service>`` error log per service."""
    return [
        {
            "type": "log",
            "timestamp": window * WINDOW_MS + 300 + index,
            "level": "error",
            "message": f"db timeout on {service}",
            "service": service,
        }
        for index, service in enumerate(SERVICES)
    ]


def test_redis_data_shows_every_shards_sketches_topk_and_streams(
    sharded: Sharded, dashboard: httpx.Client
) -> None:
    sharded.ingest(business_of(sharded.window - 1))
    sharded.close()
    sharded.ingest(requests_of(sharded.window) + business_of(sharded.window))
    body = dashboard.get("/redis-data").json()
    by_type: dict[str, list[dict[str, Any]]] = {}
    for item in body["structures"]:
        by_type.setdefault(item["type"], []).append(item)
    shards = sharded.keys.all_shards
    assert sorted(s["key"] for s in by_type["cuckoo-filter"]) == sorted(
        shard.service_calls for shard in shards
    )
    sketches = {s["key"]: s["sample"] for s in by_type["count-min-sketch"]}
    assert set(sketches) == {key for shard in shards for key in shard.sketches}
    endpoints: dict[str, int] = {}
    statuses: dict[str, int] = {}
    metrics: dict[str, int] = {}
    for shard in shards:
        endpoints.update(sketches[shard.endpoint_frequency])
        for code, count in sketches[shard.status_codes].items():
            statuses[code] = statuses.get(code, 0) + count
        metrics.update(sketches[shard.business_metrics])
    assert endpoints == {f"{s}:GET:/{s}": i + 1 for i, s in enumerate(SERVICES)}
    assert statuses == {"200": 10, "503": 5}
    assert metrics == {f"revenue-{s}": 2 for s in SERVICES}  # both windows' observations
    for shard in shards:  # a shard's samples are its own services'
        own = {f"{s}:GET:/{s}" for s in SERVICES if sharded.keys.shard_of(s) == shard.shard}
        assert set(sketches[shard.endpoint_frequency]) == own
    heavy: dict[str, int] = {}
    for item in by_type["topk"]:
        assert item["key"] in {shard.window(sharded.window, "endpoints") for shard in shards}
        heavy.update(item["sample"])
    assert heavy == {f"{s} GET:/{s}": i + 1 for i, s in enumerate(SERVICES)}
    streams = {s["key"]: s for s in body["streams"]}
    assert sum(streams[shard.detailed_metrics]["length"] for shard in shards) == 15
    assert sum(streams[shard.business_stream]["length"] for shard in shards) == 10


def test_logs_of_every_shard_are_listed_newest_first_and_by_service(
    sharded: Sharded, dashboard: httpx.Client
) -> None:
    for event in logs_of(sharded.window):  # one after another: the order they arrived in
        sharded.ingest([event])
    items = dashboard.get("/api/logs").json()["items"]
    assert [i["service"] for i in items] == SERVICES[::-1]
    assert [i["service"] for i in dashboard.get("/api/logs?limit=2").json()["items"]] == [
        "api",
        "web",
    ]
    for service in SERVICES:  # a named service's shard
        one = dashboard.get("/api/logs", params={"service": service}).json()["items"]
        assert [i["message"] for i in one] == [f"db timeout on {service}"]


def test_logs_of_every_shard_are_searched(sharded: Sharded, dashboard: httpx.Client) -> None:
    sharded.ingest(logs_of(sharded.window))
    found = dashboard.get("/api/logs", params={"q": "timeout"}).json()["items"]
    assert sorted(i["service"] for i in found) == sorted(SERVICES)
    narrowed = dashboard.get("/api/logs", params={"q": "timeout", "service": "web"}).json()
    assert [i["message"] for i in narrowed["items"]] == ["db timeout on web"]


def test_metrics_count_every_shards_stream_entries(
    sharded: Sharded, dashboard: httpx.Client
) -> None:
    sharded.ingest(requests_of(sharded.window) + logs_of(sharded.window))
    text = dashboard.get("/metrics").text
    lengths = {
        sample.labels["stream"]: sample.value
        for family in text_string_to_metric_families(text)
        if family.name == "seismo_redis_stream_length"
        for sample in family.samples
    }
    assert lengths["detailed_metrics"] == 15
    assert lengths["log_stream"] == 5
    assert lengths["business_stream"] == 0


def test_business_kpis_carry_their_declared_range_from_every_shard(
    sharded: Sharded, dashboard: httpx.Client
) -> None:
    sharded.ingest(business_of(sharded.window - 1))
    sharded.close()
    since = (sharded.window - 2) * WINDOW_MS
    until = (sharded.window + 1) * WINDOW_MS
    body = dashboard.get("/api/metrics/business", params={"since": since, "until": until})
    items = {item["name"]: item for item in body.json()["items"]}
    assert set(items) == {f"revenue-{s}" for s in SERVICES}
    for item in items.values():
        assert item["expected_range"] == [5.0, 50.0], item["name"]


def test_a_shards_log_copies_go_with_its_own_streams_dropped_events_only(
    sharded: Sharded, dashboard: httpx.Client
) -> None:
    web, api = sharded.keys.for_service("web"), sharded.keys.for_service("api")
    assert web.shard != api.shard
    start = sharded.window * WINDOW_MS
    sharded.ingest([{**logs_of(sharded.window)[3], "message": "disk timeout on web"}])
    for n in range(2):
        time.sleep(0.002)
        event = {"type": "log", "timestamp": start + 1000 + n, "level": "error",
                 "message": f"disk timeout {n}", "service": "api"}  # fmt: skip
        sharded.ingest([event])
    found = dashboard.get("/api/logs", params={"q": "timeout"}).json()["items"]
    assert [i["message"] for i in found] == ["disk timeout 1", "disk timeout 0",
                                             "disk timeout on web"]  # fmt: skip
    sharded.client.xtrim(api.log_stream, maxlen=1, approximate=False)  # as the cap does
    found = dashboard.get("/api/logs", params={"q": "timeout"}).json()["items"]
    assert [i["message"] for i in found] == ["disk timeout 1", "disk timeout on web"]
    copies = sharded.client.keys(sharded.keys.log_doc_prefix + "*")
    assert len(copies) == 2
