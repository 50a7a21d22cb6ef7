"""The long-lived probabilistic structures, sized up front from their error targets.

Count-Min sketches: ``CMS.INITBYPROB 0.001 0.01`` bounds the overestimate of any count by
0.1 % of the sketch's total with 99 % probability, in about 112 KiB each. The Cuckoo filter
is reserved with headroom over the million interactions it must hold: a filter filled to
exactly its capacity grows a second sub-filter (twice the memory, two lookups) and its
false-positive rate climbs with its load, so half-full keeps it under 1 %.
"""

from __future__ import annotations

import redis

from seismo.engine.keys import Keys

CMS_ERROR = 0.001
CMS_PROBABILITY = 0.01
CF_CAPACITY = 2_000_000
CF_BUCKET_SIZE = 2
CF_EXPANSION = 1


def ensure_structures(client: redis.Redis, keys: Keys) -> list[str]:
    """Create every missing sketch and filter; return the names that were created.

    Every role prepares the engine as it starts, often all at once: each creation is tried
    and an "item exists" answer means another process got there first, not a failure.
    """
    wanted = [
        (keys.service_calls, ("CF.RESERVE", keys.service_calls, CF_CAPACITY,
                              "BUCKETSIZE", CF_BUCKET_SIZE, "EXPANSION", CF_EXPANSION)),
        *[(sketch, ("CMS.INITBYPROB", sketch, CMS_ERROR, CMS_PROBABILITY))
          for sketch in keys.sketches],
    ]  # fmt: skip
    return [name for name, command in wanted if created(client, name, command)]


def created(client: redis.Redis, name: str, command: tuple[object, ...]) -> bool:
    """Run ``command`` to create ``name`` unless it exists; False when it already did."""
    if client.exists(name):
        return False
    try:
        client.execute_command(*command)
    except redis.ResponseError as exc:
        if "exists" in str(exc).lower():
            return False
        raise
    return True
