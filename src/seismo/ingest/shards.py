"""Sharded ingest: a batch split by shard, one ``FCALL`` per shard, answers joined back.

With ``SEISMO_SHARDS`` > 1 every event goes to the shard of its service (a business event
without one: of its metric; a log without one: shard of ``""``), so one service's state
stays in one slot and each shard's ``FCALL`` is atomic on its own. The shards are written
concurrently; a shard whose Redis fails fails only its own events, which the answer names
(the rest are stored). A batch id marks each shard separately, so a retry of the same
batch applies only the shards that had failed.

``IngestWriter`` adds the optional ``WAIT``: the write is answered only once that many
replicas have it, so a primary's failover loses nothing acknowledged.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import RedisError
from redis.exceptions import TimeoutError as RedisTimeout

from seismo.config import Settings
from seismo.engine.connection import is_cluster
from seismo.engine.functions import INGEST, IngestCall
from seismo.engine.keys import Keys


class NotReplicated(RedisTimeout):
    """``WAIT`` timed out before enough replicas had the write: answered as unavailable
    (503), since a failover now could lose it; a retry with the same batch id is safe."""


@dataclass
class Stored:
    """What a store did: events applied, late positions, a duplicate batch, and the
    positions whose shard failed (with the error), which were not stored."""

    accepted: int
    late: set[int]
    duplicate: bool
    failed: dict[int, Exception] = field(default_factory=dict)


def routing_name(event: Any) -> str:
    """The name an event is sharded by: its service, else its metric, else ``""``."""
    if isinstance(event, dict):
        return str(event.get("service") or event.get("metric_name") or "")
    return str(getattr(event, "service", None) or getattr(event, "metric_name", None) or "")


class ShardRouter:
    """Splits events by shard and joins the shards' answers into one."""

    def __init__(self, settings: Settings, keys: Keys) -> None:
        self.keys = keys
        self.calls = [IngestCall.from_settings(settings, shard) for shard in keys.all_shards]

    def split(self, events: list[Any]) -> list[tuple[int, list[Any]]]:
        """``(shard, events)`` of every shard with events, the original order kept."""
        groups: dict[int, list[Any]] = {}
        for event in events:
            groups.setdefault(self.keys.shard_of(routing_name(event)), []).append(event)
        return sorted(groups.items())

    def join(
        self,
        events: list[Any],
        groups: list[tuple[int, list[Any]]],
        replies: list[Stored | BaseException],
    ) -> Stored:
        """One answer in the original positions; raises when no shard was stored."""
        positions: dict[int, list[int]] = {}
        for position, event in enumerate(events):
            positions.setdefault(self.keys.shard_of(routing_name(event)), []).append(position)
        if all(isinstance(reply, BaseException) for reply in replies):
            error = next(r for r in replies if isinstance(r, BaseException))
            raise error
        joined = Stored(0, set(), True)
        for (shard, _), reply in zip(groups, replies, strict=True):
            where = positions[shard]
            if isinstance(reply, Exception):
                joined.failed.update({p: reply for p in where})
                continue
            if isinstance(reply, BaseException):
                raise reply
            joined.accepted += reply.accepted
            joined.late.update(where[p] for p in reply.late)
            joined.duplicate = joined.duplicate and reply.duplicate
        return joined


class IngestWriter:
    """Runs one ingest ``FCALL``, followed on the same connection by ``WAIT`` if asked."""

    def __init__(self, client: aioredis.Redis, replicas: int, wait_ms: int) -> None:
        self.client = client
        self.replicas = replicas
        self.wait_ms = wait_ms
        self._slots_known = not is_cluster(client)
        self._discovery = asyncio.Lock()

    async def _node_of(self, key: Any) -> dict[str, Any]:
        """``target_nodes`` naming the node of ``key``'s slot (nothing for one Redis); the
        cluster's slot map is read before the first write and after any error."""
        if not is_cluster(self.client):
            return {}
        if not self._slots_known:
            async with self._discovery:
                if not self._slots_known:
                    await self.client.nodes_manager.initialize()  # type: ignore[attr-defined]
                    self._slots_known = True
        return {"target_nodes": self.client.get_node_from_key(key)}  # type: ignore[attr-defined]

    async def apply(self, args: list[Any]) -> Any:
        """The Function's reply; ``NotReplicated`` when ``WAIT`` fell short."""
        # On a cluster the shard's node is named here: redis-py would otherwise ask a node
        # for an FCALL's keys (``COMMAND GETKEYS``, the whole batch sent twice), and WAIT,
        # which counts its own connection's writes, must reach that same node.
        where = await self._node_of(args[1])
        try:
            return await self._apply(args, where)
        except RedisError:
            self._slots_known = False  # a failover may have moved the slot: read the map again
            raise

    async def _apply(self, args: list[Any], where: dict[str, Any]) -> Any:
        if not self.replicas:
            return await self.client.execute_command("FCALL", INGEST, *args, **where)
        pipe = self.client.pipeline(transaction=False)
        pipe.execute_command("FCALL", INGEST, *args, **where)
        pipe.execute_command("WAIT", self.replicas, self.wait_ms, **where)
        reply, acknowledged = await pipe.execute()
        if int(acknowledged) < self.replicas:
            raise NotReplicated(
                f"only {acknowledged} of {self.replicas} replica(s) confirmed the write "
                f"in {self.wait_ms} ms"
            )
        return reply
