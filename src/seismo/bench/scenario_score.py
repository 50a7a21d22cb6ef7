"""Scoring a scenario run (pure): which injected faults were caught, how fast, how well told.

The scenario benchmark records what it injected (the faults, at known times), every alert as
it arrived (on the ``alerts`` channel and on the dashboard WebSocket, with the local arrival
time) and the fingerprints written meanwhile. This module turns those records into the
report: per fault kind, detected or not, the delay in windows from the onset window to the
first alert about a window of the fault, whether that alert names a right feature and
service, and the onset-to-WebSocket time; plus the false alarms of the normal stretch.
An alert raised early (from its window while still open) counts like any other: it is the
first alert when it came first, and an early alert withdrawn in the normal stretch is a
false alarm all the same.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from seismo.alert.decide import WITHDRAWN
from seismo.alert.model import AlertRecord
from seismo.demo.faults import Fault
from seismo.demo.system import SHOP, System, system_named
from seismo.fingerprint import features

LATENCY = features.of_kind(features.LATENCY)
TRAFFIC = features.of_kind(features.TRAFFIC)
KPI = frozenset(features.names_in(features.METRIC_SCOPE))
RIGHT_FEATURES: Mapping[str, frozenset[str]] = {
    "error-spike": features.of_kind(features.ERRORS, features.LOG_ERRORS),
    "latency-regression": LATENCY,
    "traffic-surge": TRAFFIC,
    "traffic-drop": TRAFFIC,
    "new-dependency": frozenset({"new_interactions", "distinct_endpoints"}),
    "slow-degradation": LATENCY,
    "kpi-drop": KPI,
    "service-down": TRAFFIC,
}
"""Features an explanation must name for each kind (any one of them)."""


def extra_targets(kind: str, system: System) -> frozenset[str]:
    """Targets right besides the faulty service: a surge or drop at the entry point moves
    every service alike (the system is as right as the entry), a new dependency may be named
    by its new callee, and a KPI drop by its metric."""
    extra = {
        "traffic-surge": {"system"},
        "traffic-drop": {"system"},
        "new-dependency": {system.new_dependency.service},
        "kpi-drop": {system.kpi.name},
    }
    return frozenset(extra.get(kind, set()))


RAISED = ("open", "update")
TARGET_DELAY_WINDOWS = 2
TARGET_FALSE_ALARMS_PER_HOUR = 1.0
TARGET_WS_MARGIN_MS = 500


@dataclass(frozen=True)
class Received:
    """One alert as it arrived: its JSON, the local arrival time, and the path it came by."""

    alert: AlertRecord
    at_ms: int
    via: str
    """``pubsub`` (the ``alerts`` channel) or ``ws`` (the dashboard WebSocket)."""


@dataclass(frozen=True)
class Record:
    """Everything a run observed, in epoch milliseconds."""

    faults: Sequence[Fault]
    received: Sequence[Received]
    normal_start_ms: int
    normal_end_ms: int
    window_ms: int
    end_ms: int
    """When the traffic stopped: later windows are empty, not part of the run."""
    fingerprints: Sequence[Mapping[str, Any]] = ()
    """Decoded fingerprint entries: ``window_start``, ``services``, ``metrics``."""
    system: str = SHOP.name
    """The simulated system's name (``seismo.demo.system.system_named``)."""


