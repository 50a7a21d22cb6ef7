"""The OpenAPI paths and schemas of the business view's routes (``seismo.dashboard.business``),
merged into the dashboard's document by ``openapi_document``."""

from __future__ import annotations

from typing import Any

from seismo.alert.model import SEVERITIES
from seismo.dashboard.objectives import LATENCY_BOUNDS_MS, MAX_DAYS
from seismo.dashboard.params import MAX_EPOCH_MS

Schema = dict[str, Any]
REF = "#/components/schemas/{name}"


def _ref(name: str) -> Schema:
    return {"$ref": REF.format(name=name)}


def _json(schema: Schema, description: str) -> Schema:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _object(required: list[str], properties: Schema, description: str = "") -> Schema:
    schema: Schema = {"type": "object", "required": required, "properties": properties}
    return {**schema, "description": description} if description else schema


TEXT: Schema = {"type": "string"}
INT: Schema = {"type": "integer"}
NUMBER: Schema = {"type": "number"}
EPOCH: Schema = {"type": "integer", "description": "epoch ms"}
MAYBE_EPOCH: Schema = {"type": ["integer", "null"], "description": "epoch ms"}
MAYBE_NUMBER: Schema = {"type": ["number", "null"]}
PERCENT: Schema = {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 100}

COST = _object(
    ["metric", "unit", "impact", "uncertainty", "normal", "minutes", "windows", "text"],
    {"metric": TEXT, "unit": TEXT,
     "impact": {**NUMBER, "description": "observed minus normal (negative: below normal)"},
     "uncertainty": {**NUMBER, "description": "half-width of the 95 % interval"},
     "normal": NUMBER, "minutes": NUMBER, "windows": INT, "text": TEXT},
    "An incident's estimated impact on the business KPI it moved most clearly.",
)  # fmt: skip
INCIDENT = _object(
    ["id", "origin", "severity", "summary", "opened", "window_start", "impacted", "resolved",
     "duration_s", "acknowledged_at", "acknowledged_by", "time_to_acknowledge_s",
     "false_alarm", "suppressed", "alerts", "cost"],
    {"id": TEXT, "origin": {**TEXT, "description": "scope:target of its first alert"},
     "severity": {"enum": list(SEVERITIES)}, "summary": TEXT, "opened": EPOCH,
     "window_start": EPOCH, "impacted": {"type": "array", "items": TEXT},
     "resolved": MAYBE_EPOCH, "duration_s": MAYBE_NUMBER, "acknowledged_at": MAYBE_EPOCH,
     "acknowledged_by": {"type": ["string", "null"]}, "time_to_acknowledge_s": MAYBE_NUMBER,
     "false_alarm": {"type": "boolean"}, "suppressed": {"type": "boolean"}, "alerts": INT,
     "cost": {"anyOf": [_ref("Cost"), {"type": "null"}]}},
)  # fmt: skip
TIMING = _object(["count", "mean_s", "p90_s"],
                 {"count": INT, "mean_s": MAYBE_NUMBER, "p90_s": MAYBE_NUMBER})  # fmt: skip
COUNTS: Schema = {"type": "object", "additionalProperties": INT}
FIGURES = _object(
    ["incidents", "per_day", "per_service", "mtta", "mttr", "false_alarms",
     "false_alarm_share", "noisiest_origins", "cost"],
    {"incidents": INT, "per_day": COUNTS, "per_service": COUNTS,
     "mtta": _ref("Timing"), "mttr": _ref("Timing"), "false_alarms": INT,
     "false_alarm_share": MAYBE_NUMBER,
     "noisiest_origins": {"type": "array", "items": _object(
         ["origin", "incidents"], {"origin": TEXT, "incidents": INT})},
     "cost": {"type": "array", "items": _object(
         ["metric", "unit", "direction", "impact", "incidents"],
         {"metric": TEXT, "unit": TEXT, "direction": {"enum": ["below", "above"]},
          "impact": NUMBER, "incidents": INT})}},
)  # fmt: skip
INCIDENT_REPORT = _object(
    ["since", "until", "figures", "items"],
    {"since": EPOCH, "until": EPOCH, "figures": _ref("IncidentFigures"),
     "items": {"type": "array", "items": _ref("Incident")}},
)  # fmt: skip
KPI_ALERT = _object(
    ["id", "time", "window_start", "window_end", "severity", "status", "summary",
     "incident_id", "scope", "target"],
    {"id": TEXT, "time": EPOCH, "window_start": EPOCH, "window_end": EPOCH,
     "severity": {"enum": list(SEVERITIES)}, "status": TEXT, "summary": TEXT,
     "incident_id": TEXT, "scope": TEXT, "target": TEXT},
)  # fmt: skip
KPI = _object(
    ["name", "kind", "unit", "expected_range", "normal", "points", "alerts", "costs"],
    {"name": TEXT, "kind": {"enum": ["business", "custom"]}, "unit": TEXT,
     "expected_range": {"anyOf": [{"type": "array", "items": NUMBER, "minItems": 2,
                                   "maxItems": 2}, {"type": "null"}]},
     "normal": {"anyOf": [_object(["normal", "low", "high"],
                                  {"normal": NUMBER, "low": NUMBER, "high": NUMBER}),
                          {"type": "null"}],
                "description": "the per-metric detector's learned normal of a window's mean"},
     "points": {"type": "array", "description": "[window start ms, mean, observations]",
                "items": {"type": "array", "items": NUMBER, "minItems": 3, "maxItems": 3}},
     "alerts": {"type": "array", "items": _ref("KpiAlert")},
     "costs": {"type": "array", "items": {"allOf": [_ref("Cost"), _object(
         ["incident_id", "opened", "resolved"],
         {"incident_id": TEXT, "opened": EPOCH, "resolved": MAYBE_EPOCH})]}}},
)  # fmt: skip
KPIS = _object(
    ["since", "until", "window_ms", "items"],
    {"since": EPOCH, "until": EPOCH, "window_ms": INT,
     "items": {"type": "array", "items": _ref("Kpi")}},
)  # fmt: skip
OBJECTIVE_FIELDS: Schema = {
    "service": TEXT,
    "availability": {"anyOf": [PERCENT, {"type": "null"}],
                     "description": "percent of requests without a 5xx answer"},
    "latency_p95_ms": {"anyOf": [{"enum": list(LATENCY_BOUNDS_MS)}, {"type": "null"}]},
    "latency_target": {**PERCENT, "description": "percent of windows with p95 at most that"},
    "days": {"type": "integer", "minimum": 1, "maximum": MAX_DAYS},
}  # fmt: skip
NEW_OBJECTIVE = _object(["service"], OBJECTIVE_FIELDS)
OBJECTIVE = _object(["service", "availability", "latency_p95_ms", "latency_target", "days"],
                    OBJECTIVE_FIELDS)  # fmt: skip
