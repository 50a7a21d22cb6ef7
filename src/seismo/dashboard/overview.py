"""``/health`` and ``/redis-data``: how the installation is doing and what Redis holds.

``/redis-data`` summarises each long-lived structure with its own INFO command, its memory
(MEMORY USAGE) and a small sample (the heaviest endpoints of the newest window, their
counts in the sketches), and each stream with its length, memory and newest entries. With
several ingest shards each shard's sketches and streams are listed (its own keys, sampled
with its own services' endpoints and metrics).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import redis

from seismo.dashboard.context import Context, url_host
from seismo.dashboard.streams import Fields, entries
from seismo.engine.keys import Keys

Item = dict[str, Any]
STATUS_CODES = ("200", "201", "204", "301", "302", "400", "401", "403", "404", "429",
                "500", "502", "503", "504")  # fmt: skip
LAST_ENTRIES = 3
DETECTOR_STATE_FIELDS = ("trained", "needed", "status")


def _pairs(reply: Any) -> Item:
    """An INFO-style reply (flat list or map) as a dict with text keys."""
    if isinstance(reply, dict):
        return {str(k): v for k, v in reply.items()}
    return {str(reply[i]): reply[i + 1] for i in range(0, len(reply) - 1, 2)}


def training(ctx: Context) -> Item | None:
    """The detector's training progress, from its state hash when it has written one."""
    state = ctx.client.hgetall(ctx.keys.detector_state)
    if not state:
        return None
    picked: Item = {}
    for field in DETECTOR_STATE_FIELDS:
        value = state.get(field)
        picked[field] = int(value) if field != "status" and value and value.isdigit() else value
    return picked


def health(ctx: Context) -> tuple[Item, int]:
    """The health document and its HTTP status: 503 while Redis does not answer."""
    document: Item = {"uptime_s": round(ctx.clock() - ctx.started, 1)}
    redis_part: Item = {"connected": False, "url_host": url_host(ctx.url), "version": None}
    try:
        capabilities = ctx.capabilities()
        ctx.client.ping()
        redis_part.update(connected=True, version=capabilities.redis_version)
        anomaly_count = ctx.client.xlen(ctx.keys.anomalies)
        document.update(
            anomaly_count=anomaly_count,
            anomalies_count=anomaly_count,  # the seed's name, which its users' scripts read
            training=training(ctx),
            features={"search": capabilities.search, "vector_sets": capabilities.vector_sets},
            notes=_missing_notes(capabilities.search, capabilities.vector_sets),
        )
    except redis.RedisError as exc:
        document.update(status="degraded", redis=redis_part, error=f"Redis: {exc}")
        document.update(anomaly_count=None, anomalies_count=None, training=None)
        return document, 503
    status = "ok" if not document["notes"] else "degraded"
    return {"status": status, "redis": redis_part, **document}, 200


def _missing_notes(search: bool, vector_sets: bool) -> list[str]:
    notes = []
    if not search:
        notes.append("no RediSearch: search falls back to word matching over recent entries")
    if not vector_sets:
        notes.append("no vector sets: similar past incidents and suppression are off")
    return notes


def _memory(client: redis.Redis, key: str) -> int | None:
    value = client.memory_usage(key)
    return None if value is None else int(value)


SIZE_FIELD = {
    "cuckoo-filter": "Number of items inserted",
    "count-min-sketch": "count",
    "topk": "size",
    "vector-set": "size",
}
"""The INFO field that says how many items a structure of each type holds."""


def _structure(client: redis.Redis, key: str, kind: str, info: Item, sample: Any) -> Item:
    return {
        "key": key,
        "type": kind,
        "memory_bytes": _memory(client, key),
        "size": info.get(SIZE_FIELD[kind]),
        "info": {k: v for k, v in info.items() if isinstance(v, int | float | str)},
        "sample": sample,
    }


def _newest_window(ctx: Context) -> int | None:
    last = str(ctx.client.hget(ctx.keys.state, "last_closed"))
    if not last.lstrip("-").isdigit():
        return None
    return int(last) + 1


def _candidates(ctx: Context) -> tuple[int, ...]:
    """The open window, then the last closed one (whose keys may not be expired yet)."""
    window = _newest_window(ctx)
    return () if window is None else (window, window - 1)


