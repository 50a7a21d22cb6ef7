"""The collector's OpenAPI document, generated from the msgspec structs it validates with."""

from __future__ import annotations

from typing import Any

import msgspec

from seismo import __version__
from seismo.access.openapi import with_security
from seismo.ingest.schemas import (
    Accepted,
    ApplicationMetric,
    Batch,
    BatchResult,
    BusinessMetric,
    ErrorBody,
    LogEvent,
)

REF = "#/components/schemas/{name}"


def _ref(struct: type[msgspec.Struct]) -> dict[str, str]:
    return {"$ref": REF.format(name=struct.__name__)}


def _json(struct: type[msgspec.Struct]) -> dict[str, Any]:
    return {"application/json": {"schema": _ref(struct)}}


ERRORS = {
    "400": {"description": "Body is not JSON", "content": _json(ErrorBody)},
    "413": {"description": "Body larger than SEISMO_MAX_BODY_BYTES", "content": _json(ErrorBody)},
    "422": {
        "description": "A field is missing or wrong; `field` names it",
        "content": _json(ErrorBody),
    },
    "503": {
        "description": "Redis unreachable; retry after Retry-After",
        "content": _json(ErrorBody),
    },
}


BATCH_REJECTED = {
    "description": "A field is missing or wrong (`field` names it); a batch none of whose "
    "items is valid is answered item by item, as a BatchResult with status `rejected`",
    "content": {"application/json": {"schema": {"anyOf": [_ref(ErrorBody), _ref(BatchResult)]}}},
}


def _ingest(
    summary: str,
    body: type[msgspec.Struct],
    answer: type[msgspec.Struct],
    invalid: dict[str, Any] = ERRORS["422"],
) -> dict[str, Any]:
    return {
        "post": {
            "summary": summary,
            "requestBody": {"required": True, "content": _json(body)},
            "responses": {
                "200": {"description": "Stored in Redis", "content": _json(answer)},
                **ERRORS,
                "422": invalid,
            },
        }
    }


def _otlp(summary: str) -> dict[str, Any]:
    """An OTLP/HTTP route: its messages are OpenTelemetry's, not described here."""
    message = {"type": "object", "description": "OTLP JSON (or protobuf, same message)"}
    errors = {"description": "The body is not the message; `field` names it",
              "content": _json(ErrorBody)}  # fmt: skip
    media = {"description": "Content-Type or Content-Encoding not OTLP's",
             "content": _json(ErrorBody)}  # fmt: skip
    return {
        "post": {
            "summary": summary,
            "requestBody": {"required": True, "content": {"application/json": {"schema": message},
                                                          "application/x-protobuf": {}}},
            "responses": {
                "200": {"description": "Stored; partialSuccess names the refused points"},
                "400": errors, "413": ERRORS["413"], "415": media, "503": ERRORS["503"],
            },
        }
    }  # fmt: skip


def _get(summary: str, *statuses: str) -> dict[str, Any]:
    responses: dict[str, Any] = {"200": {"description": "OK"}}
    for status in statuses:
        responses[status] = ERRORS[status]
    return {"get": {"summary": summary, "responses": responses}}


def openapi_document() -> dict[str, Any]:
    """OpenAPI 3.1 for every collector route."""
    structs = [ApplicationMetric, BusinessMetric, LogEvent, Batch, BatchResult, Accepted, ErrorBody]
    _, components = msgspec.json.schema_components(structs, ref_template=REF)
    return with_security({
        "openapi": "3.1.0",
        "info": {"title": "Seismo collector", "version": __version__},
        "paths": {
            "/": _get("Service information and endpoints"),
            "/health": _get("Redis connectivity, versions, modules", "503"),
            "/status": _get("Alias of /health", "503"),
            "/metrics": _get("Prometheus exposition"),
            "/config": _get("Configuration and data-structure figures", "503"),
            "/api/metrics": _ingest("One application metric", ApplicationMetric, Accepted),
            "/api/business-metrics": _ingest("One business metric", BusinessMetric, Accepted),
            "/api/logs": _ingest("One log event", LogEvent, Accepted),
            "/api/batch": _ingest(
                "Many items, answered per item", Batch, BatchResult, BATCH_REJECTED
            ),
            "/v1/metrics": _otlp("OpenTelemetry OTLP/HTTP metrics (see README)"),
            "/v1/traces": _otlp("OpenTelemetry OTLP/HTTP traces (see README)"),
        },
        "components": {"schemas": components},
    })  # fmt: skip
