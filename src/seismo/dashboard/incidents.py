"""The incident report read from Redis: alerts, operators' marks, and each incident's cost.

The alerts are the ``anomalies`` stream's from a little before ``since`` (so an incident in
the period finds its neighbours, which are kept out of its KPIs' baseline); the first
acknowledgement of each incident, with who gave it, comes from ``feedback-stream`` and the
current mark from ``alert-feedback``. A resolved incident's cost is computed once and kept
in ``incident-costs``; an open one's is computed again on each read.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace

import redis

from seismo.dashboard.cost import BASELINE_S, MIN_BASELINE, Cost, KpiWindow, estimate, filled
from seismo.dashboard.incident_report import Incident, Report, in_period, incidents, marks_from
from seismo.dashboard.kpi_store import declared, read_windows
from seismo.dashboard.streams import Fields, alert_item, entries
from seismo.engine.keys import Keys

PAGE = 1000
SETTLE_MS = 3_600_000
"""How far back the background task looks for resolved incidents without a stored cost."""
LONGEST_S = 6 * 3600
"""An incident's cost covers at most its first six hours of windows."""


def scan(client: redis.Redis, stream: str, since: int) -> Iterator[Fields]:
    """Every entry of ``stream`` from id ``since`` on, oldest first, a page at a time."""
    low = str(max(0, since))
    while True:
        batch = entries(client.xrange(stream, min=low, count=PAGE))
        for _, fields in batch:
            yield fields
        if len(batch) < PAGE:
            return
        low = "(" + batch[-1][0]


def report(
    client: redis.Redis,
    keys: Keys,
    since: int,
    until: int,
    now_ms: int,
    window_ms: int,
    *,
    open_costs: bool = True,
) -> Report:
    """The incidents opened in [since, until], with their marks and costs (of the open ones
    too unless ``open_costs`` is False)."""
    early = since - BASELINE_S * 1000
    alerts = [a for f in scan(client, keys.anomalies, early) if (a := alert_item(f))]
    events = list(scan(client, keys.feedback_stream, early))
    everything = incidents(alerts, {})
    ids = [i.id for i in everything]
    values = client.hmget(keys.alert_feedback, ids) if ids else []
    outcomes = {i: str(v) for i, v in zip(ids, values, strict=True) if v is not None}
    marks = marks_from(events, outcomes)
    rows = in_period(incidents(alerts, marks), since, until)
    costed = Costing(client, keys, everything, now_ms, window_ms)
    return Report(
        since, until, [costed.with_cost(r) if open_costs or r.resolved else r for r in rows]
    )


def settle_costs(client: redis.Redis, keys: Keys, now_ms: int, window_ms: int) -> None:
    """Estimate and store the cost of each incident resolved lately (the background task),
    so that its alerts carry it in ``/api/anomalies``."""
    report(client, keys, now_ms - SETTLE_MS, now_ms, now_ms, window_ms, open_costs=False)


class Costing:
    """Each incident's cost, from its KPIs' windows, the other incidents kept out."""

    def __init__(
        self, client: redis.Redis, keys: Keys, rows: list[Incident], now_ms: int, window_ms: int
    ) -> None:
        self.client, self.keys = client, keys
        self.rows, self.now_ms, self.window_ms = rows, now_ms, window_ms
        self._units: dict[str, str] | None = None

    def with_cost(self, row: Incident) -> Incident:
        """``row`` with its cost: the stored one, else computed (and stored once resolved)."""
        cached = self.client.hget(self.keys.incident_costs, row.id)
        if cached is not None:
            cost = json.loads(cached)
        else:
            found = self.cost(row)
            cost = None if found is None else found.to_dict()
            if row.resolved is not None:
                self.client.hset(self.keys.incident_costs, row.id, json.dumps(cost))
        return replace(row, cost=cost)

    def units(self) -> dict[str, str]:
        """Each KPI's unit, read once per report."""
        if self._units is None:
            self._units = {n: d.unit for n, d in declared(self.client, self.keys).items()}
        return self._units

    def _busy(self, start: int, row: Incident) -> bool:
        """Whether the window starting at ``start`` lies in another incident."""
        return any(
            other.id != row.id and other.window_start <= start < (other.resolved or self.now_ms)
            for other in self.rows
        )

    def cost(self, row: Incident) -> Cost | None:
        """The most clearly moved business KPI's impact during ``row``, or None. The baseline
        leaves out the windows of other incidents, unless too few would remain (an incident
        left open for hours would otherwise leave none)."""
        begin = row.window_start - BASELINE_S * 1000
        end = min(row.resolved or self.now_ms, row.window_start + LONGEST_S * 1000)
        series = read_windows(self.client, self.keys, begin, end)
        preceding = [s for s in series.starts if s < row.window_start]
        before = [s for s in preceding if not self._busy(s, row)]
        if len(before) < MIN_BASELINE:
            before = preceding
        during = [s for s in series.starts if s >= row.window_start]
        best: Cost | None = None
        for metric in series.business:
            windows: list[KpiWindow] = series.windows[metric]
            found = estimate(
                metric,
                self.units().get(metric, ""),
                filled(windows, before),
                filled(windows, during),
                self.window_ms,
            )
            if found and (best is None or _clearness(found) > _clearness(best)):
                best = found
        return best


def _clearness(cost: Cost) -> float:
    return abs(cost.impact) / max(cost.uncertainty, 1e-9)
