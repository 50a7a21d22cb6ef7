"""The batch marker's name is written once, in ``Keys``: the ingest Function sets the key it
is given, so a retried batch counts once under any namespace."""

from __future__ import annotations

import json
import time

import redis

from seismo.config import Settings
from seismo.engine.functions import BATCH_ID_TTL_S, INGEST, IngestCall
from seismo.engine.keys import Keys
from seismo.engine.structures import ensure_structures


def _ingest(client: redis.Redis, call: IngestCall, batch_id: str | None) -> list[int]:
    event = {"type": "log", "timestamp": int(time.time() * 1000), "level": "info", "message": "x"}
    reply = client.fcall(INGEST, *call.fcall_args(json.dumps([event]).encode(), batch_id))
    return [int(value) for value in reply[:3]]


def test_a_batch_id_marks_the_key_keys_names_and_a_retry_counts_once(
    redis_client: redis.Redis,
) -> None:
    keys = Keys("shop")
    ensure_structures(redis_client, keys)
    call = IngestCall.from_settings(Settings(namespace="shop"), keys)
    assert _ingest(redis_client, call, "b-1") == [1, 0, 0]
    assert _ingest(redis_client, call, "b-1") == [0, 0, 1]
    marker = keys.batch_marker("b-1")
    assert marker == "{shop}:batch:b-1" and marker.startswith(keys.batch_prefix)
    assert 0 < redis_client.ttl(marker) <= BATCH_ID_TTL_S
    assert list(redis_client.scan_iter(match=keys.batch_prefix + "*")) == [marker.encode()]


def test_without_a_batch_id_nothing_is_marked(redis_client: redis.Redis, keys: Keys) -> None:
    call = IngestCall.from_settings(Settings(), keys)
    assert _ingest(redis_client, call, None) == [1, 0, 0]
    assert _ingest(redis_client, call, None) == [1, 0, 0]
    assert list(redis_client.scan_iter(match=keys.batch_prefix + "*")) == []
