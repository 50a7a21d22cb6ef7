"""Window arithmetic shared by the collector, the aggregator and the tests (pure).

A window id is ``floor(timestamp_ms / window_ms)``; window ``w`` covers
``[w * window_ms, (w + 1) * window_ms)`` and may be closed ``grace`` after its end.
"""

from __future__ import annotations

import math

from seismo.config import Settings
from seismo.engine.functions import window_ttl_seconds

__all__ = ["window_ttl_seconds"]  # the TTL is the engine's; window arithmetic reads it here

CLOSE_BATCH = 32
"""Most windows one call of the closing Function closes; a backlog takes several calls."""

SILENT_SERVICE_SECONDS = 3600
"""How long a service that stopped reporting keeps a (zero) per-service vector. Its silence
is the origin its callers' failures are explained by, so it must outlast an outage: with 12
windows (12 s in the scenario bench) a service down for 20 s dropped out of the fingerprint
and its caller's 5xx opened a second incident naming the caller. A service removed on
purpose is news for this long, unless silenced."""
SILENT_SERVICE_MIN_WINDOWS = 12
"""At least this many windows, whatever their length."""


def window_id(timestamp_ms: int, window_ms: int) -> int:
    """The id of the window holding ``timestamp_ms``."""
    return timestamp_ms // window_ms


def lookback_windows(settings: Settings) -> int:
    """How many past windows may still hold data: older ones have expired, so a backlog
    beyond this (a long aggregator outage) is skipped rather than closed as empty."""
    return math.ceil(window_ttl_seconds(settings) / settings.window_seconds)


def silent_service_windows(settings: Settings) -> int:
    """Windows a silent service stays in the fingerprint (``SILENT_SERVICE_SECONDS``)."""
    windows = math.ceil(SILENT_SERVICE_SECONDS / settings.window_seconds)
    return max(SILENT_SERVICE_MIN_WINDOWS, windows)


def newest_closable(now_ms: int, window_ms: int, grace_ms: int) -> int:
    """The newest window whose end plus the grace period is at or before ``now_ms``."""
    return (now_ms - grace_ms) // window_ms - 1


def seconds_until_due(last_closed: int, now_ms: int, settings: Settings) -> float:
    """Seconds from ``now_ms`` until the window after ``last_closed`` may be closed,
    clamped to ``[0, window + grace]`` so a clock jump never parks the aggregator."""
    window_ms = settings.window_seconds * 1000
    due_ms = (last_closed + 2) * window_ms + settings.grace_seconds * 1000
    ceiling = settings.window_seconds + settings.grace_seconds
    return min(max((due_ms - now_ms) / 1000, 0.0), float(ceiling))
