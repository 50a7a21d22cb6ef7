"""The detector's Prometheus metrics: windows scored, scores, alerts, model and training.

Held in a registry of their own (each ``DetectorLoop`` has one, so tests and several loops
in one process do not share counters) and served on ``SEISMO_DETECTOR_METRICS_PORT``. The
loop reports each applied window and each early alert; the model's version and the training
state are read from the loop and from Redis when Prometheus scrapes, so the loop has nothing
to report for them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable

import redis
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from seismo.alert.model import Alert

SCORE_BUCKETS = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99, 1.0)
"""Calibrated scores are in 0..1; the alert threshold (0.9 by default) sits among the top."""
SCORING_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


class DetectorMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.registry = registry
        self.windows = Counter(
            "seismo_detector_windows_scored",
            "Closed windows applied (scored once a model exists, collected before).",
            registry=registry,
        )
        self.score = Histogram(
            "seismo_detector_score",
            "Calibrated anomaly score (0..1) of each applied window.",
            buckets=SCORE_BUCKETS,
            registry=registry,
        )
        self.alerts = Counter(
            "seismo_detector_alerts",
            "Alerts published, by severity and status (open, update, resolved).",
            ["severity", "status"],
            registry=registry,
        )
        self.scoring = Histogram(
            "seismo_detector_scoring_seconds",
            "Time to score, decide and apply one window (Redis transaction included).",
            buckets=SCORING_BUCKETS,
            registry=registry,
        )
        self.model_version = Gauge(
            "seismo_detector_model_version",
            "Version of the fingerprint model this detector scores with (0: none yet).",
            registry=registry,
        )
        self.training = Gauge(
            "seismo_detector_training",
            "1 while the detector collects training windows (no model yet), else 0.",
            registry=registry,
        )
        self.normal_windows = Gauge(
            "seismo_detector_normal_windows",
            "Unflagged windows stored as (re)training data, shared by every detector.",
            registry=registry,
        )

    def watch(self, model_version: Callable[[], int], normal_count: Callable[[], int]) -> None:
        """Read the model's version and the training data's size when scraped."""
        self.model_version.set_function(lambda: float(model_version()))
        self.training.set_function(lambda: 1.0 if model_version() == 0 else 0.0)
        self.normal_windows.set_function(lambda: _or_nan(normal_count))

    def scored(self, score: float, alerts: Iterable[Alert], seconds: float) -> None:
        """One window applied: its score, its alerts and how long it took."""
        self.windows.inc()
        self.score.observe(score)
        self.scoring.observe(seconds)
        self.alerted(alerts)

    def alerted(self, alerts: Iterable[Alert]) -> None:
        for alert in alerts:
            self.alerts.labels(alert.severity, alert.status).inc()


def _or_nan(read: Callable[[], int]) -> float:
    """A value read from Redis, NaN while it does not answer (the scrape still succeeds)."""
    try:
        return float(read())
    except redis.RedisError:
        return math.nan
