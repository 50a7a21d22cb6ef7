"""What the OpenAPI documents of both apps say about access: the key schemes, the audit log.

Both documents declare the two ways to send a key (``Authorization: Bearer`` and
``X-API-Key``) as security schemes required everywhere but on ``/health`` (open to probes);
the dashboard's adds ``GET /api/audit``, whose entry schema comes from ``audit.Entry``.
"""

from __future__ import annotations

from typing import Any

import msgspec

from seismo.access.audit import MAX_LIMIT, Entry

Schema = dict[str, Any]
REF = "#/components/schemas/{name}"

SECURITY_SCHEMES: Schema = {
    "bearer": {"type": "http", "scheme": "bearer", "description": "an API key (seismo keys)"},
    "apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
}
SECURITY: list[Schema] = [{"bearer": []}, {"apiKey": []}]
"""Either scheme; only enforced with SEISMO_AUTH=required."""
OPEN: list[Schema] = []


def with_security(document: Schema) -> Schema:
    """``document`` with the key schemes, required on every path but ``/health``."""
    components = {**document.get("components", {}), "securitySchemes": SECURITY_SCHEMES}
    paths = dict(document["paths"])
    for open_path in ("/health", "/status"):
        if open_path in paths:
            paths[open_path] = {
                method: {**operation, "security": OPEN}
                for method, operation in paths[open_path].items()
            }
    return {**document, "paths": paths, "components": components, "security": SECURITY}


def audit_schemas() -> dict[str, Schema]:
    _, schemas = msgspec.json.schema_components([Entry], ref_template=REF)
    entry = schemas["Entry"]
    entry["required"] = list(entry["properties"])
    return {"AuditEntry": entry}


def audit_paths(bad: Schema, down: Schema) -> dict[str, Schema]:
    """``GET /api/audit``: admin scope, newest entries first."""
    limit = {
        "name": "limit",
        "in": "query",
        "required": False,
        "description": "most entries",
        "schema": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT},
    }
    items = {
        "type": "object",
        "required": ["items"],
        "properties": {
            "items": {"type": "array", "items": {"$ref": REF.format(name="AuditEntry")}}
        },
    }
    return {"/api/audit": {"get": {
        "summary": "the audit log, newest first: admin actions and refused requests (admin key)",
        "parameters": [limit],
        "responses": {"200": {"description": "OK",
                              "content": {"application/json": {"schema": items}}},
                      "400": bad, "503": down}}}}  # fmt: skip
