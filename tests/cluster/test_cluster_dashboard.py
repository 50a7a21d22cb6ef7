"""The dashboard's views on a real three-primary Redis Cluster, its shards spread over the
primaries: the sketches, log listing and search and stream lengths read every shard."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import redis
from prometheus_client.parser import text_string_to_metric_families

from seismo.bench.serving import serving
from seismo.config import Settings
from seismo.dashboard.app import create_app as dashboard_app
from seismo.engine.keys import Keys
from seismo.ingest.app import create_app as collector_app
from seismo.loops.aggregator import close_windows
from tests.dashboard.conftest import ServerThread
from tests.dashboard.test_shards import SERVICES, WINDOW_MS, logs_of, requests_of


@pytest.fixture
def dashboard(cluster_client: redis.Redis, cluster_settings: Settings) -> Iterator[httpx.Client]:
    app = dashboard_app(cluster_settings, background=False)
    with ServerThread(app) as running, httpx.Client(base_url=running.url, timeout=30) as client:
        yield client


def ingest(settings: Settings, events: list[dict[str, Any]]) -> None:
    with serving(collector_app(settings)) as url, httpx.Client(base_url=url, timeout=30) as http:
        answer = http.post("/api/batch", json={"metrics": events})
        assert answer.status_code == 200, answer.text


def test_the_dashboard_reads_every_shard_on_the_cluster(
    cluster_client: redis.Redis,
    cluster_keys: Keys,
    cluster_settings: Settings,
    dashboard: httpx.Client,
) -> None:
    holders = {
        cluster_client.get_node_from_key(cluster_keys.for_service(s).prefix).name  # type: ignore[attr-defined]
        for s in SERVICES
    }
    assert len(holders) > 1  # the services' shards are on several primaries
    window = int(time.time() * 1000) // WINDOW_MS - 1
    now = window * WINDOW_MS + cluster_settings.grace_seconds * 1000 + 1
    assert close_windows(cluster_client, cluster_keys, cluster_settings, now).last_closed == (
        window - 1
    )
    ingest(cluster_settings, requests_of(window) + logs_of(window))

    body = dashboard.get("/redis-data").json()
    endpoints: dict[str, int] = {}
    heavy: dict[str, int] = {}
    for item in body["structures"]:
        if item["type"] == "count-min-sketch" and item["key"].endswith("endpoint-frequency"):
            endpoints.update(item["sample"])
        if item["type"] == "topk":
            heavy.update(item["sample"])
    assert endpoints == {f"{s}:GET:/{s}": i + 1 for i, s in enumerate(SERVICES)}
    assert heavy == {f"{s} GET:/{s}": i + 1 for i, s in enumerate(SERVICES)}
    cuckoo = [i for i in body["structures"] if i["type"] == "cuckoo-filter"]
    assert len(cuckoo) == cluster_keys.shards

    items = dashboard.get("/api/logs").json()["items"]
    assert sorted(i["service"] for i in items) == sorted(SERVICES)
    web = dashboard.get("/api/logs", params={"service": "web"}).json()["items"]
    assert [i["message"] for i in web] == ["db timeout on web"]
    assert dashboard.get("/health").json()["features"]["search"]
    found = dashboard.get("/api/logs", params={"q": "timeout"}).json()["items"]
    assert sorted(i["service"] for i in found) == sorted(SERVICES)

    lengths = {
        sample.labels["stream"]: sample.value
        for family in text_string_to_metric_families(dashboard.get("/metrics").text)
        if family.name == "seismo_redis_stream_length"
        for sample in family.samples
    }
    assert (lengths["detailed_metrics"], lengths["log_stream"]) == (15, 5)
