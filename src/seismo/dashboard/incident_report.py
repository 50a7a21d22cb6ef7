"""The incident report: one row per incident, and the figures an on-call lead reads weekly.

Pure: the rows are folded from an incident's alerts (``open``, ``update``s, ``resolved``) and
the operators' marks; the figures (incidents per day and per service, mean and p90 time to
acknowledge and to resolve, false-alarm share, noisiest origins) from the rows. The
dashboard (``GET /api/incidents``) and ``seismo report`` read Redis and call these.

Times are the alerts' own: an incident opens at its ``open`` alert's time and is resolved at
its ``resolved`` alert's time, which comes after the detector's quiet period
(``SEISMO_RESOLVE_SECONDS``), so MTTR includes that confirmation.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from seismo.alert.model import SEVERITIES, AlertRecord

NOISIEST = 5
"""Origins listed among the noisiest."""


@dataclass(frozen=True)
class Mark:
    """What operators said of an incident: its first acknowledgement, and its last mark."""

    acknowledged_at: int | None = None
    acknowledged_by: str = ""
    outcome: str | None = None


@dataclass(frozen=True)
class Incident:
    """One incident as the report shows it."""

    id: str
    origin: str
    """``scope:target`` named by its first alert."""
    severity: str
    summary: str
    opened: int
    """Epoch ms of its first alert."""
    window_start: int
    """Start of the first window it covers."""
    impacted: tuple[str, ...] = ()
    resolved: int | None = None
    acknowledged_at: int | None = None
    acknowledged_by: str = ""
    false_alarm: bool = False
    suppressed: bool = False
    alerts: int = 1
    cost: Mapping[str, Any] | None = None

    @property
    def touched(self) -> tuple[str, ...]:
        """What it touched: its origin (unless the whole system), then the impacted services
        and metrics."""
        scope, _, target = self.origin.partition(":")
        return tuple(dict.fromkeys([*([target] if scope != "system" else []), *self.impacted]))

    @property
    def duration_s(self) -> float | None:
        return None if self.resolved is None else (self.resolved - self.opened) / 1000

    @property
    def time_to_acknowledge_s(self) -> float | None:
        at = self.acknowledged_at
        return None if at is None else max(0.0, (at - self.opened) / 1000)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "origin": self.origin,
            "severity": self.severity,
            "summary": self.summary,
            "opened": self.opened,
            "window_start": self.window_start,
            "impacted": list(self.impacted),
            "resolved": self.resolved,
            "duration_s": self.duration_s,
            "acknowledged_at": self.acknowledged_at,
            "acknowledged_by": self.acknowledged_by or None,
            "time_to_acknowledge_s": self.time_to_acknowledge_s,
            "false_alarm": self.false_alarm,
            "suppressed": self.suppressed,
            "alerts": self.alerts,
            "cost": dict(self.cost) if self.cost else None,
        }


def _origin(alert: AlertRecord) -> str:
    return f"{alert.get('scope')}:{alert.get('target')}"


def _fold(incident: Incident, alert: AlertRecord) -> Incident:
    """``incident`` with one more of its alerts (in time order) applied."""
    level = max(incident.severity, str(alert.get("severity")), key=_severity_rank)
    impacted = [*incident.impacted, *map(str, alert.get("impacted") or [])]
    if _origin(alert) != incident.origin and alert.get("scope") != "system":
        impacted.append(str(alert.get("target")))
    resolved = int(alert["time"]) if alert.get("status") == "resolved" else incident.resolved
    return replace(
        incident,
        severity=level,
        impacted=tuple(dict.fromkeys(impacted)),
        resolved=resolved,
        alerts=incident.alerts + 1,
    )


def _severity_rank(severity: str) -> int:
    return SEVERITIES.index(severity) if severity in SEVERITIES else -1


def _start(alert: AlertRecord) -> Incident:
    return Incident(
        id=str(alert.get("incident_id") or alert["id"]),
        origin=_origin(alert),
        severity=str(alert.get("severity")),
        summary=str(alert.get("summary") or ""),
        opened=int(alert["time"]),
        window_start=int(alert.get("window_start") or alert["time"]),
        impacted=tuple(map(str, alert.get("impacted") or [])),
        resolved=int(alert["time"]) if alert.get("status") == "resolved" else None,
        suppressed=alert.get("suppressed_by") is not None,
    )


def incidents(alerts: Iterable[AlertRecord], marks: Mapping[str, Mark]) -> list[Incident]:
    """The incidents of ``alerts`` (any order), oldest first, with their operators' marks.

    An incident whose first alert here is not its ``open`` one opened before these alerts:
    it is left out (the report covers incidents opened in its period)."""
    found: dict[str, Incident] = {}
    partial: set[str] = set()
    for alert in sorted(alerts, key=lambda a: (int(a["time"]), a.get("status") == "resolved")):
        key = str(alert.get("incident_id") or alert["id"])
        if key not in found and alert.get("status") != "open":
            partial.add(key)
        found[key] = _fold(found[key], alert) if key in found else _start(alert)
    rows = [i for key, i in found.items() if key not in partial]
    return [_marked(i, marks.get(i.id, Mark())) for i in rows]


def _marked(incident: Incident, mark: Mark) -> Incident:
    return replace(
        incident,
        acknowledged_at=mark.acknowledged_at,
        acknowledged_by=mark.acknowledged_by,
        false_alarm=mark.outcome == "false_alarm",
    )


def marks_from(events: Iterable[Mapping[str, str]], outcomes: Mapping[str, str]) -> dict[str, Mark]:
    """Each incident's first acknowledgement (from ``feedback-stream`` events, oldest first)
    and its current mark (the ``alert-feedback`` hash)."""
    acks: dict[str, Mark] = {}
    for event in events:
        incident = event.get("incident_id", "")
        if event.get("feedback") == "acknowledged" and incident not in acks:
            acks[incident] = Mark(int(event.get("time") or 0), event.get("by") or "")
    ids = acks.keys() | outcomes.keys()
    return {i: replace(acks.get(i, Mark()), outcome=outcomes.get(i)) for i in ids}


def percentile(values: list[float], q: float) -> float | None:
    """The ``q`` quantile (linear between closest ranks), None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    at = q * (len(ordered) - 1)
    low = math.floor(at)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (at - low)


