"""From a scored window to alerts: the one seam between detection and delivery.

The detector loop calls ``alerts_for_window`` once per window with every finding (system,
services, metrics), the stored incident book and the service-call graph; it returns the
next book and the alerts to publish. The firing findings are grouped by cause
(``seismo.detect.origin``): each cause is matched to the open incident it shares a finding
with, or opens its own, so two services failing independently are two incidents while a
cascade is one, named after its origin with the impacted services listed. A later filter
(suppression of known false alarms) wraps this function and nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from seismo.alert.incident import IncidentBook, IncidentState, Observation, advance
from seismo.alert.model import Alert, explanation_item, stable_id
from seismo.alert.rule import AlarmRule
from seismo.alert.severity import business_impact, remediation, severity
from seismo.config import DEFAULTS
from seismo.detect.call_graph import CallGraph
from seismo.detect.explain import Finding, summary
from seismo.detect.origin import Cause, causes
from seismo.fingerprint.features import label


@dataclass(frozen=True)
class AlertPolicy:
    """How scores become alerts: the alarm rule and the quiet run that resolves."""

    rule: AlarmRule = field(default_factory=AlarmRule)
    resolve_after: int = DEFAULTS.resolve_windows
    keep_open: float = 0.6
    """An open incident is not quiet while one of its findings still scores this much: a
    fault measured on few events (six calls a window) dips below the alert threshold now
    and then, and must not resolve and reopen each time."""


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
    window: ScoredWindow,
    book: IncidentBook,
    policy: AlertPolicy,
    now_ms: int,
    graph: CallGraph | None = None,
) -> tuple[IncidentBook, list[Alert]]:
    """Apply ``window`` to every incident; the alerts it raises (opens, updates, resolves)."""
    threshold = policy.rule.threshold
    history = book.recent
    incidents: list[IncidentState | None] = list(book.open)
    alerts: list[Alert] = []
    claimed: set[int] = set()
    found = causes(window.findings, graph or CallGraph(), threshold, policy.keep_open)
    for cause in found:
        shared = [i for i, inc in enumerate(book.open) if inc.shares(cause.keys)]
        if cause.origin.scope == "system" and book.open and not shared:
            shared = [0]
        if shared and all(i in claimed for i in shared):
            continue
        index = next((i for i in shared if i not in claimed), None)
        before = IncidentState() if index is None else book.open[index]
        origin = cause.origin
        seen = Observation(window.window_start, True, origin.key, severity(origin, threshold))
        after, status = advance(before, history, seen, policy.rule, policy.resolve_after)
        if after.incident_id is None:
            continue
        after = replace(after, members=tuple(sorted(set(after.members) | cause.keys)))
        if status is not None:
            alert = _raised(window, cause, after, status, threshold, now_ms)
            alerts.append(alert)
            after = replace(after, summary=alert.summary)
        if index is None:
            incidents.append(after)
        else:
            claimed.add(index)
            incidents[index] = after
    for index, incident in enumerate(book.open):
        if index in claimed:
            continue
        lingering = any(
            f.score >= policy.keep_open and f.key in incident.members for f in window.findings
        )
        seen = Observation(window.window_start, lingering, incident.origin, incident.severity)
        after, status = advance(incident, history, seen, policy.rule, policy.resolve_after)
        incidents[index] = after if after.incident_id else None
        if status == "resolved":
            alerts.append(_resolved(window, incident, now_ms))
    recent = tuple(policy.rule.recent(history, policy.rule.hit(window.score)))
    last = max(book.last_window, window.window_start)
    return IncidentBook(last, recent, tuple(i for i in incidents if i is not None)), alerts


def _raised(
    window: ScoredWindow,
    cause: Cause,
    state: IncidentState,
    status: str,
    threshold: float,
    now_ms: int,
) -> Alert:
    origin = cause.origin
    firing = [f for f in (origin, *cause.impacted) if f.score >= threshold]
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
        summary=_sentence(cause, window.findings),
        incident_id=incident_id,
        status=status,
        explanation=[explanation_item(d) for d in origin.moved],
        business_impact=business_impact(firing),
        remediation=remediation(origin),
        impacted=sorted({f.target for f in cause.impacted if f.scope != "system"}),
    )


def _sentence(cause: Cause, findings: tuple[Finding, ...]) -> str:
    """The summary; a system-wide finding also names the service that moved most, and the
    services and metrics the origin impacts follow it."""
    origin = cause.origin
    text = summary(origin)
    services = [f for f in findings if f.scope == "service"]
    if origin.scope == "system" and services:
        most = max(services, key=lambda f: (round(f.score, 2), f.strength))
        text += f" (most moved service: {most.target})"
    impacted = [f for f in cause.impacted if f.scope != "system" and f.moved]
    if impacted:
        text += "; impacted: " + ", ".join(
            f"{f.target} ({label(f.moved[0].feature)})" for f in impacted
        )
    return text


def _resolved(window: ScoredWindow, before: IncidentState, now_ms: int) -> Alert:
    """The closing alert of ``before``, which had a quiet run."""
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
