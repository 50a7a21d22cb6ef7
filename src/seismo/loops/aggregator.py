"""The aggregator role: triggers the window-closing Function on time, and nothing more.

Every feature is computed inside Redis by ``seismo_close_windows``; this loop only sleeps
until the next window's end plus the grace period (by the server's clock, which every
aggregator shares) and calls it. The Function is atomic and advances ``last_closed``, so
any number of aggregators yield each window exactly once, and a restarted one resumes
where the last call stopped.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

import redis

from seismo.config import Settings
from seismo.engine.functions import CLOSE_WINDOWS, load_library
from seismo.engine.keys import Keys
from seismo.fingerprint.features import SERVICE_FEATURES, SYSTEM_FEATURES
from seismo.fingerprint.windows import (
    CLOSE_BATCH,
    lookback_windows,
    seconds_until_due,
    silent_service_windows,
)
from seismo.loops.window_merge import close_shards

log = logging.getLogger(__name__)

RETRY_S = 1.0
"""Pause after a Redis error before trying again."""


@dataclass(frozen=True)
class CloseResult:
    """What one call of the closing Function did."""

    closed: int
    last_closed: int
    skipped: int
    now_ms: int


def close_windows(
    client: redis.Redis,
    keys: Keys,
    settings: Settings,
    now_ms: int | None = None,
    max_windows: int = CLOSE_BATCH,
) -> CloseResult:
    """Close every due window (at most ``max_windows``); ``now_ms=None`` uses Redis's clock.
    With several shards each closes its own and ``close_shards`` merges them."""
    argv = [
        keys.prefix,
        settings.window_seconds * 1000,
        settings.grace_seconds * 1000,
        "" if now_ms is None else now_ms,
        settings.fingerprint_maxlen,
        max_windows,
        lookback_windows(settings),
        silent_service_windows(settings),
        json.dumps(SYSTEM_FEATURES),
        json.dumps(SERVICE_FEATURES),
    ]
    if keys.sharded:
        return CloseResult(*close_shards(client, keys, settings, argv))
    close_keys = keys.close_keys
    reply = client.fcall(CLOSE_WINDOWS, len(close_keys), *close_keys, *argv)
    closed, last_closed, skipped, now = (int(value) for value in reply)
    return CloseResult(closed, last_closed, skipped, now)


def _close_once(client: redis.Redis, keys: Keys, settings: Settings) -> CloseResult:
    """One call; reloads the library if the server lost it (``FUNCTION FLUSH``, new server)."""
    try:
        return close_windows(client, keys, settings)
    except redis.ResponseError as exc:
        if "function not found" not in str(exc).lower():
            raise
        load_library(client)
        return close_windows(client, keys, settings)


def next_wait(result: CloseResult, settings: Settings) -> float:
    """Seconds to sleep after ``result``: none while a backlog remains."""
    if result.closed >= CLOSE_BATCH:
        return 0.0
    return seconds_until_due(result.last_closed, result.now_ms, settings) + 0.01


def _log_result(result: CloseResult) -> None:
    """Routine closes at debug level; a catch-up or a skipped backlog is worth a line."""
    level = logging.INFO if result.closed > 1 or result.skipped else logging.DEBUG
    if result.closed or result.skipped:
        log.log(level, "closed %d window(s) up to window %d, skipped %d old window(s)",
                result.closed, result.last_closed, result.skipped)  # fmt: skip


def run_aggregator(
    client: redis.Redis,
    keys: Keys,
    settings: Settings,
    stop: threading.Event,
    observe: Callable[[CloseResult], None] | None = None,
) -> None:
    """Close windows on time until ``stop`` is set; a Redis outage is logged and retried.
    ``observe`` sees every call's result (the role's metrics)."""
    while not stop.is_set():
        try:
            result = _close_once(client, keys, settings)
        except redis.RedisError as exc:
            log.warning("closing windows failed (%s); retrying in %.0f s", exc, RETRY_S)
            stop.wait(RETRY_S)
            continue
        _log_result(result)
        if observe is not None:
            observe(result)
        stop.wait(next_wait(result, settings))