@dataclass(frozen=True)
class KindResult:
    """The verdict on one injected fault."""

    kind: str
    service: str
    detected: bool
    delay_windows: int | None = None
    explanation_ok: bool = False
    feature_ok: bool = False
    service_ok: bool = False
    scope: str | None = None
    target: str | None = None
    features: list[str] = field(default_factory=list)
    summary: str | None = None
    ws_latency_ms: int | None = None
    pubsub_latency_ms: int | None = None
    push_ms: int | None = None
    """From the end of the alerting window to the WebSocket: the pipeline's own share of
    ``ws_latency_ms`` (the grace period, closing, scoring, publishing, pushing)."""
    early: bool = False
    """The first alert was raised from its window while still open."""
    right_delay_windows: int | None = None
    """Delay of the first alert of the fault that was rightly explained (maybe a later one)."""
    moves: dict[str, dict[str, dict[str, float | None]]] = field(default_factory=dict)
    """Each right feature of the target and of the system vector: its normal median and its
    farthest value in the fault's first windows (``{"target" | "system": {feature: {...}}}``)."""
    as_far: float | None = None
    """The share of normal windows as far out as the fault went within the target delay, on
    its most telling right feature of the target or the system (``separability``): above 0,
    the fault was still inside the noise when it had to be named."""
    beyond_normal: int | None = None
    """The window after the onset where the target first went farther out than every normal
    window did (``beyond_normal``); None: never while the fault lasted."""


def window_of(timestamp_ms: int, window_ms: int) -> int:
    return timestamp_ms // window_ms


def feature_named(kind: str, alert: AlertRecord) -> bool:
    """True when the explanation of ``alert`` names a right feature for a ``kind`` fault."""
    features = {str(item.get("feature")) for item in alert.get("explanation") or []}
    return bool(features & RIGHT_FEATURES[kind])


def target_named(kind: str, service: str, alert: AlertRecord, system: System = SHOP) -> bool:
    """True when ``alert`` names a right target: the faulty service (also as the system
    alert's most moved service) or a target right for the kind."""
    targets = {service} | extra_targets(kind, system)
    summary = str(alert.get("summary") or "")
    return alert.get("target") in targets or (
        alert.get("scope") == "system" and f"most moved service: {service})" in summary
    )


def explanation_ok(kind: str, service: str, alert: AlertRecord, system: System = SHOP) -> bool:
    """True when ``alert`` names a right feature and a right target for a ``kind`` fault."""
    return feature_named(kind, alert) and target_named(kind, service, alert, system)


def _raised_in(
    received: Iterable[Received], first_w: int, end_w: int, window_ms: int
) -> list[Received]:
    """Open/update alerts from the ``alerts`` channel about windows ``[first_w, end_w)``,
    by window then arrival."""
    found = [
        r
        for r in received
        if r.via == "pubsub"
        and r.alert.get("status") in RAISED
        and first_w <= window_of(int(r.alert.get("window_start", 0)), window_ms) < end_w
    ]
    return sorted(found, key=lambda r: (int(r.alert["window_start"]), r.at_ms))


def _arrival(received: Iterable[Received], alert_id: object, via: str) -> int | None:
    times = [r.at_ms for r in received if r.via == via and r.alert.get("id") == alert_id]
    return min(times, default=None)


def kind_result(fault: Fault, record: Record) -> KindResult:
    """The verdict on ``fault``: its first alert, how late, how explained, how fast pushed."""
    onset_w = window_of(fault.start_ms, record.window_ms)
    end_w = window_of(fault.end_ms - 1, record.window_ms) + 1
    raised = _raised_in(record.received, onset_w, end_w, record.window_ms)
    moves = feature_moves(fault, record)
    as_far = separability(moves)
    beyond = beyond_normal(fault, record)
    if not raised:
        return KindResult(
            fault.kind, fault.service, False, moves=moves, as_far=as_far, beyond_normal=beyond
        )
    first = raised[0].alert
    system = system_named(record.system)
    right = [r for r in raised if explanation_ok(fault.kind, fault.service, r.alert, system)]
    ws = _arrival(record.received, first.get("id"), "ws")
    return KindResult(
        kind=fault.kind,
        service=fault.service,
        detected=True,
        delay_windows=window_of(int(first["window_start"]), record.window_ms) - onset_w,
        explanation_ok=explanation_ok(fault.kind, fault.service, first, system),
        feature_ok=feature_named(fault.kind, first),
        service_ok=target_named(fault.kind, fault.service, first, system),
        scope=str(first.get("scope")),
        target=str(first.get("target")),
        features=[str(item.get("feature")) for item in first.get("explanation") or []],
        summary=str(first.get("summary")),
        ws_latency_ms=None if ws is None else ws - fault.start_ms,
        pubsub_latency_ms=raised[0].at_ms - fault.start_ms,
        push_ms=None if ws is None else ws - int(first.get("window_end", 0)),
        early=bool(first.get("early")),
        right_delay_windows=(
            window_of(int(right[0].alert["window_start"]), record.window_ms) - onset_w
            if right
            else None
        ),
        moves=moves,
        as_far=as_far,
        beyond_normal=beyond,
    )


