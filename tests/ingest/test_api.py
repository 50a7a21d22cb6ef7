"""The collector API over real HTTP: every endpoint and payload shape, and what lands where."""

from __future__ import annotations

import json
import time

import httpx
import redis

from seismo.bench.serving import serving
from seismo.engine.keys import Keys
from seismo.engine.server import EmbeddedRedis
from seismo.ingest.app import create_app
from tests.ingest.conftest import collector_settings


def cms(client: redis.Redis, key: str, item: str) -> int:
    return int(client.execute_command("CMS.QUERY", key, item)[0])


def cf_has(client: redis.Redis, key: str, item: str) -> bool:
    return bool(client.execute_command("CF.EXISTS", key, item))


def test_nested_application_metric_lands_in_filter_sketches_and_stream(
    collector: httpx.Client, redis_client: redis.Redis, keys: Keys
) -> None:
    body = {
        "service": "checkout",
        "endpoint": "POST:/pay",
        "caller": "web",
        "metrics": {"response_time": 31.5, "status_code": 503, "payload_size": 120, "cpu": 0.7},
    }
    answer = collector.post("/api/metrics", json=body)
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"status": "accepted", "late": False}
    assert cf_has(redis_client, keys.service_calls, "checkout:POST:/pay")
    assert cf_has(redis_client, keys.service_calls, "web:checkout")
    assert cms(redis_client, keys.endpoint_frequency, "checkout:POST:/pay") == 1
    assert cms(redis_client, keys.status_codes, "503") == 1
    [(_, entry)] = redis_client.xrange(keys.detailed_metrics)
    assert entry[b"service"] == b"checkout"
    assert entry[b"response_time"] == b"31.5"
    assert entry[b"payload_size"] == b"120"
    assert json.loads(entry[b"metrics"]) == {"cpu": 0.7}


def test_flat_application_metric_keeps_extra_fields(
    collector: httpx.Client, redis_client: redis.Redis, keys: Keys
) -> None:
    body = {
        "service": "users",
        "endpoint": "GET:/api/v1/users",
        "response_time": 8,
        "status_code": 200,
        "timestamp": int(time.time()),
        "user_id": "u-17",
        "session_id": "s-9",
        "region": "eu-west",
        "queue_depth": 4,
    }
    assert collector.post("/api/metrics", json=body).status_code == 200
    [(_, entry)] = redis_client.xrange(keys.detailed_metrics)
    assert entry[b"user_id"] == b"u-17"
    assert entry[b"session_id"] == b"s-9"
    assert entry[b"metrics"] == b'{"queue_depth":4}'
    assert entry[b"attributes"] == b'{"region":"eu-west"}'
    assert cms(redis_client, keys.status_codes, "200") == 1


def test_business_metric_in_both_shapes(
    collector: httpx.Client, redis_client: redis.Redis, keys: Keys
) -> None:
    named = {
        "metric_name": "revenue",
        "value": 120.5,
        "expected_range": [0, 100],
        "metadata": {"shop": "eu"},
    }
    typed = {"metric_type": "revenue", "value": 80, "currency": "EUR", "region": "eu"}
    for body in (named, typed):
        assert collector.post("/api/business-metrics", json=body).status_code == 200
    assert cms(redis_client, keys.business_metrics, "revenue") == 2
    entries = [entry for _, entry in redis_client.xrange(keys.business_stream)]
    assert entries[0][b"expected_range"] == b"[0,100]"
    assert json.loads(entries[1][b"metadata"]) == {"currency": "EUR", "region": "eu"}


def test_log_in_both_shapes(collector: httpx.Client, redis_client: redis.Redis, keys: Keys) -> None:
    first = {
        "log_level": "ERROR",
        "message": "db timeout",
        "service": "checkout",
        "trace_id": "t1",
        "context": {"db": "pg"},
    }
    second = {"level": "warn", "message": "slow", "service": "catalog", "metadata": {"ms": 900}}
    for body in (first, second):
        assert collector.post("/api/logs", json=body).status_code == 200
    entries = [entry for _, entry in redis_client.xrange(keys.log_stream)]
    assert [e[b"level"] for e in entries] == [b"error", b"warning"]
    assert entries[0][b"trace_id"] == b"t1"
    assert json.loads(entries[1][b"context"]) == {"ms": 900}


def test_batch_of_every_item_shape_answers_per_item(
    collector: httpx.Client, redis_client: redis.Redis, keys: Keys
) -> None:
    items = [
        {
            "type": "application",
            "service": "a",
            "endpoint": "GET:/x",
            "response_time": 1,
            "status_code": 200,
        },
        {
            "type": "metric",
            "data": {
                "service": "a",
                "endpoint": "GET:/y",
                "metrics": {"response_time": 2, "status_code": 404},
            },
        },
        {"type": "business", "metric_name": "orders", "value": 3},
        {"type": "business_metric", "data": {"metric_type": "orders", "value": 4}},
        {"type": "log", "data": {"level": "info", "message": "ok"}},
    ]
    answer = collector.post("/api/batch", json={"batch_id": "b-1", "metrics": items})
    assert answer.status_code == 200
    body = answer.json()
    assert body["accepted"] == 5 and body["rejected"] == 0
    assert [item["status"] for item in body["items"]] == ["accepted"] * 5
    assert redis_client.xlen(keys.detailed_metrics) == 2
    assert redis_client.xlen(keys.business_stream) == 2
    assert redis_client.xlen(keys.log_stream) == 1
    assert cms(redis_client, keys.status_codes, "404") == 1


