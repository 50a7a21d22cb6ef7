"""Memory of past incidents: a Redis 8 vector set of alert patterns, and operator feedback.

Every alert is remembered as a vector (VADD, element = alert id) with its incident id and
time as JSON attributes. A new alert lists the past incidents whose alerts are most like it
(VSIM WITHSCORES, best alert per incident), with each incident's outcome (``open``,
``acknowledged``, ``false_alarm``) read from the feedback hash, the one place marks live.
A new alert close enough to an alert of a marked false alarm is suppressed instead of
paging someone again. Keeping every alert (not one vector per incident) matters: one
incident can move several services, and each of its alerts is a pattern worth matching.

The vector is the alert's *pattern*, not the raw window: each moved feature's deviation
from normal (signed, log-damped), hashed together with the alert's scope and target into a
fixed number of dimensions. Raw fingerprints are dominated by their largest magnitudes
(request counts), so two normal windows would look as alike as two incidents; deviations
say what went wrong and where, and the hashing keeps the dimension fixed when features are
added. Similarities are VSIM's scores: ``(1 + cosine) / 2``, 1 for the same pattern, 0.5
for unrelated ones.

The same class serves the detector (suppression, remembering what it alerts) and the
dashboard (similar incidents, marks).
"""

from __future__ import annotations

import json
import math
import time
import zlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import redis

from seismo.alert.model import AlertRecord, SimilarIncident
from seismo.engine.connection import text
from seismo.engine.keys import Keys

PATTERN_DIMENSIONS = 128
DEFAULT_SIMILAR = 3
SUPPRESS_SIMILARITY = 0.97
MIN_SIMILARITY = 0.5
SEARCH_WIDTH = 50
"""Alerts VSIM returns per suppression check: several may belong to one incident."""
SIMILAR_WIDTH = 5
"""Alerts VSIM returns per similar incident asked for."""
"""Scores at or below this are unrelated patterns (cosine <= 0): never listed as similar."""
OUTCOMES = ("acknowledged", "false_alarm")
FEEDBACK_MAXLEN = 10_000


def incident_of(alert: AlertRecord) -> str:
    """The element an alert is remembered under: its incident, else the alert itself."""
    return str(alert.get("incident_id") or alert["id"])


def _damped(value: object) -> float:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return 0.0
    if not math.isfinite(number):
        return 0.0
    return math.copysign(math.log1p(abs(number)), number)


def pattern_vector(alert: AlertRecord) -> list[float] | None:
    """The alert's pattern of moved features, or None when its explanation moved nothing."""
    vector = [0.0] * PATTERN_DIMENSIONS
    where = f"{alert.get('scope')}:{alert.get('target')}"
    for item in alert.get("explanation") or []:
        if not isinstance(item, Mapping):
            continue
        slot = zlib.crc32(f"{where}:{item.get('feature')}".encode()) % PATTERN_DIMENSIONS
        vector[slot] += _damped(item.get("deviation"))
    return vector if any(vector) else None


@dataclass(frozen=True)
class PastIncident:
    """One remembered incident as seen from a new alert."""

    incident_id: str
    similarity: float
    outcome: str

    def to_dict(self) -> SimilarIncident:
        return {"incident_id": self.incident_id, "similarity": self.similarity,
                "outcome": self.outcome}  # fmt: skip


@dataclass(frozen=True)
class Suppression:
    """A marked false alarm close enough to a new alert to silence it."""

    incident: PastIncident

    @property
    def reason(self) -> str:
        """The visible note: ``suppressed: like false alarm X, similarity 0.97``."""
        return (
            f"suppressed: like false alarm {self.incident.incident_id}, "
            f"similarity {self.incident.similarity:.2f}"
        )


def parse_matches(reply: object) -> list[tuple[str, float, dict[str, Any]]]:
    """``VSIM ... WITHSCORES WITHATTRIBS`` as (element, score, attributes), RESP2 or RESP3."""
    if isinstance(reply, dict):
        rows = [(elem, *pair) for elem, pair in reply.items()]
    else:
        flat = list(reply) if isinstance(reply, list) else []
        rows = [tuple(flat[i : i + 3]) for i in range(0, len(flat) - 2, 3)]
    matches = []
    for element, score, attributes in rows:
        attrs = json.loads(text(attributes)) if attributes else {}
        matches.append((text(element), float(score), attrs if isinstance(attrs, dict) else {}))
    return matches