def _vectors(
    fault: Fault, fingerprint: Mapping[str, Any], kpi_name: str
) -> dict[str, Mapping[str, Any]]:
    """The values a fault should move: its service's vector (the KPI's for a KPI drop) and
    the system vector."""
    system = fingerprint.get("system") or {}
    if fault.kind == "kpi-drop":
        metric = (fingerprint.get("metrics") or {}).get(kpi_name) or {}
        kpi = {
            "business_value": metric.get("mean"),
            "business_out_of_range": metric.get("out_of_range"),
        }
        return {"target": kpi, "system": system}
    return {
        "target": (fingerprint.get("services") or {}).get(fault.service) or {},
        "system": system,
    }


def _rows(
    fault: Fault, record: Record
) -> tuple[list[dict[str, Mapping[str, Any]]], list[tuple[int, dict[str, Mapping[str, Any]]]]]:
    """The vectors ``_vectors`` picks from each window of the normal stretch, and from each
    window of the fault (with its window number after the onset), in order."""
    normal_w = (
        window_of(record.normal_start_ms, record.window_ms),
        window_of(record.normal_end_ms, record.window_ms),
    )
    onset_w = window_of(fault.start_ms, record.window_ms)
    end_w = window_of(fault.end_ms - 1, record.window_ms)
    kpi_name = system_named(record.system).kpi.name
    normal, fault_rows = [], []
    for fingerprint in record.fingerprints:
        w = window_of(int(fingerprint.get("window_start", 0)), record.window_ms)
        if normal_w[0] <= w < normal_w[1]:
            normal.append(_vectors(fault, fingerprint, kpi_name))
        elif onset_w <= w <= end_w:
            fault_rows.append((w - onset_w, _vectors(fault, fingerprint, kpi_name)))
    return normal, sorted(fault_rows, key=lambda row: row[0])


def _right_names(kind: str) -> list[str]:
    return sorted(RIGHT_FEATURES[kind] - {"value", "out_of_range"})


def feature_moves(fault: Fault, record: Record) -> dict[str, dict[str, dict[str, float | None]]]:
    """Each right feature of the fault's target and of the system: its median over the
    normal stretch and its farthest value in the fault's first windows (what a detector had
    to see within the target delay)."""
    normal, rows = _rows(fault, record)
    fault_rows = [v for after, v in rows if after <= TARGET_DELAY_WINDOWS]
    return {
        where: {name: _move([v[where] for v in normal], [v[where] for v in fault_rows], name)
                for name in _right_names(fault.kind)}
        for where in ("target", "system")
    }  # fmt: skip


def beyond_normal(fault: Fault, record: Record) -> int | None:
    """The first window after the onset (0: the onset's own) where a right feature of the
    target went farther from its normal median than every window of the normal stretch did
    (None: it never did while the fault lasted). A creeping fault cannot be named before
    it leaves the noise; the delay after this window is what a detector adds."""
    normal, rows = _rows(fault, record)
    usual = {
        name: _numbers([v["target"] for v in normal], name) for name in _right_names(fault.kind)
    }
    medians = {name: statistics.median(values) for name, values in usual.items() if values}
    for after, vectors in rows:
        for name, median in medians.items():
            value = vectors["target"].get(name)
            if isinstance(value, int | float) and _share_as_far(usual[name], median, value) == 0:
                return after
    return None


def _numbers(vectors: Iterable[Mapping[str, Any]], name: str) -> list[float]:
    return [float(v[name]) for v in vectors if isinstance(v.get(name), int | float)]


