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
    """Create every missing sketch and filter; return the names that were created."""
    created = []
    if not client.exists(keys.service_calls):
        client.execute_command(
            "CF.RESERVE", keys.service_calls, CF_CAPACITY,
            "BUCKETSIZE", CF_BUCKET_SIZE, "EXPANSION", CF_EXPANSION,
        )  # fmt: skip
        created.append(keys.service_calls)
    for sketch in keys.sketches:
        if not client.exists(sketch):
            client.execute_command("CMS.INITBYPROB", sketch, CMS_ERROR, CMS_PROBABILITY)
            created.append(sketch)
    return created