class IncidentMemory:
    """Past incidents and their outcomes, in the ``incident-vectors`` set of ``client``."""

    def __init__(
        self,
        client: redis.Redis,
        keys: Keys,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.client = client
        self.keys = keys
        self.clock = clock

    def outcome(self, incident_id: str) -> str | None:
        """The operator's mark on an incident, if any."""
        value = self.client.hget(self.keys.alert_feedback, incident_id)
        return None if value is None else text(value)

    def outcomes(self, incident_ids: Iterable[str]) -> dict[str, str]:
        """Marks of several incidents in one round trip (unmarked ones are left out)."""
        ids = list(dict.fromkeys(incident_ids))
        if not ids:
            return {}
        values = self.client.hmget(self.keys.alert_feedback, ids)
        return {i: text(v) for i, v in zip(ids, values, strict=True) if v is not None}

    def remember(self, alert: AlertRecord) -> bool:
        """VADD the alert's pattern; False when its explanation has none to add."""
        vector = pattern_vector(alert)
        if vector is None:
            return False
        attributes = {"incident_id": incident_of(alert), "time": int(alert.get("time") or 0)}
        self.client.execute_command(
            "VADD", self.keys.incident_vectors, "VALUES", len(vector), *vector,
            str(alert["id"]), "SETATTR", json.dumps(attributes),
        )  # fmt: skip
        return True

    def _nearest(self, alert: AlertRecord, count: int, where: str | None) -> list[PastIncident]:
        """Other incidents by their alert most like this one, best first, with outcomes."""
        vector = pattern_vector(alert)
        if vector is None:
            return []
        args: list[object] = ["VALUES", len(vector), *vector, "WITHSCORES", "WITHATTRIBS"]
        args += ["COUNT", count] + (["FILTER", where] if where else [])
        reply = self.client.execute_command("VSIM", self.keys.incident_vectors, *args)
        own = incident_of(alert)
        best: dict[str, float] = {}
        for element, score, attrs in parse_matches(reply):
            incident = str(attrs.get("incident_id") or element)
            if incident != own and score > MIN_SIMILARITY and incident not in best:
                best[incident] = round(score, 4)
        marks = self.outcomes(best)
        return [PastIncident(i, score, marks.get(i, "open")) for i, score in best.items()]

    def similar(self, alert: AlertRecord, k: int = DEFAULT_SIMILAR) -> list[PastIncident]:
        """The ``k`` earlier incidents most like this alert (never its own incident)."""
        earlier = f".time < {int(alert.get('time') or 0)}"
        return self._nearest(alert, SIMILAR_WIDTH * k, earlier)[:k]

    def suppressing_match(
        self, alert: AlertRecord, threshold: float = SUPPRESS_SIMILARITY
    ) -> Suppression | None:
        """The marked false alarm that silences this alert, when one is at least this close."""
        for incident in self._nearest(alert, SEARCH_WIDTH, None):
            if incident.similarity < threshold:
                return None
            if incident.outcome == "false_alarm":
                return Suppression(incident)
        return None

    def mark(self, alert: AlertRecord, outcome: str, by: str = "") -> dict[str, Any]:
        """Store an operator's mark on the alert's incident and announce it; ``by`` names
        who gave it (the incident report shows who acknowledged).

        The mark goes to the feedback hash (what listings and suppression read) and into the
        feedback stream (what the detector reads to learn false-alarm windows as normal;
        what the WebSocket pushes). Returns the stream entry's fields.
        """
        if outcome not in OUTCOMES:
            raise ValueError(f"outcome must be one of {OUTCOMES}, not {outcome!r}")
        incident = incident_of(alert)
        event = {
            "alert_id": str(alert["id"]),
            "incident_id": incident,
            "feedback": outcome,
            "time": int(self.clock() * 1000),
            "window_start": int(alert.get("window_start") or 0),
            "window_end": int(alert.get("window_end") or 0),
            "scope": str(alert.get("scope")),
            "target": str(alert.get("target")),
            **({"by": by} if by else {}),
        }
        self.client.hset(self.keys.alert_feedback, incident, outcome)
        self.client.xadd(
            self.keys.feedback_stream,
            {name: str(value) for name, value in event.items()},
            maxlen=FEEDBACK_MAXLEN,
            approximate=True,
        )
        return event
