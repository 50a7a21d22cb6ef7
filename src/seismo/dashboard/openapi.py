"""The dashboard API's OpenAPI 3.1 document, served at ``/openapi.json``.

The Alert schema (with its explanation items and similar incidents) and the Fault schema
are generated from the dataclasses that are the contract (``seismo.alert.model.Alert``,
``seismo.demo.faults.Fault``); the rest is written here, beside the routes it describes,
because the routes are plain Starlette functions. A test drives every operation with a
fuzzer and expects no 5xx.

``python -m seismo.dashboard.openapi`` prints the document: ``make ui`` writes it to
``ui/openapi.json``, from which the UI's TypeScript types are generated, and ``make test``
fails when either committed file differs from what the code produces.
"""

from __future__ import annotations

import json
from typing import Any

import msgspec

from seismo import __version__
from seismo.access.openapi import audit_paths, audit_schemas, with_security
from seismo.alert.memory import OUTCOMES
from seismo.alert.model import SEVERITIES, Alert
from seismo.dashboard.business_openapi import business_paths, business_schemas
from seismo.dashboard.notify_openapi import delivery_paths, delivery_schemas
from seismo.dashboard.params import MAX_EPOCH_MS, MAX_LIMIT, MAX_QUERY
from seismo.demo.faults import KINDS, Fault
from seismo.fingerprint import features

Schema = dict[str, Any]

REF = "#/components/schemas/{name}"
TRAINING_STATUSES = ("training", "ready")
"""What the detector writes in its state hash's ``status`` (the detector loop, the model store)."""


def ref(name: str) -> Schema:
    return {"$ref": REF.format(name=name)}


def nullable(schema: Schema) -> Schema:
    return {"anyOf": [schema, {"type": "null"}]}


def generated() -> dict[str, Schema]:
    """The schemas derived from the contract's dataclasses, by name.

    ``Alert.to_dict`` writes every field, those with a default too, so every field of an
    alert is required on the wire.
    """
    _, schemas = msgspec.json.schema_components([Alert, Fault], ref_template=REF)
    alert = schemas["Alert"]
    alert["required"] = list(alert["properties"])
    return dict(schemas)


NUMBER_MAP: Schema = {"type": "object", "additionalProperties": {"type": ["number", "null"]}}


def feature_vector(scope: str, description: str) -> Schema:
    """The vector of ``scope``: one number per feature the feature table declares there, so
    the UI's types name exactly the features the windows carry."""
    return {
        "type": "object",
        "description": description,
        "properties": {
            f.name: {"type": ["number", "null"], "title": f.label, "description": f.meaning}
            for f in features.FEATURES
            if scope in f.scopes
        },
    }


