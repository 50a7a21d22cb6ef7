"""Bad input gets a clear 4xx naming the field; valid data beside it still lands."""

from __future__ import annotations

import httpx
import pytest
import redis

from seismo.engine.keys import Keys
from tests.ingest.conftest import MAX_BODY

GOOD = {"service": "a", "endpoint": "GET:/x", "response_time": 1.5, "status_code": 200}


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/metrics", {k: v for k, v in GOOD.items() if k != "service"}, "service"),
        ("/api/metrics", {**GOOD, "status_code": "200"}, "status_code"),
        ("/api/metrics", {**GOOD, "response_time": -3}, "response_time"),
        ("/api/metrics", {**GOOD, "response_time": "fast"}, "response_time"),
        ("/api/metrics", {**GOOD, "status_code": 99}, "status_code"),
        (
            "/api/metrics",
            {"service": "a", "endpoint": "GET:/x", "metrics": {"status_code": 200}},
            "metrics.response_time",
        ),
        (
            "/api/metrics",
            {
                "service": "a",
                "endpoint": "GET:/x",
                "metrics": {"response_time": 1, "status_code": 200, "cpu": "hot"},
            },
            "metrics.cpu",
        ),
        ("/api/metrics", {**GOOD, "timestamp": "last tuesday"}, "timestamp"),
        ("/api/metrics", {**GOOD, "timestamp": 5}, "timestamp"),
        ("/api/metrics", [GOOD], "body"),
        ("/api/business-metrics", {"value": 3}, "metric_name"),
        ("/api/business-metrics", {"metric_name": "x", "value": "3"}, "value"),
        (
            "/api/business-metrics",
            {"metric_name": "x", "value": 3, "expected_range": [5, 1]},
            "expected_range",
        ),
        ("/api/logs", {"message": "no level"}, "log_level"),
        ("/api/logs", {"level": "loud", "message": "x"}, "level"),
        ("/api/logs", {"level": "info"}, "message"),
        ("/api/batch", {"metrics": "nope"}, "metrics"),
        ("/api/batch", {"metrics": [{"type": "teapot"}]}, "metrics[0].type"),
    ],
)
def test_bad_field_is_a_422_naming_it(
    collector: httpx.Client, path: str, body: object, field: str
) -> None:
    answer = collector.post(path, json=body)
    assert answer.status_code == 422, answer.text
    payload = answer.json()
    if path == "/api/batch" and "items" in payload:
        assert payload["items"][0]["field"] == field
    else:
        assert payload["field"] == field
        assert payload["error"]


def test_nan_response_time_is_rejected(collector: httpx.Client) -> None:
    text = '{"service": "a", "endpoint": "GET:/x", "response_time": NaN, "status_code": 200}'
    answer = collector.post(
        "/api/metrics", content=text, headers={"content-type": "application/json"}
    )
    assert answer.status_code in (400, 422)
    assert answer.json()["field"] in ("body", "response_time")


def test_not_json_is_a_400(collector: httpx.Client) -> None:
    answer = collector.post("/api/logs", content=b"level=info&message=x")
    assert answer.status_code == 400
    assert answer.json()["field"] == "body"


def test_body_over_the_limit_is_a_413(
    collector: httpx.Client, redis_client: redis.Redis, keys: Keys
) -> None:
    big = {"level": "info", "message": "x" * (MAX_BODY + 10)}
    answer = collector.post("/api/logs", json=big)
    assert answer.status_code == 413
    assert redis_client.xlen(keys.log_stream) == 0


def test_chunked_body_over_the_limit_is_a_413(collector: httpx.Client) -> None:
    def chunks() -> object:
        for _ in range(MAX_BODY // 1024 + 2):
            yield b" " * 1024

    answer = collector.post("/api/logs", content=chunks())  # type: ignore[arg-type]
    assert answer.status_code == 413


def test_batch_keeps_valid_items_beside_invalid_ones(
    collector: httpx.Client, redis_client: redis.Redis, keys: Keys
) -> None:
    items = [
        {"type": "application", **GOOD},
        {"type": "application", **{**GOOD, "status_code": "500"}},
        {"type": "unknown-kind", "value": 1},
        {"type": "log", "data": {"level": "error", "message": "kept"}},
        {"type": "business", "data": "not an object"},
    ]
    answer = collector.post("/api/batch", json={"metrics": items})
    assert answer.status_code == 200
    body = answer.json()
    assert (body["accepted"], body["rejected"], body["status"]) == (2, 3, "partial")
    statuses = [(item["status"], item.get("field")) for item in body["items"]]
    assert statuses == [
        ("accepted", None),
        ("rejected", "metrics[1].status_code"),
        ("rejected", "metrics[2].type"),
        ("accepted", None),
        ("rejected", "metrics[4].data"),
    ]
    assert redis_client.xlen(keys.detailed_metrics) == 1
    assert redis_client.xlen(keys.log_stream) == 1


def test_unknown_route_and_method_are_json_errors(collector: httpx.Client) -> None:
    assert collector.get("/api/nothing").json() == {"error": "Not Found"}
    wrong = collector.get("/api/metrics")
    assert wrong.status_code == 405
    assert "error" in wrong.json()
