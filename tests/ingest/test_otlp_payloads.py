"""OTLP/HTTP JSON and bad payloads: JSON maps like protobuf; bad input is a 4xx naming it."""

from __future__ import annotations

import gzip
import time
from collections.abc import Iterator
from typing import Any

import httpx
import msgspec
import pytest
import redis

from seismo.dashboard.app import create_app as create_dashboard
from seismo.engine.keys import Keys
from seismo.engine.server import EmbeddedRedis
from tests.dashboard.conftest import ServerThread, dashboard_settings
from tests.ingest.otlp_support import request_events

NOW_NS = time.time_ns()


def resource(service: str) -> dict[str, Any]:
    return {"attributes": [{"key": "service.name", "value": {"stringValue": service}}]}


def server_span(span_id: str, parent: str, route: str, status: int) -> dict[str, Any]:
    """A server span in OTLP JSON: hex ids, times as strings, enums as numbers."""
    return {
        "traceId": "5b8efff798038103d269b633813fc60c",
        "spanId": span_id,
        "parentSpanId": parent,
        "name": route,
        "kind": 2,
        "startTimeUnixNano": str(NOW_NS - 40_000_000),
        "endTimeUnixNano": str(NOW_NS),
        "attributes": [
            {"key": "http.method", "value": {"stringValue": "GET"}},
            {"key": "http.route", "value": {"stringValue": route}},
            {"key": "http.status_code", "value": {"intValue": str(status)}},
        ],
    }


def duration_metric(unit: str, route: str) -> dict[str, Any]:
    """A delta ``http.server.request.duration`` histogram point of 3 requests."""
    point = {
        "attributes": [{"key": "http.route", "value": {"stringValue": route}}],
        "startTimeUnixNano": str(NOW_NS - 10**10),
        "timeUnixNano": str(NOW_NS),
        "count": "3",
        "sum": 0.06,
        "bucketCounts": ["1", "2", "0"],
        "explicitBounds": [0.01, 0.05],
    }
    histogram = {"dataPoints": [point], "aggregationTemporality": 1}
    return {"name": "http.server.request.duration", "unit": unit, "histogram": histogram}


def metrics_body(*metrics: dict[str, Any]) -> dict[str, Any]:
    scope = {"scope": {"name": "app"}, "metrics": list(metrics)}
    return {"resourceMetrics": [{"resource": resource("inventory"), "scopeMetrics": [scope]}]}


def post_json(collector: httpx.Client, path: str, body: Any, **headers: str) -> httpx.Response:
    content = msgspec.json.encode(body)
    if headers.get("content-encoding") == "gzip":
        content = gzip.compress(content)
    return collector.post(
        path, content=content, headers={"content-type": "application/json", **headers}
    )


def test_json_traces_with_hex_ids_map_and_find_the_caller_in_the_same_export(
    collector: httpx.Client, redis_client: redis.Redis, keys: Keys
) -> None:
    parent = server_span("eee19b7ec3c1b174", "", "/", 200)
    child = server_span("eee19b7ec3c1b175", "eee19b7ec3c1b174", "/stock", 404)
    body = {
        "resourceSpans": [
            {"resource": resource("web"), "scopeSpans": [{"spans": [parent]}]},
            {"resource": resource("inventory"), "scopeSpans": [{"spans": [child]}]},
        ]
    }
    answer = post_json(collector, "/v1/traces", body, **{"content-encoding": "gzip"})
    assert answer.status_code == 200, answer.text
    assert answer.json() == {}
    events = {e["service"]: e for e in request_events(redis_client, keys)}
    assert events["inventory"]["caller"] == "web"
    assert events["inventory"]["status_code"] == "404"
    assert events["inventory"]["endpoint"] == "GET:/stock"
    assert float(events["inventory"]["response_time"]) == 40.0


def test_a_span_whose_window_closed_before_its_export_arrived_counts_at_arrival(
    collector: httpx.Client, redis_client: redis.Redis, keys: Keys
) -> None:
    span = server_span("eee19b7ec3c1b177", "", "/old", 200)
    span["startTimeUnixNano"] = str(NOW_NS - 61 * 10**9)
    span["endTimeUnixNano"] = str(NOW_NS - 60 * 10**9)
    body = {"resourceSpans": [{"resource": resource("web"), "scopeSpans": [{"spans": [span]}]}]}
    sent_ms = time.time_ns() // 1_000_000
    post_json(collector, "/v1/traces", body)
    [event] = request_events(redis_client, keys)
    assert int(event["timestamp"]) >= sent_ms
    assert float(event["response_time"]) == 1000.0
    assert redis_client.hget(keys.state, "late_events") is None


