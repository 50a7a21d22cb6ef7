"""OTLP/HTTP traces from the real OpenTelemetry SDK exporter into a real collector."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
import redis
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor, SpanExportResult
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, Status, StatusCode

from seismo.engine.keys import Keys
from tests.ingest.otlp_support import request_events


class Service:
    """One traced service: its provider, and the spans it ended, kept for export."""

    def __init__(self, name: str) -> None:
        self.spans = InMemorySpanExporter()
        self.provider = TracerProvider(resource=Resource.create({"service.name": name}))
        self.provider.add_span_processor(SimpleSpanProcessor(self.spans))
        self.tracer = self.provider.get_tracer("app")

    def ended(self) -> tuple[ReadableSpan, ...]:
        return self.spans.get_finished_spans()


@pytest.fixture
def web_calls_payments() -> Iterator[tuple[Service, Service]]:
    """``web`` handles GET /home and calls ``payments`` POST /pay/{id}, which fails."""
    web, payments = Service("web"), Service("payments")
    attrs = {"http.request.method": "GET", "http.route": "/home"}
    with (
        web.tracer.start_as_current_span("GET /home", kind=SpanKind.SERVER, attributes=attrs),
        web.tracer.start_as_current_span("POST", kind=SpanKind.CLIENT),
    ):
        pay = {"http.request.method": "POST", "http.route": "/pay/{id}", "url.path": "/pay/7"}
        with payments.tracer.start_as_current_span(
            "POST /pay/{id}", kind=SpanKind.SERVER, attributes=pay
        ) as span:
            span.set_status(Status(StatusCode.ERROR))
    yield web, payments
    web.provider.shutdown()
    payments.provider.shutdown()


def exporter(collector: httpx.Client) -> OTLPSpanExporter:
    return OTLPSpanExporter(endpoint=f"{str(collector.base_url).rstrip('/')}/v1/traces")


def test_server_spans_become_request_events_with_the_parent_service_as_caller(
    collector: httpx.Client,
    redis_client: redis.Redis,
    keys: Keys,
    web_calls_payments: tuple[Service, Service],
) -> None:
    web, payments = web_calls_payments
    sender = exporter(collector)
    assert sender.export(web.ended() + payments.ended()) == SpanExportResult.SUCCESS
    events = {e["service"]: e for e in request_events(redis_client, keys)}
    assert set(events) == {"web", "payments"}
    assert events["payments"]["endpoint"] == "POST:/pay/{id}"
    assert events["payments"]["caller"] == "web"
    assert events["payments"]["status_code"] == "500"
    assert events["web"]["endpoint"] == "GET:/home"
    assert "caller" not in events["web"]
    assert float(events["web"]["response_time"]) >= float(events["payments"]["response_time"])


def test_a_parent_exported_earlier_by_another_process_names_the_caller(
    collector: httpx.Client,
    redis_client: redis.Redis,
    keys: Keys,
    web_calls_payments: tuple[Service, Service],
) -> None:
    web, payments = web_calls_payments
    exporter(collector).export(web.ended())
    exporter(collector).export(payments.ended())
    events = {e["service"]: e for e in request_events(redis_client, keys)}
    assert events["payments"]["caller"] == "web"


def test_a_server_span_exported_before_its_parent_waits_for_it_and_gets_its_caller(
    collector: httpx.Client,
    redis_client: redis.Redis,
    keys: Keys,
    web_calls_payments: tuple[Service, Service],
) -> None:
    web, payments = web_calls_payments
    exporter(collector).export(payments.ended())
    assert request_events(redis_client, keys) == []  # waiting for web's client span
    assert redis_client.zcard(keys.otlp_waiting) == 1
    exporter(collector).export(web.ended())
    events = {e["service"]: e for e in request_events(redis_client, keys)}
    assert events["payments"]["caller"] == "web"
    assert set(events) == {"web", "payments"}
    assert redis_client.zcard(keys.otlp_waiting) == 0


def test_a_retried_trace_export_is_counted_once(
    collector: httpx.Client,
    redis_client: redis.Redis,
    keys: Keys,
    web_calls_payments: tuple[Service, Service],
) -> None:
    web, payments = web_calls_payments
    sender = exporter(collector)
    sender.export(web.ended())
    sender.export(payments.ended())
    sender.export(payments.ended())
    assert sorted(e["service"] for e in request_events(redis_client, keys)) == ["payments", "web"]
