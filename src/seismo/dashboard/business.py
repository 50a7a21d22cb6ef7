"""The business view's routes' work: KPIs, the incident report, objectives.

Each function takes the ``Context`` and the request's query or body and returns JSON-able
data; a bad parameter is a ``BadRequest`` naming it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from seismo.dashboard import objective_store
from seismo.dashboard.context import Context
from seismo.dashboard.incidents import report, settle_costs
from seismo.dashboard.kpis import business_metrics
from seismo.dashboard.objectives import MAX_DAYS, BadObjective, budgets, parse
from seismo.dashboard.params import NAME, BadRequest, parse_filters

DAY_MS = 86_400_000
KPI_SPAN_MS = 6 * 3_600_000
"""The longest span the KPIs view draws (at 5 s windows, 4,320 points a metric)."""
DEFAULT_KPI_SPAN_MS = 3_600_000
DEFAULT_REPORT_MS = 7 * DAY_MS
MAX_REPORT_MS = 31 * DAY_MS


def _period(ctx: Context, params: Mapping[str, str], default: int, longest: int) -> tuple[int, int]:
    """``since`` and ``until`` of a request (epoch ms), checked and defaulted."""
    filters = parse_filters(params)
    until = filters.until if filters.until is not None else int(ctx.clock() * 1000)
    since = filters.since if filters.since is not None else until - default
    if since > until:
        raise BadRequest("since", "since must not be after until")
    if until - since > longest:
        raise BadRequest(
            "since", f"since must be at most {longest // 3_600_000} hours before until"
        )
    return since, until


def _now(ctx: Context) -> int:
    return int(ctx.clock() * 1000)


def kpis(ctx: Context, params: Mapping[str, str]) -> dict[str, Any]:
    """Every business and custom metric of the period (default: the last hour)."""
    since, until = _period(ctx, params, DEFAULT_KPI_SPAN_MS, KPI_SPAN_MS)
    return business_metrics(ctx.client, ctx.keys, since, until, _now(ctx), ctx.window_ms)


def incident_report(ctx: Context, params: Mapping[str, str]) -> dict[str, Any]:
    """The incidents opened in the period (default: the last 7 days) and their figures."""
    since, until = _period(ctx, params, DEFAULT_REPORT_MS, MAX_REPORT_MS)
    return report(ctx.client, ctx.keys, since, until, _now(ctx), ctx.window_ms).to_dict()


def objectives(ctx: Context) -> dict[str, Any]:
    """Each service's objective (the file's, then the UI's over them) with its budgets."""
    objective_store.catch_up(ctx.client, ctx.keys)
    from_ui = objective_store.stored(ctx.client, ctx.keys)
    chosen = {**ctx.file_objectives, **from_ui}
    counts = objective_store.hours(ctx.client, ctx.keys, _now(ctx), MAX_DAYS)
    items = [
        {**budgets(objective, counts.get(service, {}), _now(ctx)),
         "source": "ui" if service in from_ui else "file"}
        for service, objective in sorted(chosen.items())
    ]  # fmt: skip
    return {"items": items, "services": sorted(counts)}


def set_objective(ctx: Context, body: bytes) -> dict[str, Any]:
    """Store an objective sent from the UI: ``{"service", "availability"?, ...}``."""
    try:
        data = json.loads(body or b"{}")
    except ValueError:
        raise BadRequest("body", "the body must be a JSON object") from None
    if not isinstance(data, dict):
        raise BadRequest("body", "the body must be a JSON object")
    service = data.get("service")
    if not isinstance(service, str) or not NAME.match(service):
        raise BadRequest("service", "service must be a service name")
    try:
        objective = parse(service, data)
    except BadObjective as exc:
        raise BadRequest(exc.field, str(exc)) from None
    objective_store.save(ctx.client, ctx.keys, objective)
    return objective.to_dict()


def delete_objective(ctx: Context, service: str) -> dict[str, Any]:
    """Forget the UI's objective of ``service`` (a file's objective stays)."""
    if not objective_store.remove(ctx.client, ctx.keys, service):
        raise BadRequest("service", f"no objective set from the UI for {service[:100]!r}", 404)
    return {"service": service, "removed": True}


def refresh(ctx: Context) -> None:
    """Count new fingerprints into the objectives' hours and cost the incidents resolved
    lately (the background task)."""
    objective_store.catch_up(ctx.client, ctx.keys)
    settle_costs(ctx.client, ctx.keys, _now(ctx), ctx.window_ms)
