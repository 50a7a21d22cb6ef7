"""The seed system's listing shape, for its users' scripts (SPEC section 9).

The seed answered ``GET /api/anomalies`` and ``/api/fingerprints`` with a bare JSON list
whose items carry ``timestamp``, and its users' scripts read them so (``jq 'length'``,
``.[].timestamp``). ``format=list`` gives that shape: the same items, as a list, each with
``timestamp`` (ISO-8601 UTC) taken from its time (an alert's ``time``, a fingerprint's
``window_end``). Seismo's own shape, ``{"items": [...]}``, stays the default.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from seismo.dashboard.params import BadRequest

FORMATS = ("items", "list")


def wants_list(params: Mapping[str, str]) -> bool:
    """True for ``format=list``; a format Seismo does not know is a ``BadRequest``."""
    raw = params.get("format") or "items"
    if raw not in FORMATS:
        raise BadRequest("format", f"format must be one of {', '.join(FORMATS)}")
    return raw == "list"


def as_list(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The items, each with ``timestamp`` when it has a time."""
    return [{**item, "timestamp": _timestamp(item)} for item in items]


def _timestamp(item: Mapping[str, Any]) -> str | None:
    epoch_ms = item.get("time", item.get("window_end"))
    if not isinstance(epoch_ms, int | float):
        return None
    return datetime.fromtimestamp(epoch_ms / 1000, UTC).isoformat().replace("+00:00", "Z")
