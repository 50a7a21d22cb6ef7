"""The wire formats the collector accepts (SPEC section 3), as msgspec structs.

Each endpoint accepts the two payload shapes existing integrations send. The structs here
validate types (a string status code is rejected, not coerced) and document the API: the
OpenAPI document is generated from them. Fields not named here are kept, not dropped: numbers
become custom metrics, anything else an attribute (see ``seismo.ingest.normalize``).
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from msgspec import Meta

Name = Annotated[str, Meta(min_length=1, max_length=256, description="non-empty name")]
Endpoint = Annotated[
    str, Meta(min_length=1, max_length=1024, description="METHOD:/path", examples=["GET:/cart"])
]
Milliseconds = Annotated[float, Meta(ge=0, description="response time in milliseconds")]
StatusCode = Annotated[int, Meta(ge=100, le=599, description="HTTP status code")]
Timestamp = Annotated[
    float | str,
    Meta(description="ISO-8601, or epoch seconds or milliseconds; absent means now"),
]
Text = Annotated[str, Meta(max_length=65536)]


class NestedMetrics(msgspec.Struct, kw_only=True):
    """The ``metrics`` object of the nested application shape: known keys plus custom numbers."""

    response_time: Milliseconds
    status_code: StatusCode
    payload_size: Annotated[int, Meta(ge=0)] | None = None


class ApplicationMetric(msgspec.Struct, kw_only=True):
    """``POST /api/metrics``: one request a service handled.

    Either ``metrics: {response_time, status_code, payload_size?, ...custom numbers}`` or the
    same keys at the top level (the flat shape, which may also carry extra fields).
    """

    service: Name
    endpoint: Endpoint
    metrics: dict[str, Any] | None = None
    response_time: Milliseconds | None = None
    status_code: StatusCode | None = None
    payload_size: Annotated[int, Meta(ge=0)] | None = None
    timestamp: Timestamp | None = None
    caller: Name | None = None
    user_id: Annotated[str, Meta(max_length=256)] | int | None = None
    session_id: Annotated[str, Meta(max_length=256)] | None = None


class BusinessMetric(msgspec.Struct, kw_only=True):
    """``POST /api/business-metrics``: one observation of a business KPI.

    Named by ``metric_name`` (with optional ``expected_range`` and ``metadata``) or by
    ``metric_type`` (with descriptive fields such as ``currency`` and ``region``).
    """

    value: float
    metric_name: Name | None = None
    metric_type: Name | None = None
    expected_range: Annotated[list[float], Meta(min_length=2, max_length=2)] | None = None
    metadata: dict[str, Any] | None = None
    service: Name | None = None
    timestamp: Timestamp | None = None


class LogEvent(msgspec.Struct, kw_only=True):
    """``POST /api/logs``: one log line, with ``log_level`` or ``level``."""

    message: Text
    log_level: Name | None = None
    level: Name | None = None
    service: Name | None = None
    context: dict[str, Any] | None = None
    metadata: dict[str, Any] | None = None
    trace_id: Annotated[str, Meta(max_length=256)] | None = None
    timestamp: Timestamp | None = None


class Batch(msgspec.Struct, kw_only=True):
    """``POST /api/batch``: many items; retries with the same ``batch_id`` count once."""

    metrics: Annotated[list[dict[str, Any]], Meta(max_length=10_000)]
    batch_id: Annotated[str, Meta(min_length=1, max_length=128)] | None = None


class ItemResult(msgspec.Struct, omit_defaults=True):
    """What happened to one batch item (``note``: what Seismo assumed to accept it)."""

    index: int
    status: str
    field: str | None = None
    error: str | None = None
    note: str | None = None


class BatchResult(msgspec.Struct):
    """The answer to a batch: counts and one result per item."""

    status: str
    accepted: int
    rejected: int
    late: int
    duplicate: bool
    items: list[ItemResult]
    batch_id: str | None = None


class Accepted(msgspec.Struct, omit_defaults=True):
    """The answer to a single event: it is in Redis (``notes``: what Seismo assumed)."""

    status: str
    late: bool
    notes: list[str] | None = None


class ErrorBody(msgspec.Struct, omit_defaults=True):
    """Every 4xx/5xx answer: what went wrong and, for bad input, which field."""

    error: str
    field: str | None = None
