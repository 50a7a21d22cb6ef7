"""OTLP attribute lists as plain dicts, and the HTTP semantic conventions read from them.

Both the current names (``http.request.method``, ``http.response.status_code``) and the
older ones instrumentations still emit (``http.method``, ``http.status_code``) are read.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

UNKNOWN_SERVICE = "unknown_service"


def value_of(any_value: Any) -> Any:
    """The Python value of an OTLP ``AnyValue`` (arrays and maps as text)."""
    kind = any_value.WhichOneof("value")
    if kind is None:
        return None
    value = getattr(any_value, kind)
    if kind in ("array_value", "kvlist_value", "bytes_value"):
        return str(value)
    return value


def as_dict(key_values: Iterable[Any]) -> dict[str, Any]:
    """An attribute list as ``{key: value}``."""
    return {kv.key: value_of(kv.value) for kv in key_values}


def service_of(resource: Any) -> str:
    """The resource's ``service.name`` (``unknown_service`` as the SDKs say when unset)."""
    name = as_dict(resource.attributes).get("service.name")
    return str(name) if name else UNKNOWN_SERVICE


def first(attributes: Mapping[str, Any], *names: str) -> Any:
    """The value of the first of ``names`` present."""
    for name in names:
        if attributes.get(name) is not None:
            return attributes[name]
    return None


def http_method(attributes: Mapping[str, Any]) -> str | None:
    method = first(attributes, "http.request.method", "http.method")
    return str(method).upper() if method else None


def http_status(attributes: Mapping[str, Any], failed: bool) -> int:
    """The response status; a failure without one is a 500, success a 200."""
    status = first(attributes, "http.response.status_code", "http.status_code")
    if isinstance(status, int | str) and str(status).isdigit():
        return int(status)
    return 500 if failed else 200
