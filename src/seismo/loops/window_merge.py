"""Closing windows when ingest is sharded: each shard closes its own, one merge joins them.

Each shard's windows are closed inside Redis by ``seismo_close_windows`` in partial mode,
on that shard's slot: per-service features are exact there (a service lives in one shard),
and the system part is kept as counters plus the window's t-digest and HyperLogLog. The
merge Function, on the installation's slot, takes every shard's pending partials (copying
the t-digests with ``DUMP``/``RESTORE``: on a cluster the shards live on other nodes),
sums the counters, merges the digests with ``TDIGEST.MERGE`` and appends one fingerprint
per window that every shard has closed. Copies are idempotent (``HSETNX`` per shard) and
``last_closed`` only moves forward inside the Function, so several aggregators still yield
each window exactly once; a shard's partials are deleted once the merge has passed them.
"""

from __future__ import annotations

import json
from typing import Any

import redis

from seismo.config import Settings
from seismo.engine.functions import CLOSE_WINDOWS, MERGE_WINDOWS, window_ttl_seconds
from seismo.engine.keys import Keys

PARTIAL_FIELDS = 4
"""Values per pending partial in a shard's reply: window, JSON, t-digest DUMP, HyperLogLog."""


def close_shards(
    client: redis.Redis, keys: Keys, settings: Settings, argv: list[Any]
) -> tuple[int, int, int, int]:
    """Close every shard's due windows and merge them: ``(merged, last merged window,
    skipped, now_ms)``. ``argv`` is the unsharded call's ``ARGV`` (same order)."""
    merged_before = client.hget(keys.state, "last_closed")
    ttl = window_ttl_seconds(settings)
    last_closed: list[int] = []
    partials: list[Any] = []
    skipped = now = 0
    for shard in keys.all_shards:
        shard_argv = [shard.prefix, *argv[1:], "partial", merged_before or "", ttl]
        shard_keys = [shard.state, shard.partials, shard.known_services]
        reply = client.fcall(CLOSE_WINDOWS, len(shard_keys), *shard_keys, *shard_argv)
        _, last, shard_skipped, now = (int(value) for value in reply[:4])
        last_closed.append(last)
        skipped = max(skipped, shard_skipped)
        pending = reply[4:]
        for start in range(0, len(pending), PARTIAL_FIELDS):
            partials += [shard.shard, *pending[start : start + PARTIAL_FIELDS]]
    window_ms, maxlen, most, names = argv[1], argv[4], argv[5], argv[8]
    merge_argv = [keys.prefix, window_ms, maxlen, names, json.dumps(last_closed), ttl, most]
    merged, last = client.fcall(
        MERGE_WINDOWS, 2, keys.state, keys.fingerprints, *merge_argv, *partials
    )
    return int(merged), int(last), skipped, now
