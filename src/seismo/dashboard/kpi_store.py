"""Reading business KPIs out of Redis: their windows, declared ranges and learned normal.

A KPI's windows are its entries in the fingerprint stream (count and mean per window); its
``expected_range`` and unit (``metadata.currency``) are those of its newest event in the
business stream; its learned normal is the per-metric detector's state in
``metric-detectors`` (read as data: the smoothed normal of a window's mean and the smoothed
absolute deviation around it). Custom metrics (``<service>.<name>``) come through the
same windows.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import redis

from seismo.dashboard.cost import KpiWindow
from seismo.dashboard.streams import entries
from seismo.engine.connection import text
from seismo.engine.keys import Keys
from seismo.engine.shard_streams import newest_entries

PAGE = 1000
RECENT_EVENTS = 2000
"""Newest business events read for each KPI's declared range and unit."""
NORMAL_WIDTH = 2.5
"""The normal band is the learned normal plus or minus this many mean absolute deviations
of a window's mean (about two standard deviations)."""


@dataclass
class KpiSeries:
    """The windows of every metric seen in a span of fingerprints, and every window start."""

    starts: list[int] = field(default_factory=list)
    windows: dict[str, list[KpiWindow]] = field(default_factory=dict)
    custom: set[str] = field(default_factory=set)

    def add(self, start: int, metrics: dict[str, Any], services: Iterable[str]) -> None:
        self.starts.append(start)
        known = set(services)
        for name, summary in metrics.items():
            if not isinstance(summary, dict):
                continue
            count, mean = summary.get("count"), summary.get("mean")
            if isinstance(count, int | float) and isinstance(mean, int | float):
                self.windows.setdefault(name, []).append(KpiWindow(start, count, mean))
            if name.partition(".")[0] in known:
                self.custom.add(name)

    @property
    def business(self) -> list[str]:
        return sorted(set(self.windows) - self.custom)


def _json(text: str | None) -> Any:
    try:
        return json.loads(text or "{}")
    except ValueError:
        return {}


def read_windows(client: redis.Redis, keys: Keys, since: int, until: int) -> KpiSeries:
    """The metrics of the fingerprints of windows starting in [since, until), oldest first.

    Stream ids are close times, a little after each window's end, so the scan starts at
    ``since`` and stops past ``until`` by a margin a late close stays within."""
    series = KpiSeries()
    low, high = str(max(0, since)), str(max(0, until) + 60_000)
    while True:
        batch = entries(client.xrange(keys.fingerprints, min=low, max=high, count=PAGE))
        for _, fields in batch:
            start = int(fields.get("window_start") or 0)
            if since <= start < until:
                services = _json(fields.get("services"))
                series.add(start, _json(fields.get("metrics")), services)
        if len(batch) < PAGE:
            break
        low = "(" + batch[-1][0]
    series.starts.sort()
    return series


@dataclass(frozen=True)
class Declared:
    """What a KPI's newest event declares: its expected range and its unit."""

    expected_range: tuple[float, float] | None = None
    unit: str = ""


def declared(client: redis.Redis, keys: Keys) -> dict[str, Declared]:
    """Per business metric, the range and unit of its newest event among the recent ones
    (of every shard's business stream)."""
    found: dict[str, Declared] = {}
    recent = newest_entries(client, keys, lambda shard: shard.business_stream, RECENT_EVENTS)
    for _, fields in entries(recent):
        name = fields.get("metric_name")
        if not name or name in found:
            continue
        bounds = _json(fields.get("expected_range"))
        meta = _json(fields.get("metadata"))
        unit = meta.get("currency") or meta.get("unit") if isinstance(meta, dict) else ""
        ranged = (
            (float(bounds[0]), float(bounds[1]))
            if isinstance(bounds, list) and len(bounds) == 2
            else None
        )
        found[name] = Declared(ranged, str(unit or ""))
    return found


def learned(client: redis.Redis, keys: Keys, names: list[str]) -> dict[str, dict[str, float]]:
    """Per metric, the learned normal of a window's mean and its band (``low``, ``high``)."""
    if not names:
        return {}
    found = {}
    for name, raw in zip(names, client.hmget(keys.metric_detectors, names), strict=True):
        state = _json(None if raw is None else text(raw))
        normal = state.get("normal") if isinstance(state, dict) else None
        if not isinstance(normal, int | float):
            continue
        width = NORMAL_WIDTH * float(state.get("spread") or 0.0)
        found[name] = {"normal": normal, "low": normal - width, "high": normal + width}
    return found
