"""Turn accepted payloads into the events the ingest Function stores.

Pure functions: a decoded JSON value in, an event dict out (the shape the Lua header of
``seismo_ingest`` documents), or a ``FieldError`` naming the offending field. Both payload
shapes of every endpoint end up as the same event, so nothing downstream knows which shape
a client sent.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any, TypeVar

import msgspec

from seismo.ingest.schemas import ApplicationMetric, BusinessMetric, LogEvent, NestedMetrics

Event = dict[str, Any]
S = TypeVar("S", bound=msgspec.Struct)

EARLIEST_MS = 946_684_800_000  # 2000-01-01: anything older is a unit mistake, not data
MAX_FUTURE_MS = 3_600_000  # clocks may drift, but not by more than an hour
MAX_CUSTOM_METRICS = 64
LEVELS = {
    "debug": "debug", "trace": "debug", "info": "info", "notice": "info",
    "warn": "warning", "warning": "warning", "error": "error", "err": "error",
    "critical": "critical", "fatal": "critical", "crit": "critical", "alert": "critical",
    "emergency": "critical",
}  # fmt: skip
BATCH_TYPES = {
    "application": "app", "metric": "app", "business": "business",
    "business_metric": "business", "log": "log",
}  # fmt: skip
NAIVE_NOTE = "timestamp has no UTC offset: it was read as UTC"
_AT_PATH = re.compile(r" - at `\$\.?(?P<path>[^`]*)`$")
_MISSING = re.compile(r"missing required field `(?P<field>[^`]+)`")


class FieldError(ValueError):
    """Bad input, with the dotted path of the field that is wrong."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def convert(raw: Any, struct: type[S], prefix: str = "") -> S:
    """``msgspec.convert`` with its error turned into a ``FieldError``."""
    if not isinstance(raw, dict):
        raise FieldError(prefix.rstrip(".") or "body", "expected a JSON object")
    try:
        return msgspec.convert(raw, struct)
    except msgspec.ValidationError as exc:
        raise _field_error(str(exc), prefix) from None


def _field_error(message: str, prefix: str) -> FieldError:
    missing = _MISSING.search(message)
    at = _AT_PATH.search(message)
    path = missing.group("field") if missing else (at.group("path") if at else "")
    if missing and at and at.group("path"):
        path = f"{at.group('path')}.{path}"
    text = _AT_PATH.sub("", message)
    return FieldError(f"{prefix}{path}".rstrip(".") or "body", text)


def epoch_ms(value: float | str | None, now_ms: int, field: str = "timestamp") -> int:
    """Epoch milliseconds from ISO-8601 or epoch seconds/milliseconds; ``None`` is now."""
    if value is None:
        return now_ms
    number = _as_number(value, field) if isinstance(value, str) else float(value)
    if number is None:
        ms = _iso_ms(str(value), field)
        if ms > now_ms + MAX_FUTURE_MS and is_naive(value):
            raise FieldError(
                field,
                "timestamp has no UTC offset and, read as UTC, is more than an hour in the "
                "future: send its offset (2026-12-02T10:00:00+02:00) or UTC (...Z)",
            )
        return _checked(ms, now_ms, field)
    if not math.isfinite(number) or number < 0:
        raise FieldError(field, "timestamp must be a finite, positive epoch time")
    return _checked(int(number if number >= 1e11 else number * 1000), now_ms, field)


def is_naive(value: Any) -> bool:
    """True for an ISO-8601 text without a UTC offset (Seismo reads it as UTC)."""
    if not isinstance(value, str) or _as_number(value, "") is not None:
        return False
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).tzinfo is None
    except ValueError:
        return False


def naive_timestamp(raw: Any) -> bool:
    """True when a payload's event time (``timestamp``, else ``metrics.timestamp``, inside
    a batch item's ``data`` too) is a naive ISO text, which the answer then notes."""
    if not isinstance(raw, dict):
        return False
    fields = raw["data"] if isinstance(raw.get("data"), dict) else raw
    nested = fields.get("metrics")
    nested_time = nested.get("timestamp") if isinstance(nested, dict) else None
    return is_naive(fields.get("timestamp", nested_time))