def _move(
    normal: Sequence[Mapping[str, Any]], fault: Sequence[Mapping[str, Any]], name: str
) -> dict[str, float | None]:
    """``name``'s normal median, its value in the fault's first windows farthest from it (a
    new interaction shows in one window only; a drop goes down), and ``as_far``: the share
    of normal windows at least that far out the same way. When normal windows went as far
    as the fault did within the target delay, no detector could have named it in time
    without also paging on them: the fault was still inside the noise."""
    usual = _numbers(normal, name)
    median = statistics.median(usual) if usual else None
    seen = _numbers(fault, name)
    farthest = max(seen, key=lambda x: abs(x - (median or 0.0)), default=None)
    return {
        "normal": None if median is None else round(median, 4),
        "fault": None if farthest is None else round(farthest, 4),
        "as_far": _share_as_far(usual, median, farthest),
    }


def _share_as_far(
    usual: Sequence[float], median: float | None, farthest: float | None
) -> float | None:
    """The share of ``usual`` values at least as far past ``median`` as ``farthest`` is, on
    its side (None without both)."""
    if median is None or farthest is None or not usual:
        return None
    way = 1.0 if farthest >= median else -1.0
    reach = way * (farthest - median)
    return round(sum(way * (x - median) >= reach for x in usual) / len(usual), 4)


def separability(moves: Mapping[str, Mapping[str, Mapping[str, float | None]]]) -> float | None:
    """The smallest ``as_far`` share over the right features of the target and of the
    system (a new dependency shows in the system's new interactions, not its caller's): how
    much of the normal stretch reached as far as the fault's most telling feature did in
    time."""
    shares = [
        share
        for where in moves.values()
        for move in where.values()
        if (share := move.get("as_far")) is not None
    ]
    return min(shares, default=None)


def false_alarms(record: Record) -> int:
    """Incidents opened about windows of the normal stretch (no fault was active)."""
    first_w = window_of(record.normal_start_ms, record.window_ms)
    end_w = window_of(record.normal_end_ms, record.window_ms)
    raised = _raised_in(record.received, first_w, end_w, record.window_ms)
    return sum(1 for r in raised if r.alert.get("status") == "open")


def opens_outside_faults(record: Record) -> int:
    """Incidents opened after the normal stretch about a window no fault was active in:
    echoes of a fault after it ended, or false alarms between faults."""
    during = [
        (window_of(f.start_ms, record.window_ms), window_of(f.end_ms - 1, record.window_ms))
        for f in record.faults
    ]
    first_w = window_of(record.normal_end_ms, record.window_ms)
    raised = _raised_in(record.received, first_w, _end_w(record), record.window_ms)
    return sum(
        1
        for r in raised
        if r.alert.get("status") == "open"
        and not any(a <= window_of(int(r.alert["window_start"]), record.window_ms) <= b
                    for a, b in during)
    )  # fmt: skip


def timeline(record: Record) -> list[dict[str, Any]]:
    """Every alert of the ``alerts`` channel, briefly, for whoever improves the detector."""
    return [
        {
            "window_start": r.alert.get("window_start"),
            "status": r.alert.get("status"),
            "origin": f"{r.alert.get('scope')}:{r.alert.get('target')}",
            "summary": r.alert.get("summary"),
        }
        for r in _raised_in(record.received, 0, _end_w(record), record.window_ms)
    ]


def _end_w(record: Record) -> int:
    return window_of(record.end_ms, record.window_ms)


def not_pushed(received: Sequence[Received]) -> list[Received]:
    """The alerts heard on the ``alerts`` channel whose incident was never heard on ``/ws``."""
    pushed = {r.alert.get("id") for r in received if r.via == "ws"}
    return [r for r in received if r.via == "pubsub" and r.alert.get("id") not in pushed]


def ws_missing(record: Record) -> list[dict[str, Any]]:
    """Alerts of the run heard on the ``alerts`` channel but never pushed on ``/ws``."""
    return [
        {
            "id": r.alert.get("id"),
            "window_start": r.alert.get("window_start"),
            "status": r.alert.get("status"),
        }
        for r in not_pushed(record.received)
        if window_of(int(r.alert.get("window_start", 0)), record.window_ms) < _end_w(record)
    ]


