"""The incident lifecycle: one ongoing incident gives one ``open``, then ``update``s only
when it worsens or moves elsewhere, then ``resolved`` after a run of quiet windows.

Several incidents can be open at once, one per origin (``IncidentBook``): each window's
causes are matched to the open incidents by the findings they share, a cause no incident
shares a finding with opens its own, and each incident counts its own quiet windows.

Pure: the state is a small value stored in Redis between windows, so that several detector
processes handling consecutive windows follow one lifecycle. Windows are applied in the
order they are processed (the detector loop applies each exactly once); with several
detectors draining a backlog that order may differ slightly from window order.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from typing import Any

from seismo.alert.model import SEVERITIES, stable_id
from seismo.alert.rule import AlarmRule


@dataclass(frozen=True)
class IncidentState:
    """Where the lifecycle stands after the last window applied."""

    last_window: int = -1
    """The latest window start applied."""
    recent: tuple[bool, ...] = ()
    incident_id: str | None = None
    origin: str = ""
    """``scope:target`` named by the incident's last alert."""
    severity: str = ""
    summary: str = ""
    quiet: int = 0
    members: tuple[str, ...] = ()
    """``scope:target`` of every finding that has joined this incident (its origin too)."""
    early_window: int | None = None
    """Start of the still open window it was raised early on (``seismo.detect.early``);
    None once that window closed and confirmed it, and for one opened on a closed window."""
    kind: str = ""
    """The kind of feature its origin moved when it opened (errors, latency, traffic...)."""
    move: str = ""
    """How the origin's headline moved in its last alert: ``kind|+1`` or ``kind|-1``."""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> IncidentState:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(
            **{
                **known,
                "recent": tuple(data.get("recent", ())),
                "members": tuple(data.get("members", ())),
            }
        )

    def shares(self, keys: frozenset[str]) -> bool:
        """Whether a cause with findings ``keys`` touches this incident."""
        return self.origin in keys or bool(keys.intersection(self.members))

    def continued_by(self, origin: str, keys: frozenset[str], kind: str) -> bool:
        """Whether a cause (its origin, its findings, its origin's kind of move) goes on
        with this incident: the same origin, or the same kind of move touching its members.
        A surge at a service that a latency incident impacted a minute ago is news of its
        own, not an update of that incident (nor a reason to keep it open)."""
        return origin == self.origin or (self.kind in ("", kind) and self.shares(keys))


@dataclass(frozen=True)
class Observation:
    """What one window says: hit or not, and which finding and severity it would name."""

    window_start: int
    hit: bool
    origin: str
    severity: str
    move: str = ""
    """How the origin's headline moved (``kind|+1``, ``kind|-1``; empty: not told)."""


def step(
    state: IncidentState, seen: Observation, rule: AlarmRule, resolve_after: int
) -> tuple[IncidentState, str | None]:
    """The next state and the status of the alert this window raises (None: no alert)."""
    recent = tuple(rule.recent(state.recent, seen.hit))
    state = replace(state, last_window=max(state.last_window, seen.window_start), recent=recent)
    if state.incident_id is None:
        return (_open(state, seen), "open") if rule.firing(recent) else (state, None)
    if seen.hit:
        if _materially_changed(state, seen):
            level = max(state.severity, seen.severity, key=SEVERITIES.index)
            changed = replace(state, quiet=0, origin=seen.origin, severity=level)
            return replace(changed, move=seen.move or state.move), "update"
        return replace(state, quiet=0), None
    if state.quiet + 1 >= resolve_after:
        return IncidentState(last_window=state.last_window), "resolved"
    return replace(state, quiet=state.quiet + 1), None


def open_early(seen: Observation, members: frozenset[str]) -> IncidentState:
    """An incident opened from an open window's gross finding: not yet a step of the window
    history (that window is applied when it closes, and confirms or withdraws it)."""
    opened = _open(IncidentState(), seen)
    return replace(opened, members=tuple(sorted(members)), early_window=seen.window_start)


def _open(state: IncidentState, seen: Observation) -> IncidentState:
    incident_id = "inc-" + stable_id(seen.window_start, seen.origin)
    return replace(
        state,
        incident_id=incident_id,
        origin=seen.origin,
        severity=seen.severity,
        quiet=0,
        move=seen.move,
    )


