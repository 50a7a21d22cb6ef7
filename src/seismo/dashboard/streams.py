"""Reading Seismo's streams newest first, and turning their entries into API items.

Stream ids are the time an entry was appended, which is at or after the time the entry
describes (a window closes after its end and grace period; an alert is appended after it
is raised). So ``since`` bounds a scan by id; ``until`` cannot (a window closed late, after
an outage, has a late id), so it is checked on each item, and a scan reads at most
``SCAN_LIMIT`` entries.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar, cast

import redis

from seismo.fingerprint.entry import BadFingerprint, Fingerprint

T = TypeVar("T")
Fields = dict[str, str]

PAGE = 500
SCAN_LIMIT = 20_000
"""Most entries one listing reads before answering with what it found."""


def entries(reply: object) -> list[tuple[str, Fields]]:
    """An XRANGE-style reply of a ``decode_responses`` client, typed as what it is."""
    return cast("list[tuple[str, Fields]]", reply or [])


def id_bounds(since: int | None) -> tuple[str, str]:
    """(min, max) stream ids that contain every entry whose own time is at least ``since``."""
    return ("-" if since is None else str(since)), "+"


def scan_newest(
    client: redis.Redis,
    stream: str,
    bounds: tuple[str, str],
    keep: Callable[[str, Fields], T | None],
    limit: int,
) -> list[T]:
    """Up to ``limit`` kept items of ``stream``, newest first, within ``bounds``."""
    low, high = bounds
    found: list[T] = []
    scanned = 0
    while len(found) < limit and scanned < SCAN_LIMIT:
        batch = entries(client.xrevrange(stream, max=high, min=low, count=PAGE))
        if not batch:
            break
        for entry_id, fields in batch:
            item = keep(entry_id, fields)
            if item is not None:
                found.append(item)
                if len(found) == limit:
                    break
        scanned += len(batch)
        high = "(" + batch[-1][0]
    return found


def _order(entry_id: str) -> tuple[int, int]:
    millis, _, sequence = entry_id.partition("-")
    return int(millis), int(sequence or 0)


def scan_newest_of(
    client: redis.Redis,
    streams: list[str],
    bounds: tuple[str, str],
    keep: Callable[[str, Fields], T | None],
    limit: int,
) -> list[T]:
    """``scan_newest`` over several streams (each shard's copy of one), merged newest first
    by entry id; one stream is read exactly as ``scan_newest`` reads it."""
    if len(streams) == 1:
        return scan_newest(client, streams[0], bounds, keep, limit)
    low, high = bounds
    highs = dict.fromkeys(streams, high)
    pending: dict[str, list[tuple[str, Fields]]] = {stream: [] for stream in streams}
    found: list[T] = []
    scanned = 0
    while len(found) < limit and scanned < SCAN_LIMIT:
        for stream in [s for s, left in pending.items() if not left]:
            batch = entries(client.xrevrange(stream, max=highs[stream], min=low, count=PAGE))
            if batch:
                pending[stream] = batch
                highs[stream] = "(" + batch[-1][0]
            else:
                del pending[stream]
        if not pending:
            break
        stream = max(pending, key=lambda s: _order(pending[s][0][0]))
        entry_id, fields = pending[stream].pop(0)
        scanned += 1
        item = keep(entry_id, fields)
        if item is not None:
            found.append(item)
    return found


def _json(text: str | None, default: Any) -> Any:
    if not text:
        return default
    try:
        return json.loads(text)
    except ValueError:
        return default


def _int(text: str | None) -> int:
    try:
        return int(float(text or 0))
    except ValueError:
        return 0


def fingerprint_item(entry_id: str, fields: Fields) -> dict[str, Any] | None:
    """A ``system-fingerprints`` entry as the API shows it, or None if it is malformed."""
    try:
        fp = Fingerprint.from_entry(fields)
    except BadFingerprint:
        return None
    return {
        "id": entry_id,
        "window_start": fp.window_start,
        "window_end": fp.window_end,
        "features": fp.system,
        "services": fp.services,
        "metrics": fp.metrics,
        "late_events": fp.late_events,
    }


def alert_item(fields: Fields) -> dict[str, Any] | None:
    """The alert JSON of an ``anomalies`` entry, or None if it is not one."""
    alert = _json(fields.get("alert"), None)
    if not isinstance(alert, dict) or "id" not in alert:
        return None
    return alert


def log_item(entry_id: str, fields: Fields) -> dict[str, Any]:
    """A ``log-metrics-stream`` entry as the API shows it."""
    return {
        "id": entry_id,
        "timestamp": _int(fields.get("timestamp")) or _int(entry_id.split("-")[0]),
        "level": fields.get("level", ""),
        "message": fields.get("message", ""),
        "service": fields.get("service"),
        "trace_id": fields.get("trace_id"),
        "context": _json(fields.get("context"), None),
    }
