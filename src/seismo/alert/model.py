"""The alert: what every subscriber of ``alerts`` and every reader of ``anomalies`` gets.

Its id is derived from the incident, the status and the window, never random: a window
processed twice (a crashed detector's pending entry finished by another) yields the same
id, which the publisher writes once.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from typing import Any

from seismo.detect.fingerprint_model import Deviation

STATUSES = ("open", "update", "resolved")


def stable_id(*parts: object) -> str:
    """A short hex digest of ``parts``: the same inputs always give the same id."""
    return hashlib.sha1(":".join(map(str, parts)).encode()).hexdigest()[:16]


def explanation_item(d: Deviation) -> dict[str, Any]:
    """One moved feature as the alert shows it (normal = training median, with its spread)."""
    return {
        "feature": d.feature,
        "normal": round(d.normal, 6),
        "spread": round(d.spread, 6),
        "current": round(d.current, 6),
        "deviation": round(d.deviation, 2),
    }


@dataclass(frozen=True)
class Alert:
    """One alert of an incident's lifecycle (``status``: open, update or resolved)."""

    id: str
    time: int
    window_start: int
    window_end: int
    scope: str
    target: str
    score: float
    severity: str
    summary: str
    incident_id: str
    status: str
    explanation: list[dict[str, Any]] = field(default_factory=list)
    business_impact: str | None = None
    remediation: list[str] = field(default_factory=list)
    similar: list[dict[str, Any]] = field(default_factory=list)
    """Most similar past incidents: {incident_id, similarity, outcome} (vector sets)."""
    suppressed_by: str | None = None
    """Why it was not announced: a marked false alarm with the same pattern."""
    impacted: list[str] = field(default_factory=list)
    """Services and metrics whose findings are consequences of this origin (call graph)."""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), separators=(",", ":"))
