"""The aggregator's Prometheus metrics: windows closed and skipped, lag, late events.

Held in a registry of their own (passed in, so tests and several aggregators in one process
do not share counters) and served on ``SEISMO_AGGREGATOR_METRICS_PORT``. The loop only hands
each ``CloseResult`` to ``observe``; the late events are read here from the fingerprints
just closed (each carries the events that arrived after its window had closed), so the
closing Function's reply stays as it is.
"""

from __future__ import annotations

import contextlib
from typing import Any

import redis
from prometheus_client import CollectorRegistry, Counter, Gauge

from seismo.engine.connection import text
from seismo.engine.keys import Keys
from seismo.loops.aggregator import CloseResult


class AggregatorMetrics:
    def __init__(
        self, registry: CollectorRegistry, client: redis.Redis, keys: Keys, window_ms: int
    ) -> None:
        self.registry = registry
        self.client = client
        self.keys = keys
        self.window_ms = window_ms
        self.closed = Counter(
            "seismo_aggregator_windows_closed",
            "Windows closed into fingerprints by this aggregator.",
            registry=registry,
        )
        self.skipped = Counter(
            "seismo_aggregator_windows_skipped",
            "Windows of a backlog too old to close, skipped (after an outage).",
            registry=registry,
        )
        self.late = Counter(
            "seismo_aggregator_late_events",
            "Events that arrived after their window had closed, in the fingerprints closed here.",
            registry=registry,
        )
        self.lag = Gauge(
            "seismo_aggregator_lag_seconds",
            "Time from the end of the newest closed window to now (about grace to window+grace "
            "when on time; grows while the aggregator is stuck).",
            registry=registry,
        )
        self.last_close = Gauge(
            "seismo_aggregator_last_close_timestamp_seconds",
            "Redis time of the last call of the closing Function.",
            registry=registry,
        )

    def observe(self, result: CloseResult) -> None:
        """Count one call of the closing Function (and the late events of what it closed)."""
        self.closed.inc(result.closed)
        self.skipped.inc(result.skipped)
        self.lag.set(max(0.0, (result.now_ms - (result.last_closed + 1) * self.window_ms) / 1000))
        self.last_close.set(result.now_ms / 1000)
        if result.closed:
            # A failed read loses a count, never the loop: it retries on its own errors only.
            with contextlib.suppress(redis.RedisError):
                self.late.inc(self._late_events(result.closed))

    def _late_events(self, closed: int) -> int:
        """The ``late_events`` of the newest ``closed`` fingerprints."""
        reply: Any = self.client.xrevrange(self.keys.fingerprints, count=closed)
        total = 0
        for _, fields in reply:
            late = {text(k): text(v) for k, v in fields.items()}.get("late_events", "0")
            total += int(late) if late.isdigit() else 0
        return total
