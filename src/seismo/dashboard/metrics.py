"""The dashboard's ``GET /metrics``: its own metrics and those of the Redis it reads.

The dashboard's: WebSocket clients connected and HTTP request latency by route template
(``/api/anomalies/{id}/ack``, never the raw path, so an id cannot grow the label set), both
taken by an ASGI middleware around the whole app. Redis's: memory, commands processed (its
``rate()`` is the ops/s), clients and the length of every Seismo stream, read with one
``INFO`` and one pipelined round of ``XLEN`` at each scrape by a custom collector, so
Prometheus needs no separate Redis exporter and sees Redis exactly as Seismo names it.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import redis
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Gauge, Histogram
from prometheus_client import generate_latest as exposition
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from seismo.engine.keys import Keys

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
STREAMS = (
    "detailed_metrics",
    "business_stream",
    "log_stream",
    "fingerprints",
    "anomalies",
    "feedback_stream",
    "deliveries",
    "dead_letters",
)
"""The ``Keys`` properties naming Seismo's streams (each one's length is exported)."""
SHARD_STREAMS = frozenset({"detailed_metrics", "business_stream", "log_stream"})
"""The streams each ingest shard has its own of (their lengths are summed)."""
INFO_GAUGES = {
    "used_memory": ("seismo_redis_memory_used_bytes", "Memory Redis has allocated (INFO)."),
    "maxmemory": ("seismo_redis_memory_max_bytes", "Redis's memory limit (0: none)."),
    "connected_clients": ("seismo_redis_connected_clients", "Client connections to Redis."),
    "instantaneous_ops_per_sec": (
        "seismo_redis_ops_per_second",
        "Commands per second, as Redis samples it (INFO instantaneous_ops_per_sec).",
    ),
}
INFO_COUNTERS = {
    "total_commands_processed": (
        "seismo_redis_commands_processed",
        "Commands Redis has processed since it started (rate() of it: ops/s).",
    ),
    "evicted_keys": ("seismo_redis_evicted_keys", "Keys evicted for the memory limit."),
}


class RedisCollector(Collector):
    """Redis's figures at scrape time; ``seismo_redis_up`` 0 (and nothing else) when down."""

    def __init__(self, client: redis.Redis, keys: Keys) -> None:
        self.client = client
        self.keys = keys

    def _holders(self, stream: str) -> list[Keys]:
        """Whose copy of ``stream`` is counted: every shard's of the per-shard event streams
        (their lengths summed), else the installation's."""
        return self.keys.all_shards if stream in SHARD_STREAMS else [self.keys]

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily("seismo_redis_up", "1 when Redis answered this scrape.")
        try:
            info: dict[str, Any] = self.client.info()
            pipe = self.client.pipeline(transaction=False)
            for name in STREAMS:
                for keys in self._holders(name):
                    pipe.xlen(getattr(keys, name))
            replies = iter(pipe.execute())
            lengths = [sum(next(replies) for _ in self._holders(name)) for name in STREAMS]
        except redis.RedisError:
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        for field, (name, doc) in INFO_GAUGES.items():
            yield GaugeMetricFamily(name, doc, value=float(info.get(field, 0)))
        for field, (name, doc) in INFO_COUNTERS.items():
            yield CounterMetricFamily(name, doc, value=float(info.get(field, 0)))
        streams = GaugeMetricFamily(
            "seismo_redis_stream_length", "Entries in each Seismo stream (XLEN).", labels=["stream"]
        )
        for name, length in zip(STREAMS, lengths, strict=True):
            streams.add_metric([name], float(length))
        yield streams


class DashboardMetrics:
    """The registry of one dashboard app: its own metrics and its Redis's."""

    def __init__(self, client: redis.Redis, keys: Keys) -> None:
        self.registry = CollectorRegistry()
        self.clients = Gauge(
            "seismo_dashboard_websocket_clients",
            "WebSocket clients connected to /ws.",
            registry=self.registry,
        )
        self.latency = Histogram(
            "seismo_dashboard_request_seconds",
            "HTTP request time, by method, route template and status.",
            ["method", "route", "status"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.registry.register(RedisCollector(client, keys))

    def route(self, _: Request) -> Response:
        return Response(exposition(self.registry), media_type=CONTENT_TYPE_LATEST)


class Instrumented:
    """ASGI middleware: times each HTTP request, counts the open WebSockets."""

    def __init__(self, app: ASGIApp, metrics: DashboardMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            self.metrics.clients.inc()
            try:
                await self.app(scope, receive, send)
            finally:
                self.metrics.clients.dec()
            return
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = [500]
        started = time.perf_counter()
        recorded = [False]

        def record() -> None:
            """Observe the request once, before its last byte leaves: a client that reads
            the answer and scrapes at once must already find it counted."""
            if not recorded[0]:
                recorded[0] = True
                route = getattr(scope.get("route"), "path", "unmatched")
                self.metrics.latency.labels(scope["method"], route, str(status[0])).observe(
                    time.perf_counter() - started
                )

        async def send_status(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = int(message["status"])
            elif message["type"] == "http.response.body" and not message.get("more_body"):
                record()
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            record()
