"""The OpenAPI paths and schemas of the delivery routes (``seismo.dashboard.notify``), kept
beside each other and merged into the dashboard's document by ``openapi_document``."""

from __future__ import annotations

from typing import Any

from seismo.alert.channels.base import ACTIONS, OUTCOMES
from seismo.alert.model import SCOPES, SEVERITIES

Schema = dict[str, Any]
REF = "#/components/schemas/{name}"


def _ref(name: str) -> Schema:
    return {"$ref": REF.format(name=name)}


def _json(schema: Schema, description: str) -> Schema:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _items(schema: Schema) -> Schema:
    return {"type": "object", "required": ["items"],
            "properties": {"items": {"type": "array", "items": schema}}}  # fmt: skip


TEXT: Schema = {"type": "string"}
NUMBER_OR_NULL: Schema = {"type": ["number", "null"]}
DELIVERY: Schema = {
    "type": "object",
    "description": "One delivery's end (or a silence, or a stopped escalation step).",
    "required": ["alert_id", "incident_id", "receiver", "channel", "action", "reason",
                 "outcome", "attempts", "latency_ms", "time"],
    "properties": {
        "alert_id": TEXT, "incident_id": TEXT, "receiver": TEXT, "channel": TEXT,
        "action": {"enum": list(ACTIONS)}, "reason": TEXT, "outcome": {"enum": list(OUTCOMES)},
        "attempts": NUMBER_OR_NULL, "latency_ms": NUMBER_OR_NULL, "status": NUMBER_OR_NULL,
        "error": TEXT, "detail": TEXT, "silence_id": TEXT,
        "time": {**NUMBER_OR_NULL, "description": "epoch ms"},
    },
}  # fmt: skip
MATCHERS: Schema = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "severity": {"type": "array", "items": {"enum": list(SEVERITIES)}},
        "scope": {"type": "array", "items": {"enum": list(SCOPES)}},
        "target": {"type": "array", "items": TEXT, "description": "wildcards allowed"},
        "business_impact": {"type": "boolean"},
    },
}  # fmt: skip
SILENCE: Schema = {
    "type": "object",
    "required": ["id", "matchers", "starts_at", "ends_at", "comment", "created_by",
                 "incident_id"],
    "properties": {
        "id": TEXT, "matchers": _ref("Matchers"),
        "starts_at": {"type": "integer", "description": "epoch ms"},
        "ends_at": {"type": "integer", "description": "epoch ms"},
        "comment": TEXT, "created_by": TEXT, "incident_id": {"type": ["string", "null"]},
    },
}  # fmt: skip
NEW_SILENCE: Schema = {
    "type": "object",
    "required": ["duration_s"],
    "properties": {
        "matchers": _ref("Matchers"), "incident_id": {"type": ["string", "null"]},
        "duration_s": {"type": "number", "exclusiveMinimum": 0, "maximum": 366 * 24 * 3600},
        "comment": TEXT, "created_by": TEXT,
    },
}  # fmt: skip


def delivery_schemas() -> dict[str, Schema]:
    return {"Delivery": DELIVERY, "Matchers": MATCHERS, "Silence": SILENCE}


def delivery_paths(bad: Schema, down: Schema) -> dict[str, Schema]:
    """The delivery routes; ``bad`` and ``down`` are the document's 400 and 503 answers."""
    path_id = {"name": "id", "in": "path", "required": True, "schema": TEXT}
    missing = _json(_ref("Error"), "no such alert or silence")
    return {
        "/api/anomalies/{id}/deliveries": {"get": {
            "summary": "the deliveries of an alert's incident, oldest first",
            "parameters": [path_id],
            "responses": {"200": _json(_items(_ref("Delivery")), "OK"), "404": missing,
                          "503": down}}},
        "/api/silences": {
            "get": {"summary": "active and recently ended silences",
                    "responses": {"200": _json(_items(_ref("Silence")), "OK"), "503": down}},
            "post": {"summary": "silence matching alerts from now for duration_s",
                     "requestBody": {"required": True,
                                     "content": {"application/json": {"schema": NEW_SILENCE}}},
                     "responses": {"201": _json(_ref("Silence"), "the silence"), "400": bad,
                                   "503": down}}},
        "/api/silences/{id}/expire": {"post": {
            "summary": "end a silence now", "parameters": [path_id],
            "responses": {"200": _json(_ref("Silence"), "the ended silence"), "404": missing,
                          "503": down}}},
    }  # fmt: skip
