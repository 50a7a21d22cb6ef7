"""Severity, remediation hints and business impact: what moved decides, not only how far.

A 5xx or business deviation pages sooner than a new endpoint: the kind of the features that
moved shifts the severity that the score alone gives, and picks the hints an operator sees.
"""

from __future__ import annotations

from collections.abc import Sequence

from seismo.alert.model import SEVERITIES
from seismo.detect.explain import Finding
from seismo.fingerprint.features import (
    BUSINESS,
    CLIENT_ERRORS,
    ERRORS,
    LATENCY,
    LOGS,
    METRIC,
    TOPOLOGY,
    TRAFFIC,
    feature_kind,
    format_value,
    label,
)

KIND_SHIFT = {ERRORS.name: 1, BUSINESS.name: 1, TOPOLOGY.name: -1, LOGS.name: -1}
"""Severity levels added for a moved feature of this kind (others: 0)."""

HINTS = {
    ERRORS.name: [
        "Check recent deploys and the error logs of {target}.",
        "Check {target}'s dependencies: downstream failures surface as 5xx here.",
        "Roll back or fail over if the error rate keeps rising.",
    ],
    CLIENT_ERRORS.name: [
        "Look for a client or API-contract change sending bad requests to {target}.",
    ],
    LATENCY.name: [
        "Check {target}'s saturation: CPU, connection pools, queue depth, slow queries.",
        "Compare with recent deploys or configuration changes.",
    ],
    TRAFFIC.name: [
        "Confirm whether the traffic change is expected (campaign, batch job, upstream outage).",
        "Check autoscaling, rate limits and load-balancer health for {target}.",
    ],
    TOPOLOGY.name: [
        "A new caller or endpoint appeared at {target}: confirm it is an intended release.",
        "Check routing and service discovery.",
    ],
    LOGS.name: ["Read {target}'s recent warning logs."],
    BUSINESS.name: [
        "Check the business flow behind {target} end to end (orders, payments).",
        "Ask the owning team whether the change is expected.",
    ],
    METRIC.name: ["Check what feeds {target} and compare with its service's other metrics."],
}


def _kinds(finding: Finding) -> list[str]:
    return [feature_kind(d.feature).name for d in finding.moved]


def severity(finding: Finding, threshold: float) -> str:
    """info / warning / critical: the score's level, shifted by the kind that moved most.

    At the threshold a window is a ``warning``; once its score is halfway from the threshold
    to 1 it is ``critical``. Errors and business features add a level, topology and logs
    remove one.
    """
    level = 2 if finding.score >= (1 + threshold) / 2 else 1
    kinds = _kinds(finding)
    shift = KIND_SHIFT.get(kinds[0], 0) if kinds else 0
    return SEVERITIES[min(2, max(0, level + shift))]


def remediation(finding: Finding) -> list[str]:
    """Hints for each kind of feature that moved, most moved first, without repeats."""
    hints: list[str] = []
    for kind in _kinds(finding):
        for hint in HINTS.get(kind, []):
            text = hint.format(target=finding.target)
            if text not in hints:
                hints.append(text)
    return hints


def business_impact(findings: Sequence[Finding]) -> str | None:
    """What happened to business metrics in this window, or None when none moved."""
    moved = [(f, d) for f in findings for d in f.moved if feature_kind(d.feature) == BUSINESS]
    if not moved:
        return None
    return "; ".join(
        f"{label(d.feature)} of {'the system' if f.scope == 'system' else f.target}: "
        f"{format_value(d.feature, d.normal)} normally, {format_value(d.feature, d.current)} now"
        for f, d in moved
    )
