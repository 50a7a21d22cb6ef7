"""Root cause across the call graph: group a window's firing findings by the cause behind them.

When several services move together, the one to name is the deepest whose *own* behaviour
changed: a caller's 5xx are often the 502s of a failing callee, its latency its callees'
latency, and a silent callee makes its callers fail. So an error or latency finding is
explained by a firing service it calls (directly or not) that failed, slowed or went
silent, unless what rose is its own time (``latency_own``: its time less its calls'). A
traffic change travels the other way: every callee of a surging entry point sees
more calls, so a traffic finding is explained by a caller whose traffic moved the same way;
silence too, when the callers' traffic fell (a service goes quiet because nobody calls it),
while a service that goes silent as its callers keep calling is an origin of its own. A
traffic fall is also explained by a slowdown of a service it calls: a caller waiting on
slow calls sends fewer of them.
A firing service that nothing explains is an origin; every other joins the cause of the
origin it leads to. Business metrics and the system-wide finding join the strongest origin
whose headline is of their kind (the system's traffic fell with the entry point's), else
the strongest (a KPI moving while a service fails is its business impact), or stand alone
when no service fired. Without a call graph nothing can be ranked, and every firing
finding is one cause named by ``likely_origin``, as before the graph existed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from seismo.detect.call_graph import CallGraph
from seismo.detect.evidence import agreeing_score, empty_is_unlikely
from seismo.detect.explain import HEADLINE_Z, Finding, likely_origin, went_silent
from seismo.fingerprint.features import ERRORS, LATENCY, TRAFFIC, feature_kind

OWN_LATENCY = "latency_own"
"""A service's time per request less the time of the calls it made: when it heads a
latency finding, the service itself slowed, and no slow callee explains it."""


@dataclass(frozen=True)
class Cause:
    """One origin and the findings that are its consequences in this window."""

    origin: Finding
    impacted: tuple[Finding, ...] = ()

    @property
    def keys(self) -> frozenset[str]:
        return frozenset({self.origin.key, *(f.key for f in self.impacted)})

    @property
    def score(self) -> float:
        return max(f.score for f in (self.origin, *self.impacted))


def headline_kind(f: Finding) -> str:
    return feature_kind(f.moved[0].feature).name if f.moved else ""


def direction(f: Finding) -> int:
    """+1 when the headline feature rose, -1 when it fell."""
    return 1 if f.moved and f.moved[0].current >= f.moved[0].normal else -1


def silent(f: Finding) -> bool:
    """Its headline says its traffic stopped, and chance alone would rarely have emptied
    the window (``empty_is_unlikely`` at the normal count, or at the normal rate per second
    when no count moved: windows are a second or longer, so that errs towards chance).
    The headline alone is not enough: a service called twice a window is empty one window
    in seven, and with a dozen thin services one of them is, beside any caller's finding
    (seen naming a thin callee "went silent" as the origin of its caller's latency fault on
    a generated system of the scenario bench). Its traffic: a service whose orders stopped
    for a window while it served its calls is no silent service (generated-17's audit, its
    three orders a window at none, was named "went silent" as the origin of its caller's
    latency, itself the latency fault of another service); a KPI that stops is the
    per-metric watch's to judge."""
    if not f.moved or not went_silent(f.moved[0]) or feature_kind(f.moved[0].feature) != TRAFFIC:
        return False
    requests = [d for d in f.moved if went_silent(d) and feature_kind(d.feature) == TRAFFIC]
    counts = [d for d in requests if d.feature != "request_rate"] or requests
    return empty_is_unlikely(counts[0].normal)