ERROR: Schema = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {"type": "string"}, "field": {"type": ["string", "null"]}},
}
ALERT_WITH_FEEDBACK: Schema = {
    "description": "An alert as the dashboard shows it: with its incident's operator mark.",
    "allOf": [
        ref("Alert"),
        {
            "type": "object",
            "required": ["feedback"],
            "properties": {
                "feedback": nullable({"enum": list(OUTCOMES)}),
                "cost": nullable(ref("Cost")),
            },
        },
    ],
}
FINGERPRINT: Schema = {
    "type": "object",
    "required": ["id", "window_start", "window_end", "features", "services", "metrics",
                 "late_events"],
    "properties": {
        "id": {"type": "string"},
        "window_start": {"type": "integer"},
        "window_end": {"type": "integer"},
        "features": ref("SystemVector"),
        "services": {"type": "object", "additionalProperties": ref("ServiceVector")},
        "metrics": {"type": "object", "additionalProperties": NUMBER_MAP},
        "late_events": {"type": "integer"},
    },
}  # fmt: skip
LOG: Schema = {
    "type": "object",
    "required": ["id", "timestamp", "level", "message", "service", "trace_id"],
    "properties": {
        "id": {"type": "string"},
        "timestamp": {"type": ["integer", "null"], "description": "epoch ms"},
        "level": {"type": "string"},
        "message": {"type": "string"},
        "service": {"type": ["string", "null"]},
        "trace_id": {"type": ["string", "null"]},
        "context": {},
    },
}
FEEDBACK: Schema = {
    "type": "object",
    "required": ["alert_id", "incident_id", "feedback", "time"],
    "properties": {
        "alert_id": {"type": "string"},
        "incident_id": {"type": "string"},
        "feedback": {"enum": list(OUTCOMES)},
        "time": {"type": "integer"},
        "window_start": {"type": "integer"},
        "window_end": {"type": "integer"},
        "scope": {"type": "string"},
        "target": {"type": "string"},
        "by": {"type": "string", "description": "who gave the mark, when said"},
    },
}
TRAINING: Schema = {
    "type": "object",
    "description": "The detector's progress, from its state hash.",
    "required": ["trained", "needed", "status"],
    "properties": {
        "trained": {"type": ["integer", "null"]},
        "needed": {"type": ["integer", "null"]},
        "status": nullable({"enum": list(TRAINING_STATUSES)}),
    },
}
HEALTH: Schema = {
    "type": "object",
    "required": ["status", "uptime_s", "redis", "anomaly_count", "training"],
    "properties": {
        "status": {"enum": ["ok", "degraded"]},
        "uptime_s": {"type": "number"},
        "redis": {
            "type": "object",
            "required": ["connected", "url_host", "version"],
            "properties": {
                "connected": {"type": "boolean"},
                "url_host": {"type": "string"},
                "version": {"type": ["string", "null"]},
            },
        },
        "anomaly_count": {"type": ["integer", "null"]},
        "training": nullable(ref("Training")),
        "features": {
            "type": "object",
            "properties": {"search": {"type": "boolean"}, "vector_sets": {"type": "boolean"}},
        },
        "notes": {
            "type": "array",
            "items": {"type": "string"},
            "description": "What this Redis lacks and what is turned off because of it.",
        },
        "error": {"type": "string", "description": "Why Redis did not answer (503)."},
    },
}
REDIS_STRUCTURE: Schema = {
    "type": "object",
    "required": ["key", "type", "memory_bytes", "size", "info", "sample"],
    "properties": {
        "key": {"type": "string"},
        "type": {"type": "string"},
        "memory_bytes": {"type": ["integer", "null"]},
        "size": {"type": ["integer", "null"]},
        "info": {"type": "object"},
        "sample": {},
    },
}
REDIS_STREAM: Schema = {
    "type": "object",
    "required": ["key", "length", "memory_bytes", "last_entries"],
    "properties": {
        "key": {"type": "string"},
        "length": {"type": "integer"},
        "memory_bytes": {"type": ["integer", "null"]},
        "last_entries": {"type": "array", "items": {"type": "object", "properties": {
            "id": {"type": "string"}, "fields": {"type": "object"}}}},
    },
}  # fmt: skip
REDIS_DATA: Schema = {
    "type": "object",
    "required": ["structures", "streams"],
    "properties": {
        "structures": {"type": "array", "items": ref("RedisStructure")},
        "streams": {"type": "array", "items": ref("RedisStream")},
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
    items = {"items": {"type": "array", "items": schema}}
    return {"type": "object", "required": ["items"], "properties": items}


BAD = _json(ref("Error"), "a parameter Seismo cannot use; `field` names it")
DOWN = _json(ref("Error"), "Redis does not answer; retry")


def _get(summary: str, params: list[Schema], answer: Schema) -> Schema:
    responses = {"200": _json(answer, "OK"), "400": BAD, "503": DOWN}
    return {"get": {"summary": summary, "parameters": params, "responses": responses}}


def _mark(summary: str) -> Schema:
    path_id = {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}
    by = _param("by", {"type": "string", "maxLength": 200}, "who gives the mark")
    responses = {"200": _json(ref("FeedbackEvent"), "the stored mark"),
                 "400": BAD, "404": _json(ref("Error"), "no such alert"),
                 "503": DOWN}  # fmt: skip
    return {"post": {"summary": summary, "parameters": [path_id, by], "responses": responses}}


GRAPH: Schema = {
    "type": "object",
    "required": ["nodes", "edges"],
    "properties": {
        "nodes": {"type": "array", "items": {"type": "string"}},
        "edges": {"type": "array", "items": {"type": "object",
            "required": ["source", "target", "count"],
            "properties": {"source": {"type": "string"}, "target": {"type": "string"},
                           "count": {"type": "integer"}}}},
        "events": {"type": "integer", "description": "recent call events read"},
    },
}  # fmt: skip
FAULTS: Schema = {
    "type": "object",
    "required": ["kinds", "active"],
    "properties": {"kinds": {"type": "array", "items": {"type": "string"}},
                   "active": {"type": "array", "items": ref("Fault")}},
}  # fmt: skip
FAULT_POST: Schema = {
    "summary": "start a demo fault (it only steers the simulated traffic)",
    "requestBody": {"required": True, "content": {"application/json": {"schema": {
        "type": "object", "required": ["kind"],
        "properties": {"kind": {"enum": list(KINDS)}, "service": {"type": "string"},
                       "duration": {"type": "number", "minimum": 1},
                       "size": {"type": "number", "exclusiveMinimum": 0, "maximum": 1}}}}}},
    "responses": {"201": _json(ref("Fault"), "the fault started"), "400": BAD, "413": BAD,
                  "503": DOWN},
}  # fmt: skip


def schemas() -> dict[str, Schema]:
    """Every named schema of the document: the generated ones and those written here."""
    return {
        **generated(),
        "AlertWithFeedback": ALERT_WITH_FEEDBACK,
        "Error": ERROR,
        "FeedbackEvent": FEEDBACK,
        "Fingerprint": FINGERPRINT,
        "SystemVector": feature_vector(features.SYSTEM, "The system's features of one window."),
        "ServiceVector": feature_vector(features.SERVICE, "One service's features of one window."),
        "LogEvent": LOG,
        "Training": TRAINING,
        "Health": HEALTH,
        "RedisStructure": REDIS_STRUCTURE,
        "RedisStream": REDIS_STREAM,
        "RedisData": REDIS_DATA,
        "Graph": GRAPH,
        "Faults": FAULTS,
        **delivery_schemas(),
        **audit_schemas(),
        **business_schemas(),
    }


def openapi_document() -> Schema:
    """The OpenAPI document of the dashboard's HTTP API."""
    filters = [LIMIT, SINCE, UNTIL, SERVICE]
    paths = {
        "/health": {"get": {"summary": "status, uptime, Redis, anomaly count, training",
                            "responses": {"200": _json(ref("Health"), "Redis answers"),
                                          "503": _json(ref("Health"), "Redis does not answer")}}},
        "/metrics": {"get": {"summary": "Prometheus exposition: the dashboard's metrics and "
                                        "Redis's (memory, commands, stream lengths)",
                             "responses": {"200": {"description": "text/plain; version=0.0.4",
                                                   "content": {"text/plain": {}}}}}},
        "/redis-data": _get("the probabilistic structures and streams, summarised", [],
                            ref("RedisData")),
        "/api/fingerprints": _get("fingerprints, newest first (time = window_end)", filters,
                                  _list_of(ref("Fingerprint"))),
        "/api/anomalies": _get("alerts with feedback and similar incidents, newest first",
                               [*filters, SEVERITY, QUERY], _list_of(ref("AlertWithFeedback"))),
        "/api/logs": _get("log events, newest first", [*filters, LEVEL, QUERY],
                          _list_of(ref("LogEvent"))),
        "/api/graph": _get("the service-call graph of recent calls", [], ref("Graph")),
        "/api/faults": {**_get("demo fault kinds and active faults", [], ref("Faults")),
                        "post": FAULT_POST},
        "/api/anomalies/{id}/ack": _mark("acknowledge an alert's incident"),
        "/api/anomalies/{id}/false-alarm": _mark("mark an alert's incident a false alarm"),
        **delivery_paths(BAD, DOWN),
        **audit_paths(BAD, DOWN),
        **business_paths(BAD, DOWN),
    }  # fmt: skip
    return with_security({
        "openapi": "3.1.0",
        "info": {"title": "Seismo dashboard API", "version": __version__},
        "paths": paths,
        "components": {"schemas": schemas()},
    })  # fmt: skip


def main() -> None:
    """Print the document as ``ui/openapi.json`` holds it."""
    print(json.dumps(openapi_document(), indent=2))


if __name__ == "__main__":
    main()
