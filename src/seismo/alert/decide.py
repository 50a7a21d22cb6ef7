"""From a scored window to alerts: the one seam between detection and delivery.

The detector loop calls ``alerts_for_window`` once per window with every finding (system,
services, metrics), the stored incident book and the service-call graph; it returns the
next book and the alerts to publish. The firing findings are grouped by cause
(``seismo.detect.origin``): each cause is matched to the open incident it shares a finding
with, or opens its own, so two services failing independently are two incidents while a
cascade is one, named after its origin with the impacted services listed. A later filter
(suppression of known false alarms) wraps this function and nothing else.

Between closes, ``early_alerts`` opens incidents from the gross findings of a window still
open (``seismo.detect.early``), marked ``early``. When that window closes, a cause of it
that shares the incident confirms it (no second ``open``); otherwise it is withdrawn at
once: resolved, with a summary that says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from seismo.alert.incident import IncidentBook, IncidentState, Observation, advance, open_early
from seismo.alert.model import Alert, explanation_item, stable_id
from seismo.alert.rule import AlarmRule
from seismo.alert.severity import business_impact, remediation, severity
from seismo.config import DEFAULTS
from seismo.detect.call_graph import CallGraph
from seismo.detect.evidence import GROSS_SCORE, UNEASY
from seismo.detect.explain import COUNTS_OF_EVENTS, Finding, summary
from seismo.detect.metric_watch import METRIC_MEANS
from seismo.detect.origin import FAILING, Cause, causes, direction, headline_kind, silent
from seismo.fingerprint.features import (
    LATENCY,
    LOGS,
    TOPOLOGY,
    TRAFFIC,
    feature_kind,
    label,
    of_kind,
)

EARLY = "raised early: its window is still open"
"""Appended to the summary of an early alert."""
WITHDRAWN = "Withdrawn, not confirmed when its window closed"
"""Heads the summary of the resolve that withdraws an early alert."""
JOINING = ("system", "metric")
"""Scopes whose finding, alone in its window, joins an incident already open rather than
opening its own: the system's, when it moved the way the incident's origin did (the
system's traffic fell with the entry point's), and a KPI's, whatever moved (revenue falls
silent a window after the traffic that brings it: that is the incident's business
impact, not a second page)."""
NEAR_KEPT_WINDOWS = 64
"""How far behind the newest window applied the elevated and waiting findings of a window
are kept. Several detectors apply windows out of order, each a batch at a time, so the
neighbour that confirms a window may be applied dozens of windows after it: kept for the
last 6 windows applied, a latency spike's second window found its first one dropped by
the other detector's windows, 15 further on, and neither paged (the two-detector test, one
run in four on a loaded machine)."""
BURSTY_COUNTS = of_kind(LOGS) | COUNTS_OF_EVENTS
"""Counts of events that come in bursts (logs, warnings, business and custom metric
events): a rise for one window is no fault."""


@dataclass(frozen=True)
class AlertPolicy:
    """How scores become alerts: the alarm rule and the quiet run that resolves."""

    rule: AlarmRule = field(default_factory=AlarmRule)
    resolve_after: int = DEFAULTS.resolve_windows
    keep_open: float = UNEASY
    """An open incident is not quiet while its origin's finding still scores this much: a
    fault measured on few events (six calls a window) dips below the alert threshold now
    and then, and must not resolve and reopen each time. Only the origin's: an impacted
    service's lingering unease is a consequence, and with a dozen members one of them
    scores 0.6 now and then, which would keep the incident open for ever and absorb the
    next fault into it. And only moving the way it last did: an entry point's traffic
    falling back after its surge is not the surge going on (generated-18: a surge's
    incident, kept open by two uneasy dips of its entry point's traffic 10 and 25 windows
    after it ended, took in the traffic drop that followed, which was never announced)."""


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
    """Apply ``window`` to every incident; the alerts it raises (opens, updates, resolves).
    An early incident is confirmed by a cause sharing it, or withdrawn by its own window
    (or a later one) without one; an earlier window leaves it as it is. A confirmation
    naming another origin is an update: the open window had named one of the services a
    cause impacted (the shop's checkout, silent so far because its caller gave up on the
    users service that went down, was named early, and users never was), whatever kind
    of move the cause heads with: generated-24's auth, slower from its calls to a new
    dependency, was named early, and the window's close named the new callee with auth
    impacted, in an incident of its own beside the early one."""
    threshold = policy.rule.threshold
    history = book.recent
    incidents: list[IncidentState | None] = list(book.open)
    alerts: list[Alert] = []
    claimed: set[int] = set()
    length = window.window_end - window.window_start
    near = book.elevated_near(window.window_start, length)
    fired_near = book.waiting_near(window.window_start, length)
    findings = confirming(window.findings, fired_near, policy)
    graph = graph or CallGraph()
    found = causes(findings, graph, threshold, policy.keep_open)
    waiting: list[str] = []
    for cause in found:
        kind = headline_kind(cause.origin)
        shared = sorted(
            (
                i
                for i, inc in enumerate(book.open)
                if inc.continued_by(cause.origin.key, cause.keys, kind)
                or (inc.early_window == window.window_start and inc.shares(cause.keys))
            ),
            key=lambda i: book.open[i].origin != cause.origin.key,
        )
        if cause.origin.scope in JOINING and book.open and not shared:
            shared = [
                i
                for i, inc in enumerate(book.open)
                if inc.early_window is None
                and (cause.origin.scope == "metric" or inc.kind in ("", kind))
            ][:1]
        caused_by = None if shared else consequence_of(cause, book, window, near, graph, policy)
        if caused_by is not None:
            shared = [caused_by]
        if shared and all(i in claimed for i in shared):
            continue
        index = next((i for i in shared if i not in claimed), None)
        if index is None and needs_confirming(cause, near, fired_near):
            waiting.append(elevation(cause.origin))
            continue
        before = IncidentState() if index is None else book.open[index]
        origin = cause.origin
        seen = Observation(
            window.window_start, True, origin.key, severity(origin, threshold), move(origin)
        )
        if index is not None and index == caused_by:
            seen = replace(seen, origin=before.origin, move=before.move)
        elif origin.key == before.origin and origin.score < threshold:
            seen = replace(seen, move=before.move)  # it explains others; it has not turned
        after, status = advance(before, history, seen, policy.rule, policy.resolve_after)
        if after.incident_id is None:
            continue
        if before.early_window is not None and seen.origin != before.origin and status is None:
            after, status = replace(after, origin=seen.origin, move=seen.move), "update"
        members = tuple(sorted(set(after.members) | cause.keys))
        after = replace(after, members=members, early_window=None, kind=after.kind or kind)
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
        if incident.early_window is not None:
            if window.window_start >= incident.early_window:
                incidents[index] = None
                alerts.append(_resolved(window, incident, now_ms, WITHDRAWN))
            continue
        lingering = any(
            f.score >= policy.keep_open
            and f.key == incident.origin
            and incident.kind in ("", headline_kind(f))
            and incident.move in ("", move(f))
            for f in window.findings
        )
        seen = Observation(window.window_start, lingering, incident.origin, incident.severity)
        after, status = advance(incident, history, seen, policy.rule, policy.resolve_after)
        incidents[index] = after if after.incident_id else None
        if status == "resolved":
            alerts.append(_resolved(window, incident, now_ms, "Resolved"))
    recent = tuple(policy.rule.recent(history, policy.rule.hit(window.score)))
    last = max(book.last_window, window.window_start)
    keys = tuple(sorted(elevation(f) for f in window.findings if f.score >= policy.keep_open))
    elevated = _kept((*book.elevated, (window.window_start, keys)), last, length)
    waited = _kept((*book.waiting, (window.window_start, tuple(sorted(waiting)))), last, length)
    still_open = tuple(i for i in incidents if i is not None)
    return IncidentBook(last, recent, still_open, elevated, waited), alerts


def _kept(
    per_window: tuple[tuple[int, tuple[str, ...]], ...], newest: int, length: int
) -> tuple[tuple[int, tuple[str, ...]], ...]:
    """The windows of ``per_window`` that named something, within ``NEAR_KEPT_WINDOWS`` of
    the newest window applied."""
    since = newest - NEAR_KEPT_WINDOWS * length
    return tuple((at, keys) for at, keys in per_window if keys and at >= since)


def consequence_of(
    cause: Cause,
    book: IncidentBook,
    window: ScoredWindow,
    near: frozenset[str],
    graph: CallGraph,
    policy: AlertPolicy,
) -> int | None:
    """The open incident whose origin ``cause`` is a consequence of, by the call graph: its
    origin calls that incident's origin (directly or not), what it shows is what a caller
    shows of a callee's trouble (errors or latency), and the incident's origin is still
    moving (uneasy in this window, or in one next to it: ``near``), or is a new dependency:
    a new callee is announced once, and what its callers show of it comes while it stays
    (generated-17's orders, slower from its new calls to risk-score, paged nine windows
    after the new dependency, then again on generated-16's audit). None when there is none.

    Within one window the call graph groups a cascade into one cause; across windows a
    caller's trouble may lag its callee's: when a service came back from an outage, its
    callers' calls in flight failed for one more window and paged apart ("5xx error rate
    of web rose from 0.71 % to 12.4 %" a window after users came back; search after
    pricing, on another system), and a caller that took on a new dependency slowed a few
    windows after the new calls were announced. Such a cause joins the incident, which
    keeps its origin and lists it among the impacted."""
    if cause.origin.scope != "service" or headline_kind(cause.origin) not in FAILING:
        return None
    callers_of = cause.origin.target
    for index, incident in enumerate(book.open):
        scope, _, target = incident.origin.partition(":")
        if scope != "service" or incident.early_window is not None:
            continue
        if callers_of not in graph.upstream(target):
            continue
        if incident.kind == TOPOLOGY.name:
            return index
        now = any(f.key == incident.origin and f.score >= policy.keep_open for f in window.findings)
        if now or any(key.startswith(f"{incident.origin}|") for key in near):
            return index
    return None


def confirming(
    findings: tuple[Finding, ...], waiting: frozenset[str], policy: AlertPolicy
) -> tuple[Finding, ...]:
    """``findings``, with those that confirm a cause waiting next to them raised to the
    alert threshold: uneasy (``keep_open``) the way a cause of a neighbouring window fired
    and waited (``needs_confirming``). A 5x traffic drop fired in its first window, scored
    0.75 in its second and 0.82-0.86 in the next four, and was named only at the fifth
    (generated-12 of the scenario bench): a second window confirms a first one that fired
    as well as the other way round.

    Not the system's: its traffic falls for a window when the senders stall (seen under
    load: 127 -> 54, then 93, uneasy, then 133), and a fault shows at the services it hits,
    whose findings confirm it. Nor evidence held over windows (``Finding.held``): it
    counts the waiting window itself, so a one-window spike would confirm itself
    (generated-23's media, one request of six at 512 ms: its latency sum, still uneasy a
    window later from that spike alone, confirmed it and paged)."""
    threshold = policy.rule.threshold
    return tuple(
        replace(f, score=threshold)
        if f.scope != "system"
        and not f.held
        and policy.keep_open <= f.score < threshold
        and elevation(f) in waiting
        else f
        for f in findings
    )


def move(f: Finding) -> str:
    """How ``f``'s headline moved: its kind of feature and direction (``traffic|-1``)."""
    return f"{headline_kind(f)}|{direction(f):+d}"