def test_batch_retry_with_same_id_is_not_counted_twice(
    collector: httpx.Client, redis_client: redis.Redis, keys: Keys
) -> None:
    batch = {
        "batch_id": "retry-me",
        "metrics": [
            {
                "type": "application",
                "service": "a",
                "endpoint": "GET:/x",
                "response_time": 1,
                "status_code": 200,
            }
        ],
    }
    assert collector.post("/api/batch", json=batch).json()["duplicate"] is False
    again = collector.post("/api/batch", json=batch)
    assert again.status_code == 200
    assert again.json()["duplicate"] is True
    assert cms(redis_client, keys.endpoint_frequency, "a:GET:/x") == 1
    assert redis_client.xlen(keys.detailed_metrics) == 1


def test_events_land_in_the_window_of_their_own_timestamp(
    collector: httpx.Client, redis_client: redis.Redis, keys: Keys
) -> None:
    past_ms = (int(time.time()) - 120) * 1000
    body = {
        "service": "a",
        "endpoint": "GET:/x",
        "response_time": 5,
        "status_code": 500,
        "timestamp": past_ms,
    }
    assert collector.post("/api/metrics", json=body).status_code == 200
    counts = redis_client.hgetall(keys.window(past_ms // 5000, "counts"))
    assert counts[b"requests"] == b"1"
    assert counts[b"status_5xx"] == b"1"
    assert counts[b"s:a:status_5xx"] == b"1"


def test_info_health_status_metrics_config_and_openapi(collector: httpx.Client) -> None:
    assert "POST /api/batch" in collector.get("/").json()["endpoints"]
    for path in ("/health", "/status"):
        health = collector.get(path).json()
        assert health["status"] == "healthy"
        assert health["redis"]["connected"] is True
        assert health["redis"]["version"].startswith("8.")
        assert "bf" in health["redis"]["modules"]
        assert health["redis"]["library_version"]
        assert health["redis"]["address"].startswith("127.0.0.1:")
    collector.post("/api/logs", json={"level": "info", "message": "counted"})
    metrics = collector.get("/metrics").text
    assert 'seismo_ingest_events_total{outcome="accepted",route="logs"}' in metrics
    config = collector.get("/config").json()
    assert config["structures"]["service-calls"]["type"] == "cuckoo-filter"
    assert config["structures"]["status-codes"]["memory_bytes"] > 0
    assert config["settings"]["window_seconds"] == 5
    spec = collector.get("/openapi.json").json()
    assert set(spec["paths"]) >= {
        "/api/metrics",
        "/api/business-metrics",
        "/api/logs",
        "/api/batch",
    }


def test_fast_and_per_item_batch_paths_store_the_same_events(
    collector: httpx.Client, redis_client: redis.Redis, keys: Keys
) -> None:
    ts = int(time.time() * 1000)
    items = [
        {
            "type": "application",
            "service": "a",
            "endpoint": "GET:/x",
            "response_time": 3.5,
            "status_code": 200,
            "caller": "b",
            "timestamp": ts,
        },
        {
            "type": "business_metric",
            "metric_name": "orders",
            "value": 2,
            "expected_range": [0, 5],
            "timestamp": ts,
        },
        {"type": "log", "level": "error", "message": "m", "service": "a", "timestamp": ts},
    ]
    wrapped = [
        {"type": item["type"], "data": {k: v for k, v in item.items() if k != "type"}}
        for item in items
    ]

    def stored() -> list[list[dict[bytes, bytes]]]:
        streams = (keys.detailed_metrics, keys.business_stream, keys.log_stream)
        return [[entry for _, entry in redis_client.xrange(s)] for s in streams]

    assert collector.post("/api/batch", json={"metrics": items}).json()["accepted"] == 3
    fast = stored()
    redis_client.delete(*keys.streams)
    assert collector.post("/api/batch", json={"metrics": wrapped}).json()["accepted"] == 3
    assert stored() == fast
    assert all(len(entries) == 1 for entries in fast)


def test_a_batch_of_ten_thousand_items_in_one_window_is_stored_whole(
    redis_server: EmbeddedRedis, redis_client: redis.Redis, keys: Keys
) -> None:
    ts = int(time.time() * 1000)
    items = [
        {"type": "application", "service": f"s{i % 3}", "endpoint": f"GET:/e{i}",
         "caller": f"c{i}", "response_time": i % 97, "status_code": 200, "timestamp": ts}
        for i in range(10_000)
    ]  # fmt: skip
    app = create_app(collector_settings(redis_server.url, max_body_bytes=10 * 1024 * 1024))
    with serving(app) as url:
        answer = httpx.post(f"{url}/api/batch", json={"metrics": items}, timeout=60)
    assert answer.status_code == 200, answer.text
    assert answer.json()["accepted"] == 10_000
    window = ts // 5000
    counts = redis_client.hgetall(keys.window(window, "counts"))
    assert counts[b"requests"] == b"10000"
    assert counts[b"new_interactions"] == b"20000"
    info = redis_client.execute_command("TDIGEST.INFO", keys.window(window, "latency"))
    assert int(info[b"Observations"]) == 10_000
    assert redis_client.pfcount(keys.window(window, "distinct")) > 9_500


def test_an_event_for_a_closed_window_is_stored_and_answered_late(
    collector: httpx.Client, redis_client: redis.Redis, keys: Keys
) -> None:
    now_ms = int(time.time() * 1000)
    redis_client.hset(keys.state, "last_closed", now_ms // 5000 - 1)
    old = {"service": "a", "endpoint": "GET:/x", "response_time": 1, "status_code": 200}
    late = collector.post("/api/metrics", json={**old, "timestamp": now_ms - 60_000})
    fresh = collector.post("/api/metrics", json={**old, "timestamp": now_ms})
    assert late.json() == {"status": "accepted", "late": True}
    assert fresh.json() == {"status": "accepted", "late": False}
    assert redis_client.hget(keys.state, "late_events") == b"1"
    assert redis_client.xlen(keys.detailed_metrics) == 2
