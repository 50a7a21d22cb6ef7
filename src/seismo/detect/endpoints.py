"""Which endpoint carries a service's change: an alert names it when one does.

"5xx error rate of payments rose to 35 %" sends an operator looking through every route of
payments; "payments (POST:/pay)" sends them to one. The window's fingerprint keeps a
service's counts, not its endpoints', so the service's application events of the window
(the capped ``detailed-metrics`` stream, read by the detector only when a service's errors
or latency fire) are tallied here: the requests that show the headline's change (5xx
answers for an error rate; for a latency, answers slower than its normal plus
``SLOW_SPREADS`` spreads) are counted per endpoint, and an endpoint holding at least
``CARRY_SHARE`` of at least ``MIN_MARKED`` of them is named. When the change is spread over
several endpoints (a failing dependency of all of them), none is.

Pure: events in (as read from the stream: every field a string), an endpoint or None out.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace

from seismo.detect.explain import Finding
from seismo.detect.fingerprint_model import Deviation
from seismo.fingerprint.features import feature_kind

CARRY_SHARE = 0.8
"""Share of the marked requests one endpoint must hold to be named."""
MIN_MARKED = 3
"""Fewer marked requests than this name no endpoint (one client's retries)."""
SLOW_SPREADS = 3.0
"""A request shows a latency change when slower than the normal by this many spreads."""

ServiceEvents = Callable[[str], Sequence[Mapping[str, str]]]
"""A service's application events since the window began (the detector reads them)."""


def _number(text: str | None) -> float:
    try:
        return float(text) if text is not None else math.nan
    except ValueError:
        return math.nan


def per_call(feature: str) -> bool:
    """Whether single calls show a change of ``feature``: the 5xx rate, a latency."""
    return feature == "error_rate_5xx" or feature_kind(feature).unit == "ms"


def shows(event: Mapping[str, str], headline: Deviation) -> bool:
    """Whether one request shows the change ``headline`` describes (``per_call`` features)."""
    if headline.feature == "error_rate_5xx":
        return _number(event.get("status_code")) >= 500
    return _number(event.get("response_time")) > headline.normal + SLOW_SPREADS * headline.spread


def carrying_endpoint(
    events: Iterable[Mapping[str, str]], start_ms: int, end_ms: int, headline: Deviation
) -> str | None:
    """The endpoint holding ``CARRY_SHARE`` of the window's requests that show ``headline``
    (events of one service; those outside ``[start_ms, end_ms)`` are left out)."""
    marked: Counter[str] = Counter()
    for event in events:
        if start_ms <= _number(event.get("timestamp")) < end_ms and shows(event, headline):
            marked[event.get("endpoint", "")] += 1
    total = sum(marked.values())
    if total < MIN_MARKED:
        return None
    endpoint, count = marked.most_common(1)[0]
    return endpoint if endpoint and count >= CARRY_SHARE * total else None


def carries(f: Finding) -> bool:
    """Whether ``f`` is a service's error rate or latency change, which an endpoint can carry."""
    if f.scope != "service" or not f.moved:
        return False
    top = f.moved[0]
    return top.current > top.normal and per_call(top.feature)


def with_endpoints(
    findings: Sequence[Finding],
    window: tuple[int, int],
    events: ServiceEvents | None,
    threshold: float,
) -> list[Finding]:
    """``findings`` with the carrying endpoint named on each firing service finding whose
    headline an endpoint can carry; events are read only for those."""
    if events is None:
        return list(findings)
    start, end = window
    named = []
    for f in findings:
        if f.score >= threshold and carries(f):
            f = replace(f, endpoint=carrying_endpoint(events(f.target), start, end, f.moved[0]))
        named.append(f)
    return named
