"""Server spans waiting for their parent's export, so their caller is known.

A server span usually ends, and is exported, before the client span of its caller in
another process. A span whose parent is unknown is parked (``otlp-waiting``) for at most
``WAIT_MS``; the export that brings the parent releases it with the parent's service as
caller, and any trace export after that delay stores it without one. Each parent's spans
are stored with the batch id ``otlp-waiting:<parent>``, so two collector processes
releasing the same parent count its spans once.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import msgspec
import redis.asyncio as aioredis

from seismo.engine.keys import Keys
from seismo.ingest.normalize import Event, FieldError
from seismo.ingest.otlp.timing import Arrival
from seismo.ingest.otlp.traces import Raw, request_event

WAIT_MS = 6_000
"""Longer than the SDKs' default 5 s between span exports."""
KEY_TTL_S = 600
SWEEP = 100
"""Parents given up on per trace export, at most."""
Store = Callable[[list[Event], str], Awaitable[Any]]


class Waiting:
    """The parked server spans of one installation, stored through ``store``."""

    def __init__(self, client: aioredis.Redis, keys: Keys, store: Store) -> None:
        self.client = client
        self.keys = keys
        self.store = store

    async def park(self, waiting: dict[str, dict[str, Raw]], now_ms: int) -> None:
        """Keep each parent's waiting spans; its deadline is set by the first to wait."""
        pipe = self.client.pipeline(transaction=False)
        for parent, requests in waiting.items():
            key = self.keys.otlp_waiting_spans(parent)
            pipe.hset(key, mapping={s: msgspec.json.encode(r) for s, r in requests.items()})
            pipe.expire(key, KEY_TTL_S)
            pipe.zadd(self.keys.otlp_waiting, {parent: now_ms + WAIT_MS}, nx=True)
        await pipe.execute()

    async def among(self, span_ids: list[str]) -> list[str]:
        """The ``span_ids`` that spans wait for."""
        if not span_ids:
            return []
        scores = await self.client.zmscore(self.keys.otlp_waiting, span_ids)
        return [s for s, score in zip(span_ids, scores, strict=True) if score is not None]

    async def due(self, now_ms: int) -> list[str]:
        """Parents waited for longer than ``WAIT_MS``."""
        found = await self.client.zrangebyscore(self.keys.otlp_waiting, 0, now_ms, 0, SWEEP)
        return [p.decode() if isinstance(p, bytes) else str(p) for p in found]

    async def release(self, parent: str, caller: str | None, arrival: Arrival) -> None:
        """Store the spans waiting for ``parent`` (called by ``caller``), then forget them."""
        key = self.keys.otlp_waiting_spans(parent)
        events = []
        for raw in (await self.client.hgetall(key)).values():
            try:
                events.append(request_event(msgspec.json.decode(raw), caller, arrival))
            except FieldError:
                continue  # checked when parked; only a clock gone wrong gets here
        if events:
            await self.store(events, f"otlp-waiting:{parent}")
        pipe = self.client.pipeline(transaction=False)
        pipe.delete(key)
        pipe.zrem(self.keys.otlp_waiting, parent)
        await pipe.execute()
