"""From a scored window to alerts: the one seam between detection and delivery.

The detector loop calls ``alerts_for_window`` once per window with every finding (system,
services, metrics) and the stored incident state; it returns the next state and the alerts
to publish (at most one). A later filter (suppression of known false alarms) wraps this
function and nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from seismo.alert.incident import IncidentState, Observation, step
from seismo.alert.model import Alert, explanation_item, stable_id
from seismo.alert.rule import AlarmRule
from seismo.alert.severity import business_impact, remediation, severity
from seismo.detect.explain import Finding, likely_origin, summary


@dataclass(frozen=True)
class AlertPolicy:
    """How scores become alerts: the alarm rule and the quiet run that resolves."""

    rule: AlarmRule = field(default_factory=AlarmRule)
    resolve_after: int = 3


@dataclass(frozen=True)
class ScoredWindow:
    """One window's findings (empty while no model is trained and no metric moved)."""

    window_start: int
    window_end: int
    findings: tuple[Finding, ...]

    @property
    def score(self) -> float:
        return max((f.score for f in self.findings), default=0.0)


def alerts_for_window(
    window: ScoredWindow, state: IncidentState, policy: AlertPolicy, now_ms: int
) -> tuple[IncidentState, list[Alert]]:
    """Apply ``window`` to the incident lifecycle; the alert it raises, if any."""
    threshold = policy.rule.threshold
    origin = likely_origin(window.findings, threshold) if window.findings else None
    seen = Observation(
        window.window_start,
        policy.rule.hit(window.score),
        origin.key if origin else "",
        severity(origin, threshold) if origin else "info",
    )
    after, status = step(state, seen, policy.rule, policy.resolve_after)
    if status is None:
        return after, []
    if status == "resolved" or origin is None:
        return after, [_resolved(window, state, now_ms)]
    alert = _raised(window, origin, after, status, threshold, now_ms)
    return replace(after, summary=alert.summary), [alert]


def _raised(
    window: ScoredWindow,
    origin: Finding,
    state: IncidentState,
    status: str,
    threshold: float,
    now_ms: int,
) -> Alert:
    firing = [f for f in window.findings if f.score >= threshold]
    incident_id = state.incident_id or ""
    return Alert(
        id=stable_id(incident_id, status, window.window_start),
        time=now_ms,
        window_start=window.window_start,
        window_end=window.window_end,
        scope=origin.scope,
        target=origin.target,
        score=round(origin.score, 4),
        severity=state.severity,
        summary=_sentence(origin, window.findings),
        incident_id=incident_id,
        status=status,
        explanation=[explanation_item(d) for d in origin.moved],
        business_impact=business_impact(firing),
        remediation=remediation(origin),
    )


def _sentence(origin: Finding, findings: tuple[Finding, ...]) -> str:
    """The summary; a system-wide finding also names the service that moved most."""
    text = summary(origin)
    services = [f for f in findings if f.scope == "service"]
    if origin.scope == "system" and services:
        most = max(services, key=lambda f: (round(f.score, 2), f.strength))
        text += f" (most moved service: {most.target})"
    return text


def _resolved(window: ScoredWindow, before: IncidentState, now_ms: int) -> Alert:
    scope, _, target = before.origin.partition(":")
    incident_id = before.incident_id or ""
    return Alert(
        id=stable_id(incident_id, "resolved", window.window_start),
        time=now_ms,
        window_start=window.window_start,
        window_end=window.window_end,
        scope=scope,
        target=target,
        score=round(window.score, 4),
        severity=before.severity,
        summary=f"Resolved: {before.summary}",
        incident_id=incident_id,
        status="resolved",
    )
