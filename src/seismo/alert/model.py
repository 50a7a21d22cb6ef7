"""The alert: what every subscriber of ``alerts`` and every reader of ``anomalies`` gets.

This dataclass is the one written form of the contract: the dashboard's OpenAPI document
derives its Alert schema from it (``seismo.dashboard.openapi``), and the UI's TypeScript
types are generated from that document (``make ui``). The ``Meta`` annotations add what the
JSON schema needs beyond the Python type (a vocabulary, a unit); to Python they are ``str``
and ``int``.

Its id is derived from the incident, the status and the window, never random: a window
processed twice (a crashed detector's pending entry finished by another) yields the same
id, which the publisher writes once.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Annotated, Any, TypedDict

from msgspec import Meta

from seismo.fingerprint.features import ALL_SCOPES

if TYPE_CHECKING:
    from seismo.detect.fingerprint_model import Deviation

SCOPES = ALL_SCOPES
"""Where a finding is: the whole system, one service, one business metric (the feature
contract's scopes, as the detector's findings name them)."""
SEVERITIES = ("info", "warning", "critical")
STATUSES = ("open", "update", "resolved")
"""An incident's alerts: the first (open), while it goes on (update), the last (resolved)."""

AlertRecord = Mapping[str, Any]
"""An alert as read back from JSON (a stream entry, a message): a mapping, not an ``Alert``."""


def _one_of(words: tuple[str, ...]) -> Meta:
    return Meta(extra_json_schema={"enum": list(words)})


EpochMs = Annotated[int, Meta(description="epoch ms")]
Scope = Annotated[str, _one_of(SCOPES)]
Severity = Annotated[str, _one_of(SEVERITIES)]
Status = Annotated[str, _one_of(STATUSES)]


class Explanation(TypedDict):
    """One moved feature as the alert shows it (normal = training median, with its spread)."""

    feature: str
    normal: float
    spread: float
    current: float
    deviation: float


class SimilarIncident(TypedDict):
    """A remembered incident like this one, with what an operator said of it."""

    incident_id: str
    similarity: float
    outcome: str


def stable_id(*parts: object) -> str:
    """A short hex digest of ``parts``: the same inputs always give the same id."""
    return hashlib.sha1(":".join(map(str, parts)).encode()).hexdigest()[:16]


def explanation_item(d: Deviation) -> Explanation:
    """One moved feature as the alert shows it."""
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
    time: EpochMs
    window_start: EpochMs
    window_end: EpochMs
    scope: Scope
    target: str
    score: Annotated[float, Meta(ge=0, le=1)]
    severity: Severity
    summary: str
    incident_id: str
    status: Status
    explanation: list[Explanation] = field(default_factory=list)
    business_impact: str | None = None
    remediation: list[str] = field(default_factory=list)
    similar: list[SimilarIncident] = field(default_factory=list)
    """Most similar past incidents (vector sets)."""
    suppressed_by: str | None = None
    """Why it was not announced: a marked false alarm with the same pattern."""
    impacted: list[str] = field(default_factory=list)
    """Services and metrics whose findings are consequences of this origin (call graph)."""
    early: bool = False
    """Raised from a window still open, on a gross fault: its incident is confirmed when that
    window closes (no second ``open``), or withdrawn (a ``resolved`` that says so)."""
    endpoint: str | None = None
    """The origin's endpoint that carries the change (most of the 5xx answers, or of the slow
    ones), when one does: named in the summary too."""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), separators=(",", ":"))
