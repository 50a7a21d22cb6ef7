"""Per-metric detection inside the detector loop: one streaming detector per metric.

Every business and custom metric of a fingerprint (its mean in the window) goes through the
per-metric detector of ``seismo.detect.metric`` (the same code as ``seismo replay``), with
its state kept between windows as ``to_dict`` data. An ``expected_range`` violation by at
least ``RANGE_SHARE`` of the window's observations (its ``out_of_range`` count) alerts at
once. A smoothed normal value (exponentially weighted mean and absolute deviation of the
learned means) gives the explanation its "normal" figure. A window the detector flags is
not learned.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from seismo.detect.base import Detector, detector_from_dict
from seismo.detect.explain import Finding
from seismo.detect.fingerprint_entry import Fingerprint, Vector
from seismo.detect.fingerprint_features import scale_floor
from seismo.detect.fingerprint_model import Deviation

SMOOTHING = 0.1
"""Weight of the newest learned mean in the metric's normal value."""
MIN_ALERT_POINT = 0.6
"""The metric detector decides at 0.52, tuned for NAB's scoring, which forgives a false
positive now and then; one that pages people waits for 0.6 (half again as unusual as the
rare points of late): measured on Gaussian noise, 0 alerts per 1,000 windows instead of 1-3."""
RANGE_SHARE = 0.1
"""Share of a window's observations outside ``expected_range`` that alerts at once: a lone
outlier among many orders is left to the learned baseline."""


@dataclass
class MetricState:
    """A metric's detector and its smoothed normal value and spread."""

    detector: Detector
    normal: float | None = None
    spread: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"detector": self.detector.to_dict(), "normal": self.normal, "spread": self.spread}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> MetricState:
        normal = data.get("normal")
        return cls(
            detector_from_dict(data["detector"]),
            None if normal is None else float(normal),
            float(data.get("spread", 0.0)),
        )

    def learn(self, value: float) -> None:
        self.detector.learn_one({"value": value})
        if self.normal is None:
            self.normal = value
            return
        self.spread += SMOOTHING * (abs(value - self.normal) - self.spread)
        self.normal += SMOOTHING * (value - self.normal)


def on_alert_scale(detector: Detector, score: float, threshold: float) -> float:
    """``score`` moved onto the alert scale: the detector's decision point (its ``decide``
    setting, raised to at least ``MIN_ALERT_POINT``) becomes ``threshold``; 0 and 1 stay
    put, linearly in between. A detector without one is already on the alert scale."""
    config = getattr(detector, "config", None)
    if not isinstance(config, Mapping) or "decide" not in config:
        return score
    point = max(float(config["decide"]), MIN_ALERT_POINT)
    if score <= point:
        return score * threshold / point
    return threshold + (score - point) * (1.0 - threshold) / (1.0 - point)


def feature_names(metric: str, window: Fingerprint) -> tuple[str, str]:
    """Feature names of a metric's mean and range count: business or custom metric.

    Custom metrics are named ``<service>.<metric>`` after a service of the window.
    """
    custom = metric.partition(".")[0] in window.services
    return ("value", "out_of_range") if custom else ("business_value", "business_out_of_range")


def watch_metric(
    metric: str, summary: Vector, state: MetricState, window: Fingerprint, threshold: float
) -> Finding | None:
    """Score one metric's window, learn it unless flagged; None when it had no value."""
    if summary.get("count", 0) <= 0 or "mean" not in summary:
        return None
    mean_name, range_name = feature_names(metric, window)
    value = summary["mean"]
    score = on_alert_scale(state.detector, state.detector.score_one({"value": value}), threshold)
    normal = value if state.normal is None else state.normal
    spread = max(state.spread * 1.25, scale_floor(mean_name, normal))
    moved = [Deviation(mean_name, normal, spread, value, (value - normal) / spread)]
    outside = summary.get("out_of_range", 0.0)
    if outside >= RANGE_SHARE * summary["count"]:
        score = 1.0
        moved.insert(0, Deviation(range_name, 0.0, 1.0, outside, outside))
    if score < threshold:
        state.learn(value)
    return Finding("metric", metric, score, tuple(moved))


def metric_findings(
    window: Fingerprint,
    states: dict[str, MetricState],
    new_detector: Callable[[], Detector],
    threshold: float,
) -> list[Finding]:
    """Findings of every metric in ``window``; ``states`` is updated in place."""
    found = []
    for metric, summary in sorted(window.metrics.items()):
        state = states.setdefault(metric, MetricState(new_detector()))
        result = watch_metric(metric, summary, state, window, threshold)
        if result is not None:
            found.append(result)
    return found
