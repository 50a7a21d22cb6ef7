"""The demo's fault store in Redis, shared by ``seismo fault``, the dashboard and the simulator.

Faults live in the ``demo-faults`` hash (see ``Keys.demo_faults``), one field per kind and
service, so injecting the same fault again restarts it rather than stacking it. A fault
ends at its ``end_ms``: readers ignore and delete ended ones, and the hash itself expires
with its last fault, so a forgotten fault never outlives its duration.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import redis

from seismo.demo.faults import Fault, new_fault
from seismo.engine.keys import Keys

Clock = Callable[[], float]


def now_ms(clock: Clock = time.time) -> int:
    """The current time in epoch milliseconds (``clock`` answers epoch seconds)."""
    return int(clock() * 1000)


def inject(
    client: redis.Redis,
    keys: Keys,
    kind: str,
    service: str | None,
    duration_s: float,
    clock: Clock = time.time,
    size: float = 1.0,
) -> Fault:
    """Start ``kind`` on ``service`` (its default target when None) now, for ``duration_s``,
    at ``size`` of its full effect."""
    return store(client, keys, new_fault(kind, service, duration_s, now_ms(clock), size))


def store(client: redis.Redis, keys: Keys, fault: Fault) -> Fault:
    """Save an already built fault; the hash lives until the last of its faults ends."""
    with client.pipeline(transaction=True) as pipe:
        pipe.hset(keys.demo_faults, fault.field, fault.to_json())
        pipe.pexpireat(keys.demo_faults, fault.end_ms, nx=True)
        pipe.pexpireat(keys.demo_faults, fault.end_ms, gt=True)
        pipe.execute()
    return fault


def active(client: redis.Redis, keys: Keys, now: int) -> list[Fault]:
    """The faults active at epoch ms ``now``, sorted by start; ended ones are deleted."""
    stored = [Fault.from_json(raw) for raw in client.hvals(keys.demo_faults)]
    ended = [fault.field for fault in stored if fault.end_ms <= now]
    if ended:
        client.hdel(keys.demo_faults, *ended)
    return sorted((f for f in stored if f.is_active(now)), key=lambda f: (f.start_ms, f.field))


def clear(client: redis.Redis, keys: Keys, kind: str | None = None) -> int:
    """End every fault now, or only those of ``kind``; answers how many were removed."""
    fields = [Fault.from_json(raw).field for raw in client.hvals(keys.demo_faults)]
    chosen = [name for name in fields if kind is None or name.split(":", 1)[0] == kind]
    return int(client.hdel(keys.demo_faults, *chosen)) if chosen else 0
