"""What the collector reports about its Redis: health, versions, structure sizes.

Read-only queries for ``/health`` and ``/config``; every figure comes from Redis itself
(INFO, MODULE LIST, CF.INFO, CMS.INFO, MEMORY USAGE, XLEN).
"""

from __future__ import annotations

from typing import Any

import redis.asyncio as aioredis

from seismo.engine.functions import VERSION
from seismo.engine.keys import Keys


def _text(value: Any) -> Any:
    return value.decode() if isinstance(value, bytes) else value


def _pairs(reply: dict[Any, Any] | list[Any]) -> dict[str, Any]:
    """A CF.INFO / CMS.INFO reply (a dict, or a flat ``[name, value, ...]`` list) as a dict."""
    if isinstance(reply, dict):
        return {str(_text(k)): _text(v) for k, v in reply.items()}
    return {str(_text(reply[i])): _text(reply[i + 1]) for i in range(0, len(reply), 2)}


async def server_health(client: aioredis.Redis) -> dict[str, Any]:
    """Server version, modules and the loaded Function library version."""
    info = await client.info("server")
    modules = await client.module_list()
    library = await client.fcall_ro(VERSION, 0)
    address = client.connection_pool.connection_kwargs
    return {
        "connected": True,
        "address": f"{address.get('host')}:{address.get('port')}",
        "version": info.get("redis_version"),
        "modules": {str(_text(m[b"name"])): _text(m[b"ver"]) for m in modules},
        "library_version": _text(library),
    }


async def structures(client: aioredis.Redis, keys: Keys) -> dict[str, Any]:
    """Sizes and parameters of the sketches, the filter and the streams."""
    out: dict[str, Any] = {}
    cf = _pairs(await client.execute_command("CF.INFO", keys.service_calls))
    out[keys.service_calls] = {"type": "cuckoo-filter", **cf}
    for sketch in keys.sketches:
        info = _pairs(await client.execute_command("CMS.INFO", sketch))
        out[sketch] = {"type": "count-min-sketch", **info}
    for stream in (*keys.streams, keys.fingerprints, keys.anomalies):
        out[stream] = {"type": "stream", "length": await client.xlen(stream)}
    for name, entry in out.items():
        entry["memory_bytes"] = await client.memory_usage(name) or 0
    return out
