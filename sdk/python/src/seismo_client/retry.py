"""When to try a batch again: exponential backoff with full jitter, ``Retry-After`` first.

Many clients retrying in lockstep after an outage would hit the collector together; full
jitter (a random wait up to the exponential bound) spreads them. A collector that says how
long to wait (``Retry-After`` on 503 and 429) knows better than the client, so its figure is
the least wait.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

RETRIED_STATUSES = frozenset({429}) | frozenset(range(500, 600))


@dataclass(frozen=True)
class RetryPolicy:
    """``attempts`` tries in all; waits of up to ``base_s * 2**n``, capped at ``cap_s``."""

    attempts: int = 5
    base_s: float = 0.2
    cap_s: float = 10.0

    def delay(self, attempt: int, retry_after_s: float | None, rng: random.Random) -> float:
        """Seconds to wait before try ``attempt + 1`` (``attempt`` counts from 0)."""
        bound = min(self.cap_s, self.base_s * 2**attempt)
        jittered = rng.uniform(0, bound)
        if retry_after_s is None:
            return jittered
        return max(min(retry_after_s, self.cap_s), jittered)


def retry_after_seconds(value: str | None) -> float | None:
    """The seconds of a ``Retry-After`` header (the delta form); ``None`` when absent or a date."""
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None
