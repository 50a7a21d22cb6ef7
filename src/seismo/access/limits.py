"""Rate limits per API key: a token bucket kept in Redis by ``seismo_take_token``.

The bucket lives in Redis, not in a process, so the collector's worker processes (and
collectors on several hosts) share one limit per key; each key has its own bucket, so a
flood from one key never slows another.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import redis.asyncio as aioredis

from seismo.engine.functions import TAKE_TOKEN
from seismo.engine.keys import Keys


@dataclass(frozen=True)
class RateLimit:
    """``rate`` requests per second per key, ``burst`` at once above it."""

    rate: float
    burst: int

    async def wait_s(self, client: aioredis.Redis, keys: Keys, key_id: str) -> int:
        """0 when the request may go; else the whole seconds to wait (``Retry-After``)."""
        taken, wait_ms = await client.fcall(
            TAKE_TOKEN, 1, keys.rate_bucket(key_id), self.rate, self.burst, 1
        )
        return 0 if int(taken) else max(1, math.ceil(int(wait_ms) / 1000))