BUDGET = _object(
    ["kind", "target", "total", "bad", "achieved", "budget_left", "burn_rate"],
    {"kind": {"enum": ["availability", "latency"]}, "target": NUMBER,
     "total": {**INT, "description": "requests (availability) or windows (latency)"},
     "bad": INT, "achieved": MAYBE_NUMBER,
     "budget_left": {**NUMBER, "description": "share of the error budget not spent (< 0: over)"},
     "burn_rate": {**NUMBER, "description": "the current and previous hour's pace (1: even)"}},
)  # fmt: skip
OBJECTIVE_STATUS: Schema = {
    "allOf": [_ref("Objective"), _object(
        ["budgets", "source"],
        {"budgets": {"type": "array", "items": _ref("Budget")}, "source": {"enum": ["file", "ui"]}},
    )]
}  # fmt: skip
OBJECTIVES = _object(
    ["items", "services"],
    {"items": {"type": "array", "items": _ref("ObjectiveStatus")},
     "services": {"type": "array", "items": TEXT, "description": "services with counts"}},
)  # fmt: skip


def business_schemas() -> dict[str, Schema]:
    return {
        "Cost": COST, "Incident": INCIDENT, "Timing": TIMING, "IncidentFigures": FIGURES,
        "IncidentReport": INCIDENT_REPORT, "KpiAlert": KPI_ALERT, "Kpi": KPI, "Kpis": KPIS,
        "Objective": OBJECTIVE, "Budget": BUDGET, "ObjectiveStatus": OBJECTIVE_STATUS,
        "Objectives": OBJECTIVES,
    }  # fmt: skip


def _period(default: str) -> list[Schema]:
    epoch = {"type": "integer", "minimum": 0, "maximum": MAX_EPOCH_MS}
    return [
        {"name": "since", "in": "query", "required": False, "schema": epoch,
         "description": f"epoch ms (default: {default} before until)"},
        {"name": "until", "in": "query", "required": False, "schema": epoch,
         "description": "epoch ms (default: now)"},
    ]  # fmt: skip


def business_paths(bad: Schema, down: Schema) -> dict[str, Schema]:
    """The business routes; ``bad`` and ``down`` are the document's 400 and 503 answers."""
    service = {"name": "service", "in": "path", "required": True, "schema": TEXT}
    return {
        "/api/metrics/business": {"get": {
            "summary": "every business and custom metric: windows, ranges, normal, alerts, costs",
            "parameters": _period("1 hour; at most 6 hours"),
            "responses": {"200": _json(_ref("Kpis"), "OK"), "400": bad, "503": down}}},
        "/api/incidents": {"get": {
            "summary": "the incidents opened in a period, with MTTA, MTTR and costs",
            "parameters": _period("7 days; at most 31 days"),
            "responses": {"200": _json(_ref("IncidentReport"), "OK"), "400": bad,
                          "503": down}}},
        "/api/objectives": {
            "get": {"summary": "each service's objective with its error budget and burn rate",
                    "responses": {"200": _json(_ref("Objectives"), "OK"), "503": down}},
            "post": {"summary": "set a service's objective (overrides the objectives file)",
                     "requestBody": {"required": True,
                                     "content": {"application/json": {"schema": NEW_OBJECTIVE}}},
                     "responses": {"200": _json(_ref("Objective"), "the stored objective"),
                                   "400": bad, "503": down}}},
        "/api/objectives/{service}": {"delete": {
            "summary": "forget the objective set from the UI for a service",
            "parameters": [service],
            "responses": {"200": _json(_object(["service", "removed"], {
                "service": TEXT, "removed": {"type": "boolean"}}), "removed"),
                "404": _json(_ref("Error"), "no objective set from the UI"), "503": down}}},
    }  # fmt: skip