def _materially_changed(state: IncidentState, seen: Observation) -> bool:
    """Worse severity than any announced, a service or metric named that had not joined
    the incident before (not a flip to system, nor back to an impacted service), or the
    origin's headline turned the other way: a surge's entry point now losing its traffic
    was held as the same incident, already critical, and the drop was never announced (a
    generated system of the scenario bench)."""
    worse = SEVERITIES.index(seen.severity) > SEVERITIES.index(state.severity)
    moved = (
        seen.origin != state.origin
        and not seen.origin.startswith("system:")
        and seen.origin not in state.members
    )
    return worse or moved or (seen.origin == state.origin and _turned(state.move, seen.move))


def _turned(before: str, now: str) -> bool:
    """The same kind of feature moving the other way (``traffic|+1`` then ``traffic|-1``)."""
    kind, _, way = before.partition("|")
    kind_now, _, way_now = now.partition("|")
    return bool(kind) and kind == kind_now and way != way_now


@dataclass(frozen=True)
class IncidentBook:
    """Every open incident, and the window-level history the alarm rule looks at."""

    last_window: int = -1
    recent: tuple[bool, ...] = ()
    open: tuple[IncidentState, ...] = ()
    elevated: tuple[tuple[int, tuple[str, ...]], ...] = ()
    """Per recently applied window (its start), how its findings that scored at least
    ``keep_open`` moved (``decide.elevation``: scope, kind and direction): a finding that
    needs a second window to open an incident (``decide.needs_confirming``) opens one when
    it moved the same way in a neighbouring window. Kept per window because several
    detectors may apply windows out of order."""

    waiting: tuple[tuple[int, tuple[str, ...]], ...] = ()
    """Per recently applied window, the same keys of its causes that fired but waited for a
    second window (``decide.needs_confirming``): a neighbouring window where that scope is
    uneasy the same way confirms them, whichever of the two came first."""

    def elevated_near(self, start: int, length: int) -> frozenset[str]:
        """The keys elevated in the windows just before and after ``start``."""
        return _near(self.elevated, start, length)

    def waiting_near(self, start: int, length: int) -> frozenset[str]:
        """The keys that fired and waited in the windows just before and after ``start``."""
        return _near(self.waiting, start, length)

    def to_dict(self) -> dict[str, Any]:
        return {
            "last_window": self.last_window,
            "recent": list(self.recent),
            "open": [i.to_dict() for i in self.open],
            "elevated": [[at, list(keys)] for at, keys in self.elevated],
            "waiting": [[at, list(keys)] for at, keys in self.waiting],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> IncidentBook:
        """Also reads the single-incident state stored before several could be open."""
        if "open" not in data:
            single = IncidentState.from_dict(data)
            opened = (single,) if single.incident_id else ()
            return cls(single.last_window, single.recent, opened)
        return cls(
            int(data.get("last_window", -1)),
            tuple(data.get("recent", ())),
            tuple(IncidentState.from_dict(i) for i in data["open"]),
            _per_window(data.get("elevated", ())),
            _per_window(data.get("waiting", ())),
        )


def _per_window(stored: Any) -> tuple[tuple[int, tuple[str, ...]], ...]:
    return tuple((int(at), tuple(map(str, keys))) for at, keys in stored)


def _near(
    per_window: tuple[tuple[int, tuple[str, ...]], ...], start: int, length: int
) -> frozenset[str]:
    """The keys of the windows next to ``start``: a move held a second window is held in
    the next one. Two blips a calmer window apart are two blips (generated-17's inventory,
    in a normal run: its p95 latency uneasy in one window, 0.58 in the next, firing in the
    one after, paged)."""
    return frozenset(
        key for at, keys in per_window if at != start and abs(at - start) <= length
        for key in keys
    )  # fmt: skip


def advance(
    incident: IncidentState,
    history: tuple[bool, ...],
    seen: Observation,
    rule: AlarmRule,
    resolve_after: int,
) -> tuple[IncidentState, str | None]:
    """``step`` for one incident of a book (or a new one): the book's window history before
    this window stands in for the incident's own."""
    after, status = step(replace(incident, recent=history), seen, rule, resolve_after)
    return replace(after, recent=()), status
