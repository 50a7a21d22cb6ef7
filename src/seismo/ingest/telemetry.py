"""The collector's Prometheus metrics.

With several collector processes, ``PROMETHEUS_MULTIPROC_DIR`` (set by ``seismo collector``
before the workers start) makes every process write its counters to shared files, and
``/metrics`` sums them, so a scrape sees the whole collector whichever process answers.
"""

from __future__ import annotations

import os

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)

EVENTS = Counter(
    "seismo_ingest_events_total",
    "Events received, by route (metrics, business-metrics, logs, batch) and outcome "
    "(accepted, rejected, late, duplicate).",
    ["route", "outcome"],
)
FCALL_SECONDS = Histogram(
    "seismo_ingest_fcall_seconds",
    "Time of one ingest Function call (one round trip to Redis).",
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0),
)
REDIS_ERRORS = Counter("seismo_ingest_redis_errors_total", "Calls that failed: Redis unreachable.")


def exposition() -> tuple[bytes, str]:
    """The exposition text of this process, or of all collector processes when shared."""
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not directory:
        return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, path=directory)  # type: ignore[no-untyped-call]
    return generate_latest(registry), CONTENT_TYPE_LATEST
