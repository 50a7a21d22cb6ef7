"""Availability and latency objectives per service: error budget left and burn rate.

An objective is optional per service: ``availability`` (percent of requests without a 5xx
answer) and/or ``latency_p95_ms`` with ``latency_target`` (percent of windows whose p95 is
at most that many ms), over ``days``. Both are judged from per-hour counts kept compactly
for ``KEEP_DAYS`` (``seismo.dashboard.objective_store`` writes them from the fingerprints):
requests, 5xx responses, windows, and windows whose p95 exceeded each of ``LATENCY_BOUNDS_MS``
(so a latency objective must name one of those bounds).

The error budget is the bad share the objective allows (``1 - target``); ``budget_left`` is
the share of it not yet spent over the period, and the burn rate is how fast the last hour
spent it (1: exactly at the pace that empties it at the period's end; 14.4 over an hour is the
usual page). Pure.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

KEEP_DAYS = 31
HOUR_MS = 3_600_000
LATENCY_BOUNDS_MS = (50, 100, 150, 200, 250, 300, 400, 500, 750, 1000, 1500, 2000, 3000, 5000)
"""The p95 bounds whose exceeding windows are counted each hour."""
MAX_DAYS = 30


class BadObjective(ValueError):
    """An objective Seismo cannot use; ``field`` names the part."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Objective:
    """One service's objective; either part may be absent."""

    service: str
    availability: float | None = None
    """Percent of requests without a 5xx answer, e.g. 99.9."""
    latency_p95_ms: int | None = None
    latency_target: float = 99.0
    """Percent of windows whose p95 is at most ``latency_p95_ms``."""
    days: int = MAX_DAYS

    def to_dict(self) -> dict[str, Any]:
        return {
            "service": self.service,
            "availability": self.availability,
            "latency_p95_ms": self.latency_p95_ms,
            "latency_target": self.latency_target,
            "days": self.days,
        }


def _percent(data: Mapping[str, Any], name: str, default: float | None) -> float | None:
    raw = data.get(name, default)
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, int | float) or not 0 < raw < 100:
        raise BadObjective(name, f"{name} must be a percent between 0 and 100 (exclusive)")
    return float(raw)


def parse(service: str, data: Mapping[str, Any]) -> Objective:
    """An objective from its JSON or TOML table; ``BadObjective`` names a bad part."""
    if not isinstance(data, Mapping):
        raise BadObjective(service, f"the objective of {service} must be a table")
    latency = data.get("latency_p95_ms")
    if latency is not None and latency not in LATENCY_BOUNDS_MS:
        bounds = ", ".join(map(str, LATENCY_BOUNDS_MS))
        raise BadObjective("latency_p95_ms", f"latency_p95_ms must be one of {bounds}")
    days = data.get("days", MAX_DAYS)
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_DAYS:
        raise BadObjective("days", f"days must be a whole number from 1 to {MAX_DAYS}")
    objective = Objective(
        service,
        _percent(data, "availability", None),
        latency,
        _percent(data, "latency_target", 99.0) or 99.0,
        days,
    )
    if objective.availability is None and objective.latency_p95_ms is None:
        raise BadObjective(service, "an objective needs availability or latency_p95_ms")
    return objective


def hour_of(ms: int) -> int:
    """The hour id (epoch ms // 1 h) that a window ending at ``ms`` is counted in."""
    return ms // HOUR_MS


def window_counts(services: Mapping[str, Mapping[str, float]]) -> dict[str, int]:
    """One window's per-service contributions to its hour: ``<service>|<counter>`` -> n."""
    counts: dict[str, int] = {}
    for service, vector in services.items():
        requests = round(vector.get("request_count", 0.0))
        if requests <= 0:
            continue
        counts[f"{service}|requests"] = requests
        counts[f"{service}|errors"] = round(requests * vector.get("error_rate_5xx", 0.0))
        counts[f"{service}|windows"] = 1
        p95 = vector.get("latency_p95", 0.0)
        for bound in LATENCY_BOUNDS_MS:
            if p95 > bound:
                counts[f"{service}|slow:{bound}"] = 1
    return counts


@dataclass(frozen=True)
class Budget:
    """One part (availability or latency) of an objective, as the view shows it."""

    kind: str
    target: float
    good: int
    total: int
    bad_last_hour: int
    total_last_hour: int

    def to_dict(self) -> dict[str, Any]:
        allowed = 1 - self.target / 100
        bad = self.total - self.good
        spent = bad / (allowed * self.total) if self.total else 0.0
        hour_share = self.bad_last_hour / self.total_last_hour if self.total_last_hour else 0.0
        return {
            "kind": self.kind,
            "target": self.target,
            "total": self.total,
            "bad": bad,
            "achieved": round(100 * self.good / self.total, 4) if self.total else None,
            "budget_left": round(1 - spent, 4),
            "burn_rate": round(hour_share / allowed, 2),
        }


def _sum(hours: Iterable[Mapping[str, int]], field: str) -> int:
    return sum(int(h.get(field, 0)) for h in hours)


def budgets(objective: Objective, hours: Mapping[int, Mapping[str, int]], now_ms: int) -> Any:
    """The objective with each part's budget, from its service's per-hour counts (hour id ->
    counter -> n, counters without the service prefix)."""
    first = hour_of(now_ms) - objective.days * 24 + 1
    period = [c for h, c in hours.items() if h >= first]
    last = [c for h, c in hours.items() if h >= hour_of(now_ms) - 1]
    parts = []
    if objective.availability is not None:
        total, errors = _sum(period, "requests"), _sum(period, "errors")
        part = Budget("availability", objective.availability, total - errors, total,
                      _sum(last, "errors"), _sum(last, "requests"))  # fmt: skip
        parts.append(part.to_dict())
    if objective.latency_p95_ms is not None:
        slow = f"slow:{objective.latency_p95_ms}"
        total = _sum(period, "windows")
        part = Budget("latency", objective.latency_target, total - _sum(period, slow), total,
                      _sum(last, slow), _sum(last, "windows"))  # fmt: skip
        parts.append(part.to_dict())
    return {**objective.to_dict(), "budgets": parts}
