"""The dashboard API's OpenAPI 3.1 document, served at ``/openapi.json``.

Written by hand, beside the routes it describes, because the routes are plain Starlette
functions; a test drives every operation of it with a fuzzer and expects no 5xx.
"""

from __future__ import annotations

from typing import Any

from seismo import __version__
from seismo.dashboard.params import MAX_EPOCH_MS, MAX_LIMIT, MAX_QUERY, SEVERITIES
from seismo.demo.faults import KINDS

Schema = dict[str, Any]

NUMBER_MAP: Schema = {"type": "object", "additionalProperties": {"type": ["number", "null"]}}
ERROR: Schema = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {"type": "string"}, "field": {"type": ["string", "null"]}},
}
SIMILAR: Schema = {
    "type": "object",
    "properties": {
        "incident_id": {"type": "string"},
        "similarity": {"type": "number"},
        "outcome": {"type": "string"},
    },
}
ALERT: Schema = {
    "type": "object",
    "required": ["id"],
    "properties": {
        "id": {"type": "string"},
        "time": {"type": "integer", "description": "epoch ms"},
        "window_start": {"type": "integer"},
        "window_end": {"type": "integer"},
        "scope": {"enum": ["system", "service", "metric"]},
        "target": {"type": "string"},
        "score": {"type": "number", "minimum": 0, "maximum": 1},
        "severity": {"enum": list(SEVERITIES)},
        "summary": {"type": "string"},
        "explanation": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "feature": {"type": "string"},
                    "normal": {"type": ["number", "null"]},
                    "current": {"type": ["number", "null"]},
                    "deviation": {"type": ["number", "null"]},
                },
            },
        },
        "business_impact": {"type": ["string", "null"]},
        "remediation": {"type": "array", "items": {"type": "string"}},
        "incident_id": {"type": ["string", "null"]},
        "status": {"enum": ["open", "update", "resolved"]},
        "feedback": {"enum": [None, "acknowledged", "false_alarm"]},
        "similar": {"type": "array", "items": SIMILAR},
        "suppressed_by": {"type": ["string", "null"]},
    },
}
FINGERPRINT: Schema = {
    "type": "object",
    "required": ["id", "window_start", "window_end", "features", "services"],
    "properties": {
        "id": {"type": "string"},
        "window_start": {"type": "integer"},
        "window_end": {"type": "integer"},
        "features": NUMBER_MAP,
        "services": {"type": "object", "additionalProperties": NUMBER_MAP},
        "metrics": {"type": "object"},
        "late_events": {"type": "integer"},
    },
}
LOG: Schema = {
    "type": "object",
    "properties": {
        "id": {"type": "string"},
        "timestamp": {"type": "integer"},
        "level": {"type": "string"},
        "message": {"type": "string"},
        "service": {"type": ["string", "null"]},
        "trace_id": {"type": ["string", "null"]},
    },
}
FEEDBACK: Schema = {
    "type": "object",
    "properties": {
        "alert_id": {"type": "string"},
        "incident_id": {"type": "string"},
        "feedback": {"enum": ["acknowledged", "false_alarm"]},
        "time": {"type": "integer"},
    },
}
HEALTH: Schema = {
    "type": "object",
    "required": ["status", "uptime_s", "redis"],
    "properties": {
        "status": {"enum": ["ok", "degraded"]},
        "uptime_s": {"type": "number"},
        "redis": {
            "type": "object",
            "properties": {
                "connected": {"type": "boolean"},
                "url_host": {"type": "string"},
                "version": {"type": ["string", "null"]},
            },
        },
        "anomaly_count": {"type": ["integer", "null"]},
        "training": {"type": ["object", "null"]},
        "features": {"type": "object"},
        "notes": {"type": "array", "items": {"type": "string"}},
    },
}


def _param(name: str, schema: Schema, description: str) -> Schema:
    return {"name": name, "in": "query", "required": False, "schema": schema,
            "description": description}  # fmt: skip


