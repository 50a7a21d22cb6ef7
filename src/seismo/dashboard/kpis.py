"""The KPIs view: every business and custom metric with its windows, bands and alerts.

Each metric comes with its mean and observations per window, its declared
``expected_range`` (business metrics that send one), the learned normal band of its
per-metric detector, the alerts raised on it (or naming it impacted) and the costs of the
incidents that moved it (``seismo.dashboard.cost``).
"""

from __future__ import annotations

from typing import Any

import redis

from seismo.dashboard.incident_report import Incident
from seismo.dashboard.incidents import report, scan
from seismo.dashboard.kpi_store import declared, learned, read_windows
from seismo.dashboard.streams import alert_item
from seismo.engine.keys import Keys

ALERT_FIELDS = ("id", "time", "window_start", "window_end", "severity", "status", "summary",
                "incident_id", "scope", "target")  # fmt: skip


def _about(alert: dict[str, Any], metric: str) -> bool:
    own = alert.get("scope") == "metric" and alert.get("target") == metric
    return own or metric in (alert.get("impacted") or [])


def _costs(rows: list[Incident], metric: str) -> list[dict[str, Any]]:
    return [
        {"incident_id": row.id, "opened": row.opened, "resolved": row.resolved, **row.cost}
        for row in rows
        if row.cost and row.cost.get("metric") == metric
    ]


def business_metrics(
    client: redis.Redis, keys: Keys, since: int, until: int, now_ms: int, window_ms: int
) -> dict[str, Any]:
    """The KPIs view's document for windows starting in [since, until)."""
    series = read_windows(client, keys, since, until)
    names = sorted(series.windows)
    ranges = declared(client, keys)
    normals = learned(client, keys, names)
    alerts = [a for f in scan(client, keys.anomalies, since) if (a := alert_item(f))]
    incidents = report(client, keys, since, until, now_ms, window_ms).rows
    items = []
    for name in names:
        declared_ = ranges.get(name)
        items.append({
            "name": name,
            "kind": "custom" if name in series.custom else "business",
            "unit": declared_.unit if declared_ else "",
            "expected_range": list(declared_.expected_range)
            if declared_ and declared_.expected_range else None,
            "normal": normals.get(name),
            "points": [[w.start, w.mean, w.count] for w in series.windows[name]],
            "alerts": [{k: a.get(k) for k in ALERT_FIELDS} for a in alerts if _about(a, name)],
            "costs": _costs(incidents, name),
        })  # fmt: skip
    return {"since": since, "until": until, "window_ms": window_ms, "items": items}