def early_counts(record: Record) -> dict[str, int]:
    """Alerts of the run raised early, and early incidents withdrawn when their window closed."""
    heard = [r.alert for r in record.received if r.via == "pubsub"]
    return {
        "raised": sum(1 for a in heard if a.get("early")),
        "withdrawn": sum(1 for a in heard if str(a.get("summary", "")).startswith(WITHDRAWN)),
    }


def per_hour(count: int, span_ms: int) -> float:
    return round(count * 3_600_000 / span_ms, 2) if span_ms > 0 else 0.0


def summarise(record: Record) -> dict[str, Any]:
    """The benchmark's JSON: per kind, false alarms per hour, onset-to-WebSocket time."""
    kinds = [kind_result(fault, record) for fault in record.faults]
    ws = [k.ws_latency_ms for k in kinds if k.ws_latency_ms is not None]
    push = [k.push_ms for k in kinds if k.push_ms is not None]
    alarms = false_alarms(record)
    span_ms = record.normal_end_ms - record.normal_start_ms
    ws_target = TARGET_DELAY_WINDOWS * record.window_ms + TARGET_WS_MARGIN_MS
    return {
        "kinds": [vars(k) for k in kinds],
        "false_alarms": alarms,
        "normal_minutes": round(span_ms / 60_000, 2),
        "false_alarms_per_hour": per_hour(alarms, span_ms),
        "ws_latency_ms": int(statistics.median(ws)) if ws else None,
        "ws_latency_max_ms": max(ws, default=None),
        "push_ms": int(statistics.median(push)) if push else None,
        "opens_outside_faults": opens_outside_faults(record),
        "early_alerts": early_counts(record),
        "ws_missing": ws_missing(record),
        "faults": [vars(f) for f in record.faults],
        "alerts": timeline(record),
        "targets": {
            "delay_windows": TARGET_DELAY_WINDOWS,
            "false_alarms_per_hour": TARGET_FALSE_ALARMS_PER_HOUR,
            "ws_latency_ms": ws_target,
        },
        "met": {
            "detection": all(
                k.detected and k.explanation_ok and (k.delay_windows or 0) <= TARGET_DELAY_WINDOWS
                for k in kinds
            ),
            "false_alarms": per_hour(alarms, span_ms) <= TARGET_FALSE_ALARMS_PER_HOUR,
            "ws_latency": bool(ws) and max(ws) < ws_target,
        },
    }


def worst_of(summaries: Mapping[int, Mapping[str, Any]]) -> dict[str, Any]:
    """Over several seeds' summaries: per kind the worst outcome (undetected, then the
    longest delay, an unexplained first alert in any seed), and the most false alarms."""
    kinds: dict[str, dict[str, Any]] = {}
    for seed, summary in sorted(summaries.items()):
        for k in summary["kinds"]:
            row = kinds.setdefault(
                k["kind"], {"kind": k["kind"], "detected": True, "delay_windows": 0,
                            "explained": True, "worst_seed": seed}
            )  # fmt: skip
            delay = k["delay_windows"] if k["detected"] else None
            if row["delay_windows"] is not None and (delay is None or delay > row["delay_windows"]):
                row.update(delay_windows=delay, detected=delay is not None, worst_seed=seed)
            row["explained"] = row["explained"] and bool(k["explanation_ok"])
    alarms = {seed: s["false_alarms_per_hour"] for seed, s in summaries.items()}
    return {
        "kinds": list(kinds.values()),
        "false_alarms_per_hour": max(alarms.values(), default=0.0),
        "false_alarms_per_hour_by_seed": alarms,
        "caught_in_time_and_explained": sum(
            1
            for row in kinds.values()
            if row["detected"] and row["explained"] and row["delay_windows"] <= TARGET_DELAY_WINDOWS
        ),
    }