EPOCH: Schema = {"type": "integer", "minimum": 0, "maximum": MAX_EPOCH_MS}
LIMIT = _param("limit", {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT}, "most items")
SINCE = _param("since", EPOCH, "epoch ms, inclusive")
UNTIL = _param("until", EPOCH, "epoch ms, inclusive")
SERVICE = _param("service", {"type": "string", "maxLength": 200}, "one service")
QUERY = _param("q", {"type": "string", "maxLength": MAX_QUERY}, "full-text words (AND)")
SEVERITY = _param("severity", {"enum": list(SEVERITIES)}, "one severity")
LEVEL = _param("level", {"type": "string", "maxLength": 20}, "one log level")


def _json(schema: Schema, description: str) -> Schema:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _list_of(schema: Schema) -> Schema:
    return {"type": "object", "properties": {"items": {"type": "array", "items": schema}}}


BAD = _json(ERROR, "a parameter Seismo cannot use; `field` names it")
DOWN = _json(ERROR, "Redis does not answer; retry")


def _get(summary: str, params: list[Schema], answer: Schema) -> Schema:
    responses = {"200": _json(answer, "OK"), "400": BAD, "503": DOWN}
    return {"get": {"summary": summary, "parameters": params, "responses": responses}}


def _mark(summary: str) -> Schema:
    path_id = {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}
    responses = {"200": _json(FEEDBACK, "the stored mark"), "404": _json(ERROR, "no such alert"),
                 "503": DOWN}  # fmt: skip
    return {"post": {"summary": summary, "parameters": [path_id], "responses": responses}}


GRAPH: Schema = {
    "type": "object",
    "properties": {
        "nodes": {"type": "array", "items": {"type": "string"}},
        "edges": {"type": "array", "items": {"type": "object", "properties": {
            "source": {"type": "string"}, "target": {"type": "string"},
            "count": {"type": "integer"}}}},
    },
}  # fmt: skip
FAULT: Schema = {
    "type": "object",
    "properties": {"kind": {"type": "string"}, "service": {"type": "string"},
                   "start_ms": {"type": "integer"}, "end_ms": {"type": "integer"}},
}  # fmt: skip
FAULTS: Schema = {
    "type": "object",
    "properties": {"kinds": {"type": "array", "items": {"type": "string"}},
                   "active": {"type": "array", "items": FAULT}},
}  # fmt: skip
FAULT_POST: Schema = {
    "summary": "start a demo fault (it only steers the simulated traffic)",
    "requestBody": {"required": True, "content": {"application/json": {"schema": {
        "type": "object", "required": ["kind"],
        "properties": {"kind": {"enum": list(KINDS)}, "service": {"type": "string"},
                       "duration": {"type": "number", "minimum": 1}}}}}},
    "responses": {"201": _json(FAULT, "the fault started"), "400": BAD, "413": BAD,
                  "503": DOWN},
}  # fmt: skip


def openapi_document() -> Schema:
    """The OpenAPI document of the dashboard's HTTP API."""
    filters = [LIMIT, SINCE, UNTIL, SERVICE]
    paths = {
        "/health": {"get": {"summary": "status, uptime, Redis, anomaly count, training",
                            "responses": {"200": _json(HEALTH, "Redis answers"),
                                          "503": _json(HEALTH, "Redis does not answer")}}},
        "/redis-data": _get("the probabilistic structures and streams, summarised", [],
                            {"type": "object"}),
        "/api/fingerprints": _get("fingerprints, newest first (time = window_end)", filters,
                                  _list_of(FINGERPRINT)),
        "/api/anomalies": _get("alerts with feedback and similar incidents, newest first",
                               [*filters, SEVERITY, QUERY], _list_of(ALERT)),
        "/api/logs": _get("log events, newest first", [*filters, LEVEL, QUERY], _list_of(LOG)),
        "/api/graph": _get("the service-call graph of recent calls", [], GRAPH),
        "/api/faults": {**_get("demo fault kinds and active faults", [], FAULTS),
                        "post": FAULT_POST},
        "/api/anomalies/{id}/ack": _mark("acknowledge an alert's incident"),
        "/api/anomalies/{id}/false-alarm": _mark("mark an alert's incident a false alarm"),
    }  # fmt: skip
    return {
        "openapi": "3.1.0",
        "info": {"title": "Seismo dashboard API", "version": __version__},
        "paths": paths,
    }
