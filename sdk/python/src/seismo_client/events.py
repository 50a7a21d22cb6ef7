"""Batch items for ``/api/batch``, built on the application's thread (pure, cheap).

Each item is stamped with the time it happened: a batch leaves up to a flush interval later
(longer during an outage), and the collector would otherwise date it on arrival.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any


def metric_item(data: Mapping[str, Any] | None, fields: Mapping[str, Any]) -> dict[str, Any]:
    """A request a service handled, nested (``metrics: {...}``) or flat, as the API takes it."""
    event = {**(data or {}), **fields}
    event.setdefault("timestamp", time.time())
    return {"type": "metric", "data": event}


def business_item(
    name: str,
    value: float,
    expected_range: Sequence[float] | None,
    metadata: Mapping[str, Any] | None,
    fields: Mapping[str, Any],
) -> dict[str, Any]:
    """One observation of the business KPI ``name``."""
    event: dict[str, Any] = {"metric_name": name, "value": value, **fields}
    if expected_range is not None:
        event["expected_range"] = list(expected_range)
    if metadata is not None:
        event["metadata"] = dict(metadata)
    event.setdefault("timestamp", time.time())
    return {"type": "business_metric", "data": event}


def log_item(message: str, level: str, fields: Mapping[str, Any]) -> dict[str, Any]:
    """One log event at ``level`` (debug, info, warning, error, critical)."""
    event = {"message": message, "level": level, **fields}
    event.setdefault("timestamp", time.time())
    return {"type": "log", "data": event}


def request_item(
    service: str,
    endpoint: str,
    latency_ms: float,
    status: int,
    payload_size: int | None,
    caller: str | None,
) -> dict[str, Any]:
    """A request recorded by the middleware, in the flat shape (the batch fast path)."""
    event: dict[str, Any] = {
        "type": "application",
        "service": service,
        "endpoint": endpoint,
        "response_time": round(latency_ms, 3),
        "status_code": status,
        "timestamp": time.time(),
    }
    if payload_size is not None:
        event["payload_size"] = payload_size
    if caller:
        event["caller"] = caller
    return event
