"""The notifier's Prometheus metrics: deliveries by channel and outcome, latency, queue depth.

Held in a registry of their own (passed in, so tests and several notifiers in one process
do not share counters), served by ``prometheus_client``'s HTTP server when the role has a
metrics port.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from seismo.alert.channels.base import Delivery

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)


class NotifyMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.registry = registry
        self.deliveries = Counter(
            "seismo_deliveries",
            "Deliveries ended, by channel and outcome (failed: a try that is retried).",
            ["channel", "outcome"],
            registry=registry,
        )
        self.latency = Histogram(
            "seismo_delivery_latency_seconds",
            "From a delivery's first try to its last answer.",
            ["channel"],
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        self.queue_depth = Gauge(
            "seismo_notify_queue_depth",
            "Alerts read but not yet delivered plus scheduled notices (group, repeat, step).",
            registry=registry,
        )

    def observe(self, delivery: Delivery) -> None:
        self.deliveries.labels(delivery.channel, delivery.outcome).inc()
        if delivery.attempts:
            self.latency.labels(delivery.channel).observe(delivery.latency_ms / 1000)

    def failed_try(self, channel: str) -> None:
        self.deliveries.labels(channel, "failed").inc()
