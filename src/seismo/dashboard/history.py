"""The read side of the dashboard: fingerprints, alerts with their feedback, logs, marks.

Each function takes the ``Context`` and checked ``Filters`` and returns JSON-able data; the
routes only translate it to HTTP.
"""

from __future__ import annotations

import json
from typing import Any

from seismo.alert.memory import incident_of
from seismo.dashboard.context import Context
from seismo.dashboard.params import BadRequest, Filters
from seismo.dashboard.search import (
    alert_matches,
    in_range,
    log_matches,
    search_documents,
    search_query,
)
from seismo.dashboard.streams import (
    Fields,
    alert_item,
    fingerprint_item,
    id_bounds,
    log_item,
    scan_newest,
    scan_newest_of,
)

Item = dict[str, Any]


def refresh_alerts(ctx: Context) -> list[Item]:
    """Bring the alert copies and the incident memory up to date; return new alerts."""
    alerts = ctx.indexer().catch_up_alerts()
    if ctx.capabilities().vector_sets:
        for alert in alerts:
            ctx.memory.remember(alert)
    return alerts


def refresh(ctx: Context) -> None:
    """Bring every search copy and the incident memory up to date (the background task)."""
    refresh_alerts(ctx)
    ctx.indexer().catch_up_logs()


def _only_service(item: Item, service: str | None) -> Item:
    if service is None:
        return item
    services = item["services"] if isinstance(item["services"], dict) else {}
    return {**item, "services": {service: services[service]} if service in services else {}}


def fingerprints(ctx: Context, filters: Filters) -> list[Item]:
    """Fingerprints newest first, by ``window_end``; ``service`` narrows ``services``."""

    def keep(entry_id: str, fields: Fields) -> Item | None:
        item = fingerprint_item(entry_id, fields)
        if item is None or not in_range(item["window_end"], filters):
            return None
        return _only_service(item, filters.service)

    bounds = id_bounds(filters.since)
    return scan_newest(ctx.client, ctx.keys.fingerprints, bounds, keep, filters.limit)


def enrich(ctx: Context, alerts: list[Item]) -> list[Item]:
    """Each alert with its operator ``feedback``, its ``similar`` past incidents and its
    incident's ``cost`` once the incident report has estimated it."""
    marks = ctx.memory.outcomes(incident_of(alert) for alert in alerts)
    costs = _costs(ctx, [incident_of(alert) for alert in alerts])
    with_vectors = ctx.capabilities().vector_sets
    enriched = []
    for alert in alerts:
        similar = alert.get("similar") or []
        if with_vectors and not similar:
            similar = [p.to_dict() for p in ctx.memory.similar(alert)]
        incident = incident_of(alert)
        enriched.append({**alert, "feedback": marks.get(incident), "similar": similar,
                         "cost": costs.get(incident)})  # fmt: skip
    return enriched


def _costs(ctx: Context, incidents: list[str]) -> dict[str, Any]:
    """The stored cost estimates of these incidents (those with one)."""
    ids = list(dict.fromkeys(incidents))
    values = ctx.client.hmget(ctx.keys.incident_costs, ids) if ids else []
    found = {i: json.loads(v) for i, v in zip(ids, values, strict=True) if v is not None}
    return {i: cost for i, cost in found.items() if cost}


def anomalies(ctx: Context, filters: Filters) -> list[Item]:
    """Alerts newest first; ``q`` searches summaries and explanations."""
    refresh_alerts(ctx)
    if filters.q and ctx.capabilities().search:
        tags = {"services": filters.service, "severity": filters.severity}
        query = search_query(filters, tags)
        found = search_documents(ctx.client, ctx.keys.alert_index, query, filters.limit)
    else:

        def keep(_: str, fields: Fields) -> Item | None:
            alert = alert_item(fields)
            return alert if alert is not None and alert_matches(alert, filters) else None

        bounds = id_bounds(filters.since)
        found = scan_newest(ctx.client, ctx.keys.anomalies, bounds, keep, filters.limit)
    return enrich(ctx, found)


def logs(ctx: Context, filters: Filters) -> list[Item]:
    """Log events newest first; ``q`` searches messages (the last hour with RediSearch)."""
    if filters.q and ctx.capabilities().search:
        ctx.indexer().catch_up_logs()
        tags = {"service": filters.service, "level": filters.level}
        query = search_query(filters, tags)
        return search_documents(ctx.client, ctx.keys.log_index, query, filters.limit)

    def keep(entry_id: str, fields: Fields) -> Item | None:
        item = log_item(entry_id, fields)
        return item if log_matches(item, filters) else None

    bounds = id_bounds(filters.since)
    return scan_newest_of(ctx.client, _log_streams(ctx, filters), bounds, keep, filters.limit)


def _log_streams(ctx: Context, filters: Filters) -> list[str]:
    """The log streams holding the events asked for: a named service's shard's, else every
    shard's (with one shard: the one ``log-metrics-stream``)."""
    if filters.service:
        return [ctx.keys.for_service(filters.service).log_stream]
    return [shard.log_stream for shard in ctx.keys.all_shards]


def find_alert(ctx: Context, alert_id: str) -> Item:
    """The alert with this id; a 404 ``BadRequest`` when there is none."""
    refresh_alerts(ctx)
    raw = ctx.client.hget(ctx.keys.alert_doc_prefix + alert_id, "json")
    if raw is None:
        raise BadRequest("id", f"no alert with id {alert_id[:100]!r}", status=404)
    alert: Item = alert_item({"alert": str(raw)}) or {}
    return alert


def mark(ctx: Context, alert_id: str, outcome: str, by: str = "") -> Item:
    """Store an operator's mark on an alert (``by``: who gave it); the answer is the
    feedback event."""
    return ctx.memory.mark(find_alert(ctx, alert_id), outcome, by)
