"""One closed window judged: every detector's findings, then the incident step.

The detector role runs this inside its Redis transaction, and the scenario replay
(``seismo bench scenarios --replay``) runs it over a recorded run's fingerprints, so a
change to detection is measured offline on exactly the code production runs. Pure: the
states passed in (the recent traffic levels, the per-metric detectors) are updated in place,
the incident book is returned anew; no Redis, no clock.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from seismo.alert.decide import AlertPolicy, ScoredWindow, alerts_for_window
from seismo.alert.incident import IncidentBook
from seismo.alert.model import Alert
from seismo.detect.base import Detector
from seismo.detect.call_graph import CallGraph
from seismo.detect.drift import Drift, apply_drift
from seismo.detect.endpoints import ServiceEvents, with_endpoints
from seismo.detect.explain import Finding
from seismo.detect.fingerprint_fleet import FleetModel
from seismo.detect.metric_watch import MetricState, metric_findings
from seismo.fingerprint.entry import Fingerprint


@dataclass(frozen=True)
class Judged:
    """A window's verdict: the next incident book, the alerts it raises, its score."""

    book: IncidentBook
    alerts: list[Alert]
    score: float
    normal: bool
    """Not flagged and no incident open: the window may join the (re)training data."""


@dataclass(frozen=True)
class Detectors:
    """What judges a window: the fitted fleet model (None while training), the streaming
    states it is updated with, and how a new metric's detector is made."""

    model: FleetModel | None
    drift: Drift | None
    metrics: dict[str, MetricState]
    new_metric_detector: Callable[[], Detector]


def judge_window(
    window: Fingerprint,
    detectors: Detectors,
    book: IncidentBook,
    policy: AlertPolicy,
    graph: CallGraph,
    now_ms: int,
    fleet: list[Finding] | None = None,
    events: ServiceEvents | None = None,
) -> Judged:
    """Findings of ``window`` (``fleet``: the model's, when already scored outside a
    transaction), grouped into incidents against ``book``; with ``events``, a firing
    service's error or latency finding names the endpoint that carries it."""
    threshold = policy.rule.threshold
    model = detectors.model
    found = fleet if fleet is not None else (model.findings(window) if model else [])
    if model is not None and detectors.drift is not None:
        found = apply_drift(model, window, found, detectors.drift, threshold)
    found = found + metric_findings(
        window, detectors.metrics, detectors.new_metric_detector, threshold
    )
    found = with_endpoints(found, (window.window_start, window.window_end), events, threshold)
    scored = ScoredWindow(window.window_start, window.window_end, tuple(found))
    book, alerts = alerts_for_window(scored, book, policy, now_ms, graph)
    normal = not policy.rule.hit(scored.score) and not book.open
    return Judged(book, alerts, scored.score, normal)