def elevation(f: Finding) -> str:
    """What a neighbouring window must have shown to confirm ``f``: its scope, moved the
    same kind of way (a system whose 5xx share was uneasy two windows ago does not confirm
    that system's traffic falling for one window: seen as a page in a two-hour run when the
    traffic sender stalled for a second)."""
    return f"{f.key}|{move(f)}"


def needs_confirming(cause: Cause, elevated: frozenset[str], fired: frozenset[str]) -> bool:
    """True when ``cause`` may open an incident only after a second window, and its origin
    was not already elevated the same way (``elevation``) in a window next to it.

    Some one-window moves are common in healthy systems: a latency quantile of a mixture
    of endpoints flips between their modes when the mix shifts for a moment; a client's
    stall of a second empties a window that the next one makes up for; the mean of a
    handful of orders jumps on one large order (values such as order amounts are
    long-tailed: measured on simulated Pareto and log-normal amounts at 1-20 orders a
    window, 1-4 such jumps in 3,600 windows per KPI, none held two windows); and events
    that come in bursts, a chatty log line or a rush of orders, rise for a moment (in the
    scenario bench, "log count of users rose from 0 to 3" opened side incidents during
    seven faults of seven runs, and a one-window rush of checkouts, 6 -> 19, paged). None
    is a fault when it lasts one window, so a latency rise, a traffic fall, a rise of a
    count of logs or business events, or a metric's mean moving opens an incident when its
    scope was at least uneasy (``keep_open``) in a neighbouring window. So does the
    system's finding when no service explains it: a fault shows at the services it hits,
    and what moves the system vector alone for one window is a stall of the senders or a
    shift of the mix (in a 40-minute normal run of ``seismo bench scenarios``, the thin
    services' empty windows took the system's endpoint count from 14 to 9 three times).
    Gross faults do not wait: the open-window checks (``seismo.detect.early``) raise them
    first, and a fall scored ``GROSS_SCORE`` or more opens at once (an entry point's
    traffic at a seventh of its level, a KPI at a twentieth: the second window only made
    them a second later, seven times on five of eleven replayed runs, while no stall of
    the senders nor a KPI's noise in a two-hour normal run came near that score). Rises
    still wait: a latency mixing a fast and a slow mode, and bursts of events, jump that
    far for one window (a median latency of 176 ms where 52 is normal, for one window,
    twice in two hours). Errors, surges, new dependencies and range violations open at
    once, and so does what a test found over several windows (``Finding.held``: a run of
    empty windows, a CUSUM), and a silence that explains a caller's failing calls: that
    is no stall.

    A neighbouring window confirms with what was uneasy there (``elevated``), or for the
    system only with what fired there and waited (``fired``). The
    system's traffic dipped for a window or two in normal runs, uneasy then firing, and
    came back (the shop, 117 -> 81 -> 43 -> back, twice in 2 hours; generated-14, 126 ->
    70 -> 48 -> 47): a fault shows at the services it hits, and what moves the system
    alone must fire twice, even on errors pooled over its last windows (generated-23, in
    its second training minute: one or two 5xx at each of six services for three windows,
    none of them firing, pooled to 8 % of the system's calls and paged; the next window had
    none).
    """
    origin = cause.origin
    system = origin.scope == "system"
    confirmed_by = fired if system else elevated
    if not origin.moved or elevation(origin) in confirmed_by or (origin.held and not system):
        return False
    if silent(origin) and any(headline_kind(f) != TRAFFIC.name for f in cause.impacted):
        return False
    if system:
        return True
    top = origin.moved[0]
    kind = feature_kind(top.feature)
    rose = top.current > top.normal
    if not rose and origin.score >= GROSS_SCORE:
        return False
    mean = top.feature in METRIC_MEANS
    burst = top.feature in BURSTY_COUNTS and rose
    return (kind == LATENCY and rose) or (kind == TRAFFIC and not rose) or mean or burst


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
        endpoint=origin.endpoint,
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


