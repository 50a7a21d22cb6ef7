"""Gross faults from the open window: a burst of 5xx or a latency jump, before it closes.

A window is scored when it closes, a window length plus the grace period after its first
event. A fault far outside normal need not wait that long: the window's running counters
are in Redis while it is still open. These tests read them (a service's requests and 5xx
so far, and how many of its responses were slower than a slow mark) against what the
fingerprint model learned of that service, and fire only on evidence far stronger than a
closed window needs:

- errors: the 5xx so far are a binomial tail ``GROSS_MARGIN`` times less likely than the
  service's own calibrated alert p (itself at most one in a million), at a share at least
  ``SHARE_FACTOR`` times the learned one, with ``MIN_ERRORS`` of them at least;
- latency: the mark is ``LATENCY_FACTOR`` times the learned median (and never below the
  learned p99); normally at most ``SLOW_NORMAL`` of the responses are that slow (a bound
  that holds for heavy tails too), so the slow ones so far must be a binomial tail as
  unlikely as above, at least ``MIN_SLOW`` of them and most of the window's responses.

A window's counts only grow, so one open window is tested many times on nested data: the
margin makes the false alarm rate of the whole sequence negligible. What fires here is
raised at once and confirmed, or withdrawn, by the closed window's ordinary verdict.
Pure: learned numbers and counts in, findings out.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from seismo.detect.count_model import REQUESTS, ErrorTest
from seismo.detect.evidence import (
    ALERT_P,
    GROSS_MARGIN,
    binomial_tail,
    empty_is_unlikely,
    tail_score,
)
from seismo.detect.explain import Finding
from seismo.detect.fingerprint_fleet import FleetModel
from seismo.detect.fingerprint_model import Deviation

ERRORS = "error_rate_5xx"
LATENCY = "latency_p50"
SHARE_FACTOR = 5.0
"""A gross error share is at least this many times the learned one."""
MIN_ERRORS = 3
"""Fewer 5xx than this are never gross (one client's retries)."""
LATENCY_FACTOR = 4.0
"""A response is slow at this many times the learned median latency."""
SLOW_NORMAL = 0.05
"""At most this share of normal responses is slow: a conservative bound, since the slow
mark is at least the learned p99 and several times the median."""
MIN_SLOW = 5
"""Fewer slow responses than this are never gross."""
MIN_SLOW_SHARE = 0.5
"""Most of the window's responses so far must be slow: the median itself jumped."""
ELEVATED_P = ALERT_P
"""A tail this unlikely (and not gross) still marks a service as moving: it can explain a
caller's gross finding (the caller passes its callee's failures on), so the early alert
waits for the window to close and the call graph to name the origin."""


@dataclass(frozen=True)
class ServiceNormal:
    """What the model learned of one service that the gross tests need."""

    error_rate: float
    error_alert_p: float
    latency_p50: float
    latency_p99: float
    latency_spread: float
    requests_per_window: float = 0.0
    """The learned normal request count of a closed window (0: unknown, never silent)."""

    @property
    def slow_ms(self) -> float:
        """The slow mark: several times the median, and never below the normal p99."""
        return max(LATENCY_FACTOR * self.latency_p50, self.latency_p99)


def learned_normals(model: FleetModel) -> dict[str, ServiceNormal]:
    """Each modelled service's normal numbers (those with a 5xx test and latency)."""
    out = {}
    for service, fitted in model.services.items():
        tests = [t for t in model.counts[service].errors if t.feature == ERRORS]
        p50 = fitted.normal(LATENCY)
        if not tests or p50 <= 0:
            continue
        spread = fitted.deviations({LATENCY: p50}, [LATENCY]).get(LATENCY)
        traffic = model.counts[service].traffic
        requests = traffic.normal_count if traffic is not None else 0.0
        out[service] = _normal(tests[0], p50, fitted.normal("latency_p99"), spread, requests)
    return out


def _normal(
    test: ErrorTest, p50: float, p99: float, spread: Deviation | None, requests: float
) -> ServiceNormal:
    scale = spread.spread if spread is not None else p50
    return ServiceNormal(test.rate, min(test.alert_p, ALERT_P), p50, p99, scale, requests)


@dataclass(frozen=True)
class OpenCounts:
    """One service's counters in the open window so far."""

    requests: int
    errors: int
    slow: int | None = None
    """Responses slower than its slow mark (None: not read)."""
    latency_p50: float | None = None
    """The open window's median latency (read only for a gross latency, to explain it)."""


@dataclass(frozen=True)
class Verdict:
    """One test's answer: its tail probability, whether it is gross, what moved."""

    p: float
    gross: bool
    moved: Deviation


def error_verdict(normal: ServiceNormal, counts: OpenCounts) -> Verdict | None:
    """The 5xx so far against the learned share; None without requests."""
    if counts.requests <= 0:
        return None
    share, rate = counts.errors / counts.requests, normal.error_rate
    p = binomial_tail(counts.errors, counts.requests, rate)
    gross = (
        counts.errors >= MIN_ERRORS
        and share >= SHARE_FACTOR * rate
        and p <= normal.error_alert_p * GROSS_MARGIN
    )
    spread = math.sqrt(rate * (1.0 - rate) / counts.requests)
    moved = Deviation(ERRORS, rate, spread, share, (share - rate) / spread)
    return Verdict(p, gross, moved)


def latency_verdict(normal: ServiceNormal, counts: OpenCounts) -> Verdict | None:
    """The slow responses so far against the bound on normal ones; None when not read."""
    if counts.slow is None or counts.requests <= 0:
        return None
    p = binomial_tail(counts.slow, counts.requests, SLOW_NORMAL)
    gross = (
        counts.slow >= MIN_SLOW
        and counts.slow >= MIN_SLOW_SHARE * counts.requests
        and p <= normal.error_alert_p * GROSS_MARGIN
    )
    current = counts.latency_p50 if counts.latency_p50 is not None else normal.slow_ms
    spread = max(normal.latency_spread, 1e-9)
    deviation = (current - normal.latency_p50) / spread
    moved = Deviation(LATENCY, normal.latency_p50, spread, current, deviation)
    return Verdict(p, gross, moved)


def early_findings(
    normals: Mapping[str, ServiceNormal],
    window: Mapping[str, OpenCounts],
    threshold: float,
    elapsed: float,
) -> list[Finding]:
    """One finding per service whose open-window counts moved: at ``threshold`` or above
    when a test is gross, below it when the counts are only elevated (such a finding can
    explain a caller's, never fire), and one per service silent so far though ``elapsed``
    (the share of the window gone by) should have brought it requests: a caller failing on
    its calls is then that silence's consequence, named after it. Services without a
    learned normal are left out."""
    found = []
    for service, learned in sorted(normals.items()):
        due = learned.requests_per_window * elapsed
        if service not in window and empty_is_unlikely(due):
            found.append(_silent_so_far(service, due))
    for service, counts in sorted(window.items()):
        normal = normals.get(service)
        if normal is None:
            continue
        verdicts = [
            v
            for v in (error_verdict(normal, counts), latency_verdict(normal, counts))
            if v is not None and (v.gross or v.p <= ELEVATED_P)
        ]
        if verdicts:
            found.append(_finding(service, verdicts, normal, threshold))
    return found


def _silent_so_far(service: str, expected: float) -> Finding:
    """No request so far where ``expected`` were due: a finding that cannot fire alone."""
    spread = math.sqrt(expected)
    return Finding("service", service, 0.0, (Deviation(REQUESTS, expected, spread, 0.0, -spread),))


def _finding(
    service: str, verdicts: list[Verdict], normal: ServiceNormal, threshold: float
) -> Finding:
    """The gross (else the strongest) test first; scored on the alert scale, raised to
    ``threshold`` when gross and kept below it when not."""
    verdicts.sort(key=lambda v: (not v.gross, v.p))
    top = verdicts[0]
    score = tail_score(top.p, normal.error_alert_p)
    score = max(score, threshold) if top.gross else min(score, math.nextafter(threshold, 0.0))
    return Finding("service", service, score, tuple(v.moved for v in verdicts))


def slow_worth_reading(counts: OpenCounts) -> bool:
    """Whether reading the slow count can matter: enough responses to be gross at all."""
    return counts.requests >= MIN_SLOW
