"""The stored silences (``Keys.silences``): create, list, expire; for the CLI and dashboard.

Expiring a silence ends it now rather than deleting it, so what was silenced stays visible;
listing forgets silences that ended more than a day ago.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

import redis

from seismo.alert.silence import Silence, expired_long_ago, new_silence, parse_all
from seismo.engine.keys import Keys


class SilenceBook:
    def __init__(
        self, client: redis.Redis, keys: Keys, clock: Callable[[], float] = time.time
    ) -> None:
        self.client = client
        self.keys = keys
        self.clock = clock

    def now_ms(self) -> int:
        return int(self.clock() * 1000)

    def create(
        self,
        matchers: Mapping[str, Any],
        duration_s: float,
        comment: str = "",
        created_by: str = "",
        incident_id: str | None = None,
    ) -> Silence:
        """A silence from now for ``duration_s``, stored."""
        start = self.now_ms()
        silence = new_silence(
            matchers, start, start + int(duration_s * 1000), comment, created_by, incident_id
        )
        self.client.hset(self.keys.silences, silence.id, silence.to_json())
        return silence

    def listing(self) -> list[Silence]:
        """Active and recently ended silences; older ones are removed."""
        now = self.now_ms()
        silences = parse_all(self.client.hgetall(self.keys.silences))
        old = [s.id for s in silences if expired_long_ago(s, now)]
        if old:
            self.client.hdel(self.keys.silences, *old)
        return [s for s in silences if s.id not in old]

    def expire(self, silence_id: str) -> Silence | None:
        """End the silence now; None when there is no such silence."""
        stored = self.client.hget(self.keys.silences, silence_id)
        if stored is None:
            return None
        silence = Silence.from_json(stored)
        ended = replace(silence, ends_at=min(silence.ends_at, self.now_ms()))
        self.client.hset(self.keys.silences, silence_id, ended.to_json())
        return ended