def early_alerts(
    window: ScoredWindow,
    book: IncidentBook,
    policy: AlertPolicy,
    now_ms: int,
    graph: CallGraph | None = None,
) -> tuple[IncidentBook, list[Alert]]:
    """Incidents opened from the findings of a window still open: a cause whose origin is
    gross (at the threshold) and that no open incident shares yet, nor explains as its
    consequence (``consequence_of``: generated-21's inventory, slower from its calls to a
    new dependency, opened an early incident of its own a window after that dependency's).
    Services merely elevated can be the origin the call graph names, and then the window's
    close decides. Nothing once that window has been applied. The window history is not
    touched: the window is applied when it closes, like every other."""
    if book.last_window >= window.window_start:
        return book, []
    threshold = policy.rule.threshold
    graph = graph or CallGraph()
    near = book.elevated_near(window.window_start, window.window_end - window.window_start)
    opened: list[IncidentState] = []
    alerts: list[Alert] = []
    for cause in causes(window.findings, graph, threshold, 0.0):
        origin, kind = cause.origin, headline_kind(cause.origin)
        if (
            origin.score < threshold
            or any(i.continued_by(origin.key, cause.keys, kind) for i in (*book.open, *opened))
            or consequence_of(cause, book, window, near, graph, policy) is not None
        ):
            continue
        seen = Observation(
            window.window_start, True, origin.key, severity(origin, threshold), move(origin)
        )
        state = replace(open_early(seen, cause.keys), kind=kind)
        alert = _raised(window, cause, state, "open", threshold, now_ms)
        opened.append(replace(state, summary=alert.summary))
        alerts.append(replace(alert, early=True, summary=f"{alert.summary} ({EARLY})"))
    return replace(book, open=(*book.open, *opened)), alerts


def _resolved(window: ScoredWindow, before: IncidentState, now_ms: int, head: str) -> Alert:
    """The closing alert of ``before``: after a quiet run, or withdrawn (``head`` says)."""
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
        summary=f"{head}: {before.summary}",
        incident_id=incident_id,
        status="resolved",
    )
