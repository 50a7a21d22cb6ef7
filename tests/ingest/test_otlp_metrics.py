"""OTLP/HTTP metrics from the real OpenTelemetry SDK exporter into a real collector."""

from __future__ import annotations

import httpx
import redis
from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
from opentelemetry.sdk.metrics.export import AggregationTemporality, MetricExportResult

from seismo.engine.keys import Keys
from tests.ingest.otlp_support import (
    business_events,
    duration_histogram,
    meter_provider,
    request_events,
)

CUMULATIVE = AggregationTemporality.CUMULATIVE
DELTA = AggregationTemporality.DELTA
ROUTE = {"http.route": "/users/{id}", "http.request.method": "GET"}


def exporter(collector: httpx.Client) -> OTLPMetricExporter:
    return OTLPMetricExporter(
        endpoint=f"{str(collector.base_url).rstrip('/')}/v1/metrics", timeout=10
    )


def test_http_duration_histograms_become_request_events_of_the_service(
    collector: httpx.Client, redis_client: redis.Redis, keys: Keys
) -> None:
    with meter_provider("checkout", CUMULATIVE) as (provider, reader):
        duration = duration_histogram(provider)
        for seconds in (0.004, 0.004, 0.3):
            duration.record(seconds, {**ROUTE, "http.response.status_code": 200})
        duration.record(0.02, {**ROUTE, "http.response.status_code": 503})
        data = reader.get_metrics_data()
        assert data is not None
        assert exporter(collector).export(data) == MetricExportResult.SUCCESS
    events = request_events(redis_client, keys)
    assert len(events) == 4
    assert {(e["service"], e["endpoint"]) for e in events} == {("checkout", "GET:/users/{id}")}
    assert sorted(e["status_code"] for e in events) == ["200", "200", "200", "503"]
    fast = [float(e["response_time"]) for e in events if e["status_code"] == "200"]
    assert sorted(fast)[:2] == [2.5, 2.5]  # 4 ms is in the (0, 5] ms bucket
    assert max(fast) == 375.0  # the middle of (250, 500] ms


def test_a_cumulative_series_counts_only_what_each_export_adds_and_a_retry_nothing(
    collector: httpx.Client, redis_client: redis.Redis, keys: Keys
) -> None:
    with meter_provider("checkout", CUMULATIVE) as (provider, reader):
        duration = duration_histogram(provider)
        sender = exporter(collector)
        duration.record(0.01, ROUTE)
        duration.record(0.01, ROUTE)
        first = reader.get_metrics_data()
        assert first is not None
        sender.export(first)
        sender.export(first)  # the exporter's retry of a timed-out export
        duration.record(0.01, ROUTE)
        second = reader.get_metrics_data()
        assert second is not None
        sender.export(second)
        sender.export(first)  # a stale export arriving late
    assert len(request_events(redis_client, keys)) == 3
    assert redis_client.hlen(keys.otlp_baselines) == 1


def test_a_retried_delta_export_is_counted_once(
    collector: httpx.Client, redis_client: redis.Redis, keys: Keys
) -> None:
    with meter_provider("search", DELTA) as (provider, reader):
        duration = duration_histogram(provider)
        duration.record(0.05, {"http.route": "/q", "http.request.method": "POST"})
        data = reader.get_metrics_data()
        assert data is not None
        sender = exporter(collector)
        sender.export(data)
        sender.export(data)
    events = request_events(redis_client, keys)
    assert [(e["service"], e["endpoint"]) for e in events] == [("search", "POST:/q")]
    assert not redis_client.exists(keys.otlp_baselines)


def test_other_metrics_become_business_metrics_a_counter_by_what_it_added(
    collector: httpx.Client, redis_client: redis.Redis, keys: Keys
) -> None:
    with meter_provider("checkout", CUMULATIVE) as (provider, reader):
        orders = provider.get_meter("app").create_counter("orders.placed")
        sender = exporter(collector)
        orders.add(5, {"shop": "eu"})
        first = reader.get_metrics_data()
        assert first is not None
        sender.export(first)
        orders.add(2, {"shop": "eu"})
        second = reader.get_metrics_data()
        assert second is not None
        sender.export(second)
    events = business_events(redis_client, keys)
    assert [(e["metric_name"], float(e["value"])) for e in events] == [
        ("orders.placed", 5.0),
        ("orders.placed", 2.0),
    ]
    assert events[0]["service"] == "checkout"