def _heavy_endpoints(
    client: redis.Redis, shard: Keys, windows: tuple[int, ...]
) -> tuple[str, list[tuple[str, int]]]:
    """A shard's TopK of the open window (else the last closed one) and its heaviest
    endpoints (a service's endpoints are all in its shard's TopK)."""
    for candidate in windows:
        key = shard.window(candidate, "endpoints")
        if client.exists(key):
            reply = client.execute_command("TOPK.LIST", key, "WITHCOUNT")
            return key, [(str(reply[i]), int(reply[i + 1])) for i in range(0, len(reply) - 1, 2)]
    return "", []


def _business_names(client: redis.Redis, shard: Keys, windows: tuple[int, ...]) -> list[str]:
    """Business metrics a shard saw in the open window (else the last closed one)."""
    for candidate in windows:
        names = client.smembers(shard.window(candidate, "metrics"))
        found = sorted(str(n)[2:] for n in names if str(n).startswith("m:"))
        if found:
            return found[:20]
    return []


def _cms_sample(client: redis.Redis, key: str, items: list[str]) -> dict[str, int]:
    if not items or not client.exists(key):
        return {}
    counts = client.execute_command("CMS.QUERY", key, *items)
    return {item: int(n) for item, n in zip(items, counts, strict=True) if int(n) > 0}


def _sketches(ctx: Context) -> list[Item]:
    """Every shard's sketches (with one shard: the installation's), shard by shard."""
    windows = _candidates(ctx)
    return [item for shard in ctx.keys.all_shards for item in _shard_sketches(ctx, shard, windows)]


def _shard_sketches(ctx: Context, keys: Keys, windows: tuple[int, ...]) -> list[Item]:
    """One shard's Cuckoo filter, Count-Min sketches and newest TopK, each sampled with what
    that shard saw in the open window (its services' endpoints and metrics)."""
    client = ctx.client
    topk_key, heavy = _heavy_endpoints(client, keys, windows)
    endpoints = [name.replace(" ", ":", 1) for name, _ in heavy]
    found = []
    if client.exists(keys.service_calls):
        info = _pairs(client.execute_command("CF.INFO", keys.service_calls))
        sample = {"recent_pairs_known": endpoints}
        found.append(_structure(client, keys.service_calls, "cuckoo-filter", info, sample))
    samples: dict[str, list[str]] = {
        keys.endpoint_frequency: endpoints,
        keys.status_codes: list(STATUS_CODES),
        keys.business_metrics: _business_names(client, keys, windows),
    }
    for key, items in samples.items():
        if client.exists(key):
            info = _pairs(client.execute_command("CMS.INFO", key))
            counts = _cms_sample(client, key, items)
            found.append(_structure(client, key, "count-min-sketch", info, counts))
    if heavy:
        found.append(_structure(client, topk_key, "topk", {"size": len(heavy)}, dict(heavy)))
    return found


def _vector_set(ctx: Context) -> list[Item]:
    key = ctx.keys.incident_vectors
    if not ctx.client.exists(key):
        return []
    info = _pairs(ctx.client.execute_command("VINFO", key))
    sample = ctx.client.execute_command("VRANDMEMBER", key, 5) or []
    return [_structure(ctx.client, key, "vector-set", info, sample)]


def _decoded(fields: Fields) -> Item:
    out: Item = {}
    for name, value in fields.items():
        try:
            out[name] = json.loads(value) if value[:1] in "[{" else value
        except ValueError:
            out[name] = value
    return out


def _stream(client: redis.Redis, key: str) -> Item:
    newest = entries(client.xrevrange(key, count=LAST_ENTRIES))
    return {
        "key": key,
        "length": client.xlen(key),
        "memory_bytes": _memory(client, key),
        "last_entries": [{"id": i, "fields": _decoded(f)} for i, f in newest],
    }


def redis_data(ctx: Context) -> Item:
    """The structures and streams of the installation, summarised."""
    keys = ctx.keys
    per_shard = [stream for shard in keys.all_shards for stream in shard.streams]
    streams = (*per_shard, keys.fingerprints, keys.anomalies, keys.feedback_stream)
    readers: tuple[Callable[[Context], list[Item]], ...] = (_sketches, _vector_set)
    structures = [item for read in readers for item in read(ctx)]
    return {
        "structures": structures,
        "streams": [_stream(ctx.client, key) for key in streams],
    }