def _as_number(text: str, field: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _iso_ms(text: str, field: str) -> int:
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise FieldError(field, "timestamp must be ISO-8601 or epoch seconds/ms") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return int(parsed.timestamp() * 1000)


def _checked(ms: int, now_ms: int, field: str) -> int:
    if ms < EARLIEST_MS:
        raise FieldError(field, "timestamp is before 2000: seconds sent as milliseconds?")
    if ms > now_ms + MAX_FUTURE_MS:
        raise FieldError(field, "timestamp is more than an hour in the future")
    return ms


def _finite(value: Any, field: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise FieldError(field, "expected a number")
    if not math.isfinite(value):
        raise FieldError(field, "expected a finite number")
    return float(value)


def _custom_metrics(numbers: Mapping[str, Any], prefix: str) -> dict[str, float]:
    if len(numbers) > MAX_CUSTOM_METRICS:
        raise FieldError(prefix.rstrip(".") or "metrics", "too many custom metrics (max 64)")
    return {name: _finite(value, f"{prefix}{name}") for name, value in numbers.items()}


def _extras(raw: Mapping[str, Any], struct: type[msgspec.Struct]) -> dict[str, Any]:
    return {k: v for k, v in raw.items() if k not in struct.__struct_fields__}


def application_event(raw: Any, now_ms: int) -> Event:
    """An ``app`` event from either application-metric shape."""
    metric = convert(raw, ApplicationMetric)
    known = _known_request_fields(metric)
    nested = {k: v for k, v in (metric.metrics or {}).items() if k not in NESTED_KNOWN}
    timestamp, field = metric.timestamp, "timestamp"
    if "timestamp" in nested:  # the seed's clients put the event time there
        nested_time = nested.pop("timestamp")
        if timestamp is None:
            timestamp, field = _time_value(nested_time, "metrics.timestamp"), "metrics.timestamp"
    extras = _extras(raw, ApplicationMetric)
    numbers = {k: v for k, v in extras.items() if _is_number(v)}
    custom = {**_custom_metrics(numbers, ""), **_custom_metrics(nested, "metrics.")}
    attributes = {k: v for k, v in extras.items() if k not in numbers}
    event: Event = {
        "type": "app",
        "timestamp": epoch_ms(timestamp, now_ms, field),
        "service": metric.service,
        "endpoint": metric.endpoint,
        "response_time": known.response_time,
        "status_code": known.status_code,
    }
    optional = {
        "payload_size": known.payload_size,
        "caller": metric.caller,
        "user_id": metric.user_id,
        "session_id": metric.session_id,
        "metrics": custom or None,
        "attributes": attributes or None,
    }
    event.update({k: v for k, v in optional.items() if v is not None})
    return event


NESTED_KNOWN = tuple(NestedMetrics.__struct_fields__)


def _time_value(value: Any, field: str) -> float | str:
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        return value
    raise FieldError(field, "timestamp must be ISO-8601 or epoch seconds/ms")


def _known_request_fields(metric: ApplicationMetric) -> NestedMetrics:
    """response_time, status_code, payload_size from the top level or ``metrics``."""
    top = {k: getattr(metric, k) for k in NESTED_KNOWN if getattr(metric, k) is not None}
    nested = {k: v for k, v in (metric.metrics or {}).items() if k in NESTED_KNOWN}
    prefix = "metrics." if metric.metrics is not None and not top else ""
    known = convert({**nested, **top}, NestedMetrics, prefix)
    if not math.isfinite(known.response_time):
        raise FieldError(f"{prefix}response_time", "response_time must be a finite number")
    return known


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def business_event(raw: Any, now_ms: int) -> Event:
    """A ``business`` event from a ``metric_name`` or a ``metric_type`` payload."""
    metric = convert(raw, BusinessMetric)
    name = metric.metric_name or metric.metric_type
    if name is None:
        raise FieldError("metric_name", "metric_name (or metric_type) is required")
    value = _finite(metric.value, "value")
    event: Event = {
        "type": "business",
        "timestamp": epoch_ms(metric.timestamp, now_ms),
        "metric_name": name,
        "value": value,
    }
    if metric.expected_range is not None:
        low, high = (_finite(v, "expected_range") for v in metric.expected_range)
        if low > high:
            raise FieldError(
                "expected_range", "expected_range must be [low, high] with low <= high"
            )
        event["expected_range"] = [low, high]
    metadata = {**_extras(raw, BusinessMetric), **(metric.metadata or {})}
    if metric.metric_name and metric.metric_type:
        metadata["metric_type"] = metric.metric_type
    if metadata:
        event["metadata"] = metadata
    if metric.service:
        event["service"] = metric.service
    return event


def log_event(raw: Any, now_ms: int) -> Event:
    """A ``log`` event; ``log_level``/``level`` and ``context``/``metadata`` are synonyms."""
    log = convert(raw, LogEvent)
    given = log.log_level or log.level
    field = "log_level" if log.log_level else "level"
    if given is None:
        raise FieldError("log_level", "log_level (or level) is required")
    level = LEVELS.get(given.lower())
    if level is None:
        raise FieldError(field, f"unknown log level {given!r}: use debug/info/warning/error")
    event: Event = {
        "type": "log",
        "timestamp": epoch_ms(log.timestamp, now_ms),
        "level": level,
        "message": log.message,
    }
    context = {**(log.metadata or {}), **(log.context or {}), **_extras(raw, LogEvent)}
    optional = {"service": log.service, "trace_id": log.trace_id, "context": context or None}
    event.update({k: v for k, v in optional.items() if v is not None})
    return event


PARSERS: dict[str, Callable[[Any, int], Event]] = {
    "app": application_event,
    "business": business_event,
    "log": log_event,
}


def batch_item_event(item: Any, index: int, now_ms: int) -> Event:
    """An event from one batch item, its errors named ``metrics[index].field``."""
    prefix = f"metrics[{index}]."
    if not isinstance(item, dict):
        raise FieldError(f"metrics[{index}]", "expected a JSON object")
    kind = BATCH_TYPES.get(str(item.get("type")))
    if kind is None:
        raise FieldError(f"{prefix}type", "type must be one of: " + ", ".join(sorted(BATCH_TYPES)))
    data = item.get("data")
    if "data" in item and not isinstance(data, dict):
        raise FieldError(f"{prefix}data", "data must be a JSON object")
    fields = data if isinstance(data, dict) else {k: v for k, v in item.items() if k != "type"}
    try:
        return PARSERS[kind](fields, now_ms)
    except FieldError as exc:
        inner = "data." if isinstance(data, dict) else ""
        raise FieldError(f"{prefix}{inner}{exc.field}", exc.message) from None