def causes(
    findings: Sequence[Finding],
    graph: CallGraph,
    threshold: float,
    explain_at: float | None = None,
) -> list[Cause]:
    """The causes of the firing findings, strongest first (empty when none fires). A
    service scoring ``explain_at`` (default: the threshold) can explain a firing one, and
    so be its origin: the entry point of a traffic drop measured on a few requests may
    score 0.8 in a window where its callees' drops score 0.95. A silent service can
    whatever its score: a callee that went quiet while its caller fails on its calls is
    that failure's origin, though one empty window alone proves little.

    A service that could explain a firing one but whose group holds none (the firing one
    was placed with a stronger origin) is no cause: on generated-17, edge's 5xx could be
    explained by shipping's 5xx or by orders' p95 latency, elevated at 0.86; edge went to
    shipping, and orders, alone, paged "p95 latency of orders rose"."""
    findings = corroborated(findings, graph)
    firing = [f for f in findings if f.score >= threshold]
    if not firing:
        return []
    if not graph:
        origin = likely_origin(firing, threshold)
        return [Cause(origin, tuple(f for f in firing if f is not origin))]
    floor = threshold if explain_at is None else min(explain_at, threshold)
    services = {
        f.target: f for f in findings if f.scope == "service" and (f.score >= floor or silent(f))
    }
    others = [f for f in firing if f.scope != "service"]
    groups = _service_groups(services, {f.target for f in firing}, graph)
    if not groups:
        metrics = [f for f in others if f.scope == "metric"]
        groups = {f.key: [f] for f in metrics} or {others[0].key: [others[0]]}
    found = [
        _cause(members) for members in groups.values() if any(f.score >= threshold for f in members)
    ]
    found.sort(key=lambda c: (c.score, c.origin.strength), reverse=True)
    placed = {k for c in found for k in c.keys}
    for extra in (f for f in others if f.key not in placed):
        index = _joined_by(extra, found)
        found[index] = Cause(found[index].origin, (*found[index].impacted, extra))
    return found


FAILING = (ERRORS.name, LATENCY.name)
"""What a caller shows when a service it calls stops answering: failed or timed-out calls."""


def corroborated(findings: Sequence[Finding], graph: CallGraph) -> list[Finding]:
    """``findings``, where a service failing on its calls (its errors rose) calls,
    directly or not, a silent one: each of the two tests alone may still be short of
    the alert (a callee of three calls a window is empty one window in twenty, three such
    windows in a row scored 0.78; its caller's 5xx 0.89 on generated-12 of the scenario
    bench), and chance moves them independently, since a quiet callee takes no calls that
    could fail. So the caller's score becomes the two tails combined (``agreeing_score``),
    and the silent callee, which explains it, is named with it (``_cause``)."""
    quiet = [f for f in findings if f.scope == "service" and silent(f)]
    if not quiet:
        return list(findings)
    out = []
    for f in findings:
        if f.scope == "service" and headline_kind(f) == ERRORS.name and direction(f) > 0:
            below = graph.downstream(f.target)
            scores = [q.score for q in quiet if q.target in below]
            if scores:
                f = replace(f, score=max(f.score, agreeing_score(f.score, max(scores))))
        out.append(f)
    return out


def _cause(members: list[Finding]) -> Cause:
    """The cause of an origin and the findings it explains. A silent origin carries the
    strongest score among them: its empty window alone proves little, its callers' failing
    calls prove it."""
    origin, impacted = members[0], tuple(members[1:])
    if silent(origin) and impacted:
        origin = replace(origin, score=max(origin.score, *(f.score for f in impacted)))
    return Cause(origin, impacted)


def _joined_by(extra: Finding, found: list[Cause]) -> int:
    """The cause a system-wide or business finding joins: the strongest whose origin moved
    the same kind of feature (the system's traffic fell with the entry point's), else the
    strongest."""
    kind = headline_kind(extra)
    return next((i for i, c in enumerate(found) if headline_kind(c.origin) == kind), 0)


def _service_groups(
    services: dict[str, Finding], firing: set[str], graph: CallGraph
) -> dict[str, list[Finding]]:
    """origin service -> [its finding, then the findings it explains]; ``services`` are the
    firing and the merely elevated ones, of which only those explaining a firing one count."""
    explainers = {name: _explainers(name, services, firing, graph) for name in services}
    relevant = set(firing) & services.keys()
    todo = list(relevant)
    while todo:
        for by in explainers[todo.pop()]:
            if by not in relevant:
                relevant.add(by)
                todo.append(by)
    roots = [name for name in sorted(relevant) if not explainers[name]]
    if relevant and not roots:
        roots = [max(relevant, key=lambda n: (services[n].score, services[n].strength))]
    groups = {root: [services[root]] for root in roots}
    for name in sorted(relevant):
        if name not in groups:
            groups[_root_of(name, explainers, roots, services)].append(services[name])
    return groups


