"""Where objectives and their per-hour counts live in Redis (the edge of ``objectives``).

The fingerprint stream is capped (about three days at 5 s windows), so the counts an
objective needs for 30 days are folded out of it as it grows: per hour and service, one hash
of a few counters (``Keys.objective_hour``), expiring after ``KEEP_DAYS``. The dashboard's
background task calls ``catch_up``; a cursor (the last entry counted) is moved in the same
transaction as the counts, under WATCH, so two dashboards never count a window twice.

Objectives come from the objectives file (``SEISMO_OBJECTIVES_FILE``, TOML: one table per
service) and from the UI (the ``objectives`` hash), the UI's winning for a service.
"""

from __future__ import annotations

import json
import tomllib
from collections import defaultdict
from collections.abc import Mapping
from pathlib import Path

import redis

from seismo.config import ConfigError
from seismo.dashboard.objectives import KEEP_DAYS, Objective, hour_of, parse, window_counts
from seismo.dashboard.streams import entries
from seismo.engine.connection import text
from seismo.engine.keys import Keys
from seismo.fingerprint.entry import BadFingerprint, Fingerprint

BATCH = 500
"""Fingerprints counted per transaction."""


def catch_up(client: redis.Redis, keys: Keys, batches: int = 20) -> int:
    """Count the fingerprints added since the cursor into their hours; how many were."""
    counted = 0
    for _ in range(batches):
        done = _one_batch(client, keys)
        counted += done
        if done < BATCH:
            break
    return counted


def _one_batch(client: redis.Redis, keys: Keys) -> int:
    with client.pipeline() as pipe:
        try:
            pipe.watch(keys.objective_cursor)
            cursor = pipe.get(keys.objective_cursor)
            low = "-" if cursor is None else f"({text(cursor)}"
            batch = entries(pipe.xrange(keys.fingerprints, min=low, count=BATCH))
            if not batch:
                return 0
            pipe.multi()
            for _, fields in batch:
                _count(pipe, keys, fields)
            pipe.set(keys.objective_cursor, batch[-1][0])
            pipe.execute()
            return len(batch)
        except redis.WatchError:
            return 0


def _count(pipe: redis.client.Pipeline, keys: Keys, fields: Mapping[str, str]) -> None:
    try:
        window = Fingerprint.from_entry(fields)
    except BadFingerprint:
        return
    key = keys.objective_hour(hour_of(window.window_end))
    counts = window_counts(window.services)
    for name, n in counts.items():
        pipe.hincrby(key, name, n)
    if counts:
        pipe.expire(key, KEEP_DAYS * 24 * 3600)


def hours(
    client: redis.Redis, keys: Keys, now_ms: int, days: int
) -> dict[str, dict[int, dict[str, int]]]:
    """Per service, hour id -> counter -> n, for the last ``days`` days."""
    last = hour_of(now_ms)
    ids = list(range(last - days * 24 + 1, last + 1))
    with client.pipeline(transaction=False) as pipe:
        for hour in ids:
            pipe.hgetall(keys.objective_hour(hour))
        replies = pipe.execute()
    found: dict[str, dict[int, dict[str, int]]] = defaultdict(dict)
    for hour, reply in zip(ids, replies, strict=True):
        for name, value in (reply or {}).items():
            service, _, counter = str(name).rpartition("|")
            found[service].setdefault(hour, {})[counter] = int(value)
    return dict(found)


def load_file(path: Path | None) -> dict[str, Objective]:
    """The objectives file's objectives; a ``ConfigError`` naming the problem."""
    if path is None:
        return {}
    try:
        document = tomllib.loads(path.read_text())
        return {service: parse(service, table) for service, table in document.items()}
    except (OSError, tomllib.TOMLDecodeError, ValueError) as exc:
        raise ConfigError(f"SEISMO_OBJECTIVES_FILE {path}: {exc}") from None


def stored(client: redis.Redis, keys: Keys) -> dict[str, Objective]:
    """The objectives set from the UI (a malformed entry is skipped)."""
    found = {}
    for service, raw in client.hgetall(keys.objectives).items():
        try:
            found[str(service)] = parse(str(service), json.loads(raw))
        except ValueError:
            continue
    return found


def save(client: redis.Redis, keys: Keys, objective: Objective) -> None:
    client.hset(keys.objectives, objective.service, json.dumps(objective.to_dict()))


def remove(client: redis.Redis, keys: Keys, service: str) -> bool:
    return bool(client.hdel(keys.objectives, service))
