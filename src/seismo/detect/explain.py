"""Explanations: which features moved, from what normal value to what, and where it started.

A ``Finding`` is one scope's verdict on one window (the system, a service or a metric) with
the features that moved most. ``likely_origin`` picks the finding an alert should name and
``summary`` turns it into the sentence a person reads first.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from seismo.detect.fingerprint_model import Deviation, WindowScore
from seismo.fingerprint.features import (
    ALL_SCOPES,
    BUSINESS,
    CLIENT_ERRORS,
    ERRORS,
    LATENCY,
    METRIC,
    TRAFFIC,
    feature_kind,
    format_value,
    label,
)

SCOPES = ALL_SCOPES
"""From the least to the most specific: a tie in score goes to the more specific scope."""
IMPACT = tuple(kind.name for kind in (ERRORS, LATENCY, TRAFFIC, BUSINESS, CLIENT_ERRORS, METRIC))
"""Kinds of feature by what users feel, first the most: a 5xx rate heads an explanation
where a log count moved further (logs and topology are supporting evidence)."""
HEADLINE_Z = 5.0
"""A feature must have moved this far (robust z) to head an explanation by its kind."""


@dataclass(frozen=True)
class Finding:
    """One scope's calibrated score for one window and the features that moved most."""

    scope: str
    target: str
    score: float
    moved: tuple[Deviation, ...]
    held: bool = False
    """Its evidence spans this window and the ones before it (a pooled test), so a second
    window would confirm nothing new (``alert.decide.needs_confirming``)."""
    endpoint: str | None = None
    """The endpoint that carries the headline's change, when one does
    (``seismo.detect.endpoints``)."""

    @property
    def key(self) -> str:
        return f"{self.scope}:{self.target}"

    @property
    def strength(self) -> float:
        """The largest absolute deviation, to rank findings whose scores both saturated."""
        return max((abs(d.deviation) for d in self.moved), default=0.0)


def finding(scope: str, target: str, scored: WindowScore) -> Finding:
    """The finding of one scored vector, the headline feature first."""
    return Finding(scope, target, scored.score, tuple(headline_first(scored.moved())))


def impact_rank(d: Deviation) -> int:
    """Where ``d`` stands in ``IMPACT`` when it moved enough to lead; past the end if not."""
    kind = feature_kind(d.feature).name
    if abs(d.deviation) < HEADLINE_Z or kind not in IMPACT:
        return len(IMPACT)
    if d.feature.startswith("error_rate_") and d.current < d.normal:
        return len(IMPACT)
    if d.feature.startswith("log_"):
        return len(IMPACT) - 1
    return IMPACT.index(kind)


def headline_first(moved: Sequence[Deviation]) -> list[Deviation]:
    """``moved`` with the strongly moved features users feel most first (stable otherwise)."""
    return sorted(moved, key=impact_rank)


def likely_origin(findings: Sequence[Finding], threshold: float) -> Finding:
    """The finding to name: among those at ``threshold`` or above (else all), the most
    specific scope, then the highest score, then the largest jump. A service whose own
    model fired explains a system-wide deviation better than the system vector does."""
    firing = [f for f in findings if f.score >= threshold] or list(findings)
    return max(firing, key=lambda f: (SCOPES.index(f.scope), round(f.score, 2), f.strength))


COUNTS_OF_EVENTS = frozenset({"business_observations", "observations"})
"""Besides the traffic features, the features that count a scope's events."""


def went_silent(d: Deviation) -> bool:
    """``d`` says the events stopped: a request or observation count (or rate) at zero,
    normally above."""
    counts_events = feature_kind(d.feature) == TRAFFIC or d.feature in COUNTS_OF_EVENTS
    return counts_events and d.current <= 0 < d.normal


def summary(f: Finding) -> str:
    """One sentence: "5xx error rate of checkout rose from 0.4 % to 31 %", or "of checkout
    (POST:/pay)" when one endpoint carries the change."""
    top = f.moved[0]
    where = "the system" if f.scope == "system" else f.target
    verb = "rose" if top.current > top.normal else "fell"
    silent = went_silent(top)
    if f.endpoint:
        where += f" ({f.endpoint})"
    sentence = (
        f"{where} went silent: " * silent + f"{label(top.feature)} of {where} {verb} from "
        f"{format_value(top.feature, top.normal)} to {format_value(top.feature, top.current)}"
    )
    others = [label(d.feature) for d in f.moved[1:]]
    if others:
        sentence += "; " + " and ".join(others) + " also moved"
    return sentence
