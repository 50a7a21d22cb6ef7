"""Helpers of the OTLP tests: the real OpenTelemetry SDK, and what landed in Redis."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import redis
from opentelemetry.sdk.metrics import Counter, Histogram, MeterProvider
from opentelemetry.sdk.metrics.export import AggregationTemporality, InMemoryMetricReader
from opentelemetry.sdk.resources import Resource

from seismo.engine.keys import Keys

DURATION = "http.server.request.duration"
SECONDS_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10]
"""The boundaries the HTTP semantic conventions advise (and instrumentations set)."""


def duration_histogram(provider: MeterProvider) -> Histogram:
    """``http.server.request.duration`` as an HTTP server instrumentation creates it."""
    return provider.get_meter("app").create_histogram(
        DURATION, unit="s", explicit_bucket_boundaries_advisory=SECONDS_BUCKETS
    )


@contextmanager
def meter_provider(
    service: str, temporality: AggregationTemporality
) -> Iterator[tuple[MeterProvider, InMemoryMetricReader]]:
    """An SDK meter provider for ``service`` whose points are read on demand."""
    reader = InMemoryMetricReader(
        preferred_temporality={Histogram: temporality, Counter: temporality}
    )
    provider = MeterProvider(
        resource=Resource.create({"service.name": service}), metric_readers=[reader]
    )
    try:
        yield provider, reader
    finally:
        provider.shutdown()


def request_events(client: redis.Redis, keys: Keys) -> list[dict[str, str]]:
    """Every request event stored, as text fields."""
    entries = client.xrange(keys.detailed_metrics)
    return [{k.decode(): v.decode() for k, v in fields.items()} for _, fields in entries]


def business_events(client: redis.Redis, keys: Keys) -> list[dict[str, str]]:
    entries = client.xrange(keys.business_stream)
    return [{k.decode(): v.decode() for k, v in fields.items()} for _, fields in entries]
