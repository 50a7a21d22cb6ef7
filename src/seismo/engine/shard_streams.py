"""Reading an event stream across shards: the newest entries of every shard's copy.

With several ingest shards each writes its own ``detailed-metrics`` (and business and log)
stream; a reader wanting "the newest N events" reads N from each shard and keeps the
newest N by entry id (epoch ms first, so the order is by arrival time across nodes to
within their clocks). With one shard it is one ``XREVRANGE``, as before.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import redis

from seismo.engine.connection import text
from seismo.engine.keys import Keys


def _entry_order(entry: Any) -> tuple[int, int]:
    millis, _, sequence = text(entry[0]).partition("-")
    return int(millis), int(sequence or 0)


def newest_entries(
    client: redis.Redis, keys: Keys, stream: Callable[[Keys], str], count: int
) -> list[Any]:
    """The newest ``count`` entries, newest first, of ``stream(shard)`` over every shard."""
    if not keys.sharded:
        return list(client.xrevrange(stream(keys), count=count) or [])
    pipe = client.pipeline(transaction=False)
    for shard in keys.all_shards:
        pipe.xrevrange(stream(shard), count=count)
    found = [entry for reply in pipe.execute() for entry in reply]
    return sorted(found, key=_entry_order, reverse=True)[:count]