def _timing(values: list[float]) -> dict[str, float | int | None]:
    mean = sum(values) / len(values) if values else None
    p90 = percentile(values, 0.9)
    return {
        "count": len(values),
        "mean_s": None if mean is None else round(mean, 1),
        "p90_s": None if p90 is None else round(p90, 1),
    }


def _day(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d")


@dataclass(frozen=True)
class Report:
    """The incidents of a period and their figures."""

    since: int
    until: int
    rows: list[Incident] = field(default_factory=list)

    def figures(self) -> dict[str, Any]:
        rows = self.rows
        acked = [t for i in rows if (t := i.time_to_acknowledge_s) is not None]
        resolved = [d for i in rows if (d := i.duration_s) is not None]
        false_alarms = sum(i.false_alarm for i in rows)
        per_service = Counter(s for i in rows for s in i.touched)
        origins = Counter(i.origin for i in rows).most_common(NOISIEST)
        return {
            "incidents": len(rows),
            "per_day": dict(sorted(Counter(_day(i.opened) for i in rows).items())),
            "per_service": dict(per_service.most_common()),
            "mtta": _timing(acked),
            "mttr": _timing(resolved),
            "false_alarms": false_alarms,
            "false_alarm_share": round(false_alarms / len(rows), 4) if rows else None,
            "noisiest_origins": [{"origin": o, "incidents": n} for o, n in origins],
            "cost": _costs(rows),
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "since": self.since,
            "until": self.until,
            "figures": self.figures(),
            "items": [i.to_dict() for i in reversed(self.rows)],
        }


def _overlapping(rows: list[Incident]) -> list[list[Incident]]:
    """The costed incidents in groups that overlap in time (open, or until resolved)."""
    groups: list[list[Incident]] = []
    end = -1
    for row in sorted((r for r in rows if r.cost), key=lambda r: r.window_start):
        if not groups or row.window_start >= end:
            groups.append([])
            end = -1
        groups[-1].append(row)
        end = max(end, row.resolved or 2**62)
    return groups


def _costs(rows: list[Incident]) -> list[dict[str, Any]]:
    """Per KPI and direction (below or above normal), the summed estimated impact of the
    incidents that moved it: a surge's gain does not hide an outage's loss. Incidents that
    overlap in time see the same drop, so each group of them counts once, by its largest
    figure."""
    totals: dict[tuple[str, str, str], dict[str, Any]] = {}
    for group in _overlapping(rows):
        largest: dict[tuple[str, str, str], float] = {}
        for row in group:
            assert row.cost is not None
            impact = float(row.cost["impact"])
            key = (str(row.cost["metric"]), str(row.cost["unit"]),
                   "below" if impact < 0 else "above")  # fmt: skip
            largest[key] = max(largest.get(key, 0.0), impact, key=abs)
        for key, impact in largest.items():
            entry = totals.setdefault(key, {"metric": key[0], "unit": key[1], "direction": key[2],
                                            "impact": 0.0, "incidents": 0})  # fmt: skip
            entry["impact"] = round(entry["impact"] + impact, 2)
            entry["incidents"] += sum(1 for r in group if r.cost and r.cost["metric"] == key[0])
    return list(totals.values())


def in_period(rows: Iterable[Incident], since: int, until: int) -> list[Incident]:
    """The incidents opened in [since, until]."""
    return [i for i in rows if since <= i.opened <= until]


def _clock(ms: int | None) -> str:
    if ms is None:
        return "-"
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d %H:%M:%S")


def _span(seconds: float | int | None) -> str:
    """``4m 05s``, ``1h 02m``, ``-``."""
    if seconds is None:
        return "-"
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}h {minutes:02d}m" if hours else f"{minutes}m {secs:02d}s"