def _explainers(
    name: str, services: dict[str, Finding], firing: set[str], graph: CallGraph
) -> set[str]:
    """The firing services whose own change explains ``name``'s. A silent callee explains
    a caller's errors (its calls failed), not its latency alone: a caller that slowed sends
    fewer calls, and a thin callee of it goes quiet (the shop's payments, six calls a
    window, "went silent" as the origin of checkout's latency from its new dependency).
    A caller whose traffic surged explains the errors or latency of a service that took
    more calls with it (``_overloaded_by``)."""
    f = services[name]
    if headline_kind(f) in FAILING and (surging := _overloaded_by(name, services, graph)):
        return surging
    if headline_kind(f) == TRAFFIC.name:
        upstream = _traffic_callers(name, services, graph, direction(f))
        slowed = _slowed_callees(name, services, graph) & firing if direction(f) < 0 else set()
        return upstream | slowed
    if _own_time_rose(f):
        return set()  # its own time rose, not its calls': an origin whatever its callees did
    errors = headline_kind(f) == ERRORS.name
    return {
        d
        for d in graph.downstream(name) & services.keys()
        if headline_kind(services[d]) != TRAFFIC.name or (errors and silent(services[d]))
    }


def _own_time_rose(f: Finding) -> bool:
    """Its own time (``OWN_LATENCY``) heads it, or rose as far as a headline must: a
    service whose median and own time both jumped heads with the median, and was then
    explained by a callee's two error logs (generated-24's profile, own time 9 -> 59 ms)."""
    return any(
        d.feature == OWN_LATENCY
        and d.current > d.normal
        and (i == 0 or abs(d.deviation) >= HEADLINE_Z)
        for i, d in enumerate(f.moved)
    )


def _overloaded_by(name: str, services: dict[str, Finding], graph: CallGraph) -> set[str]:
    """The callers (direct or not) of ``name`` whose traffic surged, when ``name``'s own
    calls rose with them: a service failing or slowing under the calls a surge sends it is
    that surge's impact, not a second origin (generated-22's shipping, its error logs at
    3.5 a window for 0.2 and its calls up, opened a page of its own 16 windows into the
    entry point's fivefold surge). A service whose calls did not rise failed on its own."""
    if not any(
        feature_kind(d.feature) == TRAFFIC and d.current > d.normal for d in services[name].moved
    ):
        return set()
    return _traffic_callers(name, services, graph, 1)


def _traffic_callers(
    name: str, services: dict[str, Finding], graph: CallGraph, way: int
) -> set[str]:
    """The callers (direct or not) of ``name`` whose traffic heads their finding, moved
    ``way`` (+1 up, -1 down)."""
    return {
        u
        for u in graph.upstream(name) & services.keys()
        if headline_kind(services[u]) == TRAFFIC.name and direction(services[u]) == way
    }


def _slowed_callees(name: str, services: dict[str, Finding], graph: CallGraph) -> set[str]:
    """The services ``name`` calls whose latency rose: a caller that waits on its calls
    sends fewer of them (clients, pools and queues are closed loops), so its traffic fall
    is the slowdown's consequence, not a cause of its own. Only a firing slowdown counts: a
    callee's latency wobbling at the few requests a real drop leaves must not take the
    drop's origin from the entry point."""
    return {
        d
        for d in graph.downstream(name) & services.keys()
        if headline_kind(services[d]) == LATENCY.name and direction(services[d]) > 0
    }


def _root_of(
    name: str, explainers: dict[str, set[str]], roots: list[str], services: dict[str, Finding]
) -> str:
    """The strongest origin reached by following explainers from ``name``."""
    seen, todo, reached = {name}, [name], []
    while todo:
        for nxt in sorted(explainers[todo.pop()]):
            if nxt in roots:
                reached.append(nxt)
            elif nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    if not reached:
        reached = roots
    return max(reached, key=lambda n: (services[n].score, services[n].strength))
