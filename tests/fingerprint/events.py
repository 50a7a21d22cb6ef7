"""Known events sent through the real ingest Function, and the fingerprints read back."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import redis

from seismo.config import Settings
from seismo.engine.functions import INGEST, IngestCall
from seismo.engine.keys import Keys
from seismo.fingerprint.entry import Fingerprint

BASE_MS = 1_700_000_000_000
"""A window boundary for every window length 1-60 s (divisible by 60,000)."""

Ingest = Callable[[list[dict[str, Any]]], list[int]]


def app(
    ts: int, service: str = "checkout", endpoint: str = "GET:/cart", **fields: Any
) -> dict[str, Any]:
    """An application event at ``ts`` (epoch ms) with a 200 in 10 ms unless told otherwise."""
    event = {"type": "app", "timestamp": ts, "service": service, "endpoint": endpoint}
    return {**event, "response_time": 10.0, "status_code": 200, **fields}


def ingest_events(
    client: redis.Redis, keys: Keys, settings: Settings, events: list[dict[str, Any]]
) -> list[int]:
    """Apply ``events`` with ``seismo_ingest``; returns ``[accepted, late, duplicate]``."""
    args = IngestCall.from_settings(settings, keys).fcall_args(json.dumps(events).encode())
    reply = client.fcall(INGEST, *args)
    return [int(value) for value in reply[:3]]


def fingerprints(client: redis.Redis, keys: Keys) -> list[Fingerprint]:
    """Every entry of ``system-fingerprints``, oldest first."""
    return [Fingerprint.from_entry(fields) for _, fields in client.xrange(keys.fingerprints)]