def markdown(document: Mapping[str, Any]) -> str:
    """The report (``Report.to_dict``) as Markdown, for a stand-up or a ticket."""
    figures = document["figures"]
    mtta, mttr = figures["mtta"], figures["mttr"]
    share = figures["false_alarm_share"]
    lines = [
        f"# Incidents {_clock(document['since'])} to {_clock(document['until'])} UTC",
        "",
        f"- Incidents: {figures['incidents']}",
        f"- MTTA: mean {_span(mtta['mean_s'])}, p90 {_span(mtta['p90_s'])} "
        f"({mtta['count']} acknowledged)",
        f"- MTTR: mean {_span(mttr['mean_s'])}, p90 {_span(mttr['p90_s'])} "
        f"({mttr['count']} resolved)",
        f"- False alarms: {figures['false_alarms']}"
        + ("" if share is None else f" ({100 * share:.0f} %)"),
        "- Per day: " + (", ".join(f"{d} {n}" for d, n in figures["per_day"].items()) or "-"),
        "- Per service: "
        + (", ".join(f"{s} {n}" for s, n in figures["per_service"].items()) or "-"),
        "- Noisiest origins: "
        + (", ".join(f"{o['origin']} {o['incidents']}" for o in figures["noisiest_origins"])
           or "-"),
    ]  # fmt: skip
    for cost in figures["cost"]:
        lines.append(f"- Estimated {cost['metric']} {cost['direction']} normal: "
                     f"{abs(cost['impact']):,.0f} {cost['unit']} over {cost['incidents']} "
                     "incident(s)")  # fmt: skip
    lines += ["", "| opened | origin | severity | impacted | acknowledged | resolved | duration "
              "| false alarm | cost |", "|---|---|---|---|---|---|---|---|---|"]  # fmt: skip
    for row in document["items"]:
        acked = "-"
        if row["acknowledged_at"] is not None:
            who = f" by {row['acknowledged_by']}" if row["acknowledged_by"] else ""
            acked = f"after {_span(row['time_to_acknowledge_s'])}{who}"
        cost = row["cost"]["text"] if row["cost"] else "-"
        lines.append(
            f"| {_clock(row['opened'])} | {row['origin']} | {row['severity']} "
            f"| {', '.join(row['impacted']) or '-'} | {acked} | {_clock(row['resolved'])} "
            f"| {_span(row['duration_s'])} | {'yes' if row['false_alarm'] else 'no'} | {cost} |"
        )
    return "\n".join(lines) + "\n"
