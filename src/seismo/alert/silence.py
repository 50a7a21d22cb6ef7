"""Silences: matchers and a time range during which matching alerts are not delivered.

A silenced alert is not dropped: the notifier records it in ``deliveries`` with the id of
the silence that held it. Silences are stored as JSON in one hash (``Keys.silences``) by the
CLI and the dashboard; this module is the pure part (the model, which ones hold an alert,
the checks on a new one). An expired silence stays listed until it is a day old, so an
operator can see what was silenced.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

from pydantic import ValidationError

from seismo.alert.model import AlertRecord
from seismo.alert.routing import Match

KEEP_EXPIRED_MS = 24 * 3600 * 1000


class SilenceError(ValueError):
    """A silence cannot be made as asked; the message names the field."""


@dataclass(frozen=True)
class Silence:
    """Alerts matching ``matchers`` (and ``incident_id`` when set) are held in
    ``[starts_at, ends_at)`` (epoch ms)."""

    id: str
    matchers: dict[str, Any]
    starts_at: int
    ends_at: int
    comment: str = ""
    created_by: str = ""
    incident_id: str | None = None

    def active(self, now_ms: int) -> bool:
        return self.starts_at <= now_ms < self.ends_at

    def holds(self, alert: AlertRecord, now_ms: int) -> bool:
        """Whether this silence keeps ``alert`` from the channels at ``now_ms``."""
        if not self.active(now_ms):
            return False
        if self.incident_id is not None and alert.get("incident_id") != self.incident_id:
            return False
        return Match.model_validate(self.matchers).matches(alert)

    def to_json(self) -> str:
        return json.dumps(asdict(self), separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str | bytes) -> Silence:
        return cls(**json.loads(text))


def new_silence(
    matchers: Mapping[str, Any],
    starts_at: int,
    ends_at: int,
    comment: str = "",
    created_by: str = "",
    incident_id: str | None = None,
) -> Silence:
    """A checked silence with a fresh id: matchers valid, at least one given, end after start."""
    try:
        checked = Match.model_validate(dict(matchers)).model_dump(exclude_none=True)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        raise SilenceError(f"matchers.{where}: {err['msg']}") from None
    if not checked and incident_id is None:
        raise SilenceError("matchers: give at least one (severity, scope, target, incident)")
    if ends_at <= starts_at:
        raise SilenceError("ends_at: must be after starts_at")
    return Silence(
        secrets.token_hex(6), checked, starts_at, ends_at, comment, created_by, incident_id
    )


def holding(silences: Iterable[Silence], alert: AlertRecord, now_ms: int) -> Silence | None:
    """The first silence that holds ``alert`` now, if any."""
    return next((s for s in silences if s.holds(alert, now_ms)), None)


def parse_all(stored: Mapping[Any, Any]) -> list[Silence]:
    """The silences of the ``silences`` hash's values, oldest start first."""
    return sorted((Silence.from_json(v) for v in stored.values()), key=lambda s: s.starts_at)


def expired_long_ago(silence: Silence, now_ms: int) -> bool:
    """Whether a silence ended long enough ago to be forgotten."""
    return silence.ends_at + KEEP_EXPIRED_MS < now_ms