def test_valid_points_land_beside_refused_ones_which_the_answer_names(
    collector: httpx.Client, redis_client: redis.Redis, keys: Keys
) -> None:
    summary = {"name": "rpc.latency", "summary": {"dataPoints": [{"count": "1"}]}}
    body = metrics_body(duration_metric("s", "/stock"), duration_metric("hours", "/x"), summary)
    answer = post_json(collector, "/v1/metrics", body)
    assert answer.status_code == 200
    partial = answer.json()["partialSuccess"]
    assert partial["rejectedDataPoints"] == "2"
    assert "metrics[1](http.server.request.duration).dataPoints[0]: unit" in partial["errorMessage"]
    assert "summary points are not mapped" in partial["errorMessage"]
    events = request_events(redis_client, keys)
    assert sorted(float(e["response_time"]) for e in events) == [5.0, 30.0, 30.0]
    assert {e["endpoint"] for e in events} == {"GET:/stock"}


def test_two_cumulative_points_of_a_series_in_one_export_count_each_request_once(
    collector: httpx.Client, redis_client: redis.Redis, keys: Keys
) -> None:
    metric = duration_metric("s", "/stock")
    first = metric["histogram"]["dataPoints"][0]
    later = {**first, "timeUnixNano": str(NOW_NS + 10**9), "bucketCounts": ["1", "3", "1"]}
    metric["histogram"] = {"dataPoints": [first, later], "aggregationTemporality": 2}
    assert post_json(collector, "/v1/metrics", metrics_body(metric)).status_code == 200
    latencies = sorted(float(e["response_time"]) for e in request_events(redis_client, keys))
    assert latencies == [5.0, 30.0, 30.0, 30.0, 50.0]


@pytest.mark.parametrize(
    ("headers", "content", "status", "field", "says"),
    [
        ({"content-type": "text/plain"}, b"x", 415, "content-type", "application/x-protobuf"),
        ({"content-type": "application/x-protobuf"}, b"\xff\xff", 400, "body", "protobuf"),
        ({"content-type": "application/json"}, b"{", 400, "body", "not valid JSON"),
        ({"content-type": "application/json"}, b'{"resourceMetrics": 3}', 400, "body",
         "resourceMetrics"),
        ({"content-type": "application/json", "content-encoding": "br"}, b"{}", 415,
         "content-type", "content-encoding"),
        ({"content-type": "application/json", "content-encoding": "gzip"}, b"{}", 400, "body",
         "gzip"),
    ],
)  # fmt: skip
def test_a_bad_export_is_refused_naming_what_is_wrong(
    collector: httpx.Client, headers: dict[str, str], content: bytes, status: int, field: str,
    says: str,
) -> None:  # fmt: skip
    answer = collector.post("/v1/metrics", content=content, headers=headers)
    assert answer.status_code == status
    assert answer.json()["field"] == field
    assert says in answer.json()["error"]


@pytest.fixture
def dashboard(redis_server: EmbeddedRedis, keys: Keys) -> Iterator[httpx.Client]:
    app = create_dashboard(dashboard_settings(redis_server.url, keys), background=False)
    with ServerThread(app) as running, httpx.Client(base_url=running.url, timeout=10) as client:
        yield client


def test_services_mapped_from_otlp_are_in_the_dashboard_graph(
    collector: httpx.Client, dashboard: httpx.Client
) -> None:
    span = server_span("eee19b7ec3c1b176", "", "/cart", 200)
    body = {"resourceSpans": [{"resource": resource("cart"), "scopeSpans": [{"spans": [span]}]}]}
    post_json(collector, "/v1/traces", body)
    post_json(collector, "/v1/metrics", metrics_body(duration_metric("ms", "/stock")))
    graph = dashboard.get("/api/graph").json()
    assert {"cart", "inventory"} <= set(graph["nodes"])
