"""Group commit: the single events of concurrent requests share one Function call.

Each ``FCALL`` has a fixed cost on both sides (the client's round trip, the Function's
set-up in Redis) that dwarfs one event's own work. Requests that reach the collector in the
same turn of the event loop are therefore written together, at the next turn, and each
waits for that call: every request still gets its answer only once its event is in Redis,
and an error reaches every request of the group. With a single client at a time a group
is one event, so nothing waits longer than it would alone.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

Event = dict[str, Any]
WriteMany = Callable[[list[Event]], Awaitable[set[int]]]
"""Stores events in one call and returns the positions of those that were late."""

MAX_GROUP = 1000


class PartlyStored(Exception):
    """Part of a group was not stored (its shard's Redis failed): ``failed`` maps those
    positions to their error; the others were stored (``late``: those that were late)."""

    def __init__(self, late: set[int], failed: dict[int, Exception]) -> None:
        super().__init__(f"{len(failed)} event(s) not stored")
        self.late = late
        self.failed = failed


class GroupWriter:
    """Collects events for one write per event-loop turn (at most ``MAX_GROUP`` each)."""

    def __init__(self, write_many: WriteMany) -> None:
        self._write_many = write_many
        self._pending: list[tuple[Event, asyncio.Future[bool]]] = []
        self._writing: set[asyncio.Task[None]] = set()  # the loop keeps only weak references

    async def write(self, event: Event) -> bool:
        """Store ``event`` with whatever else arrived meanwhile; True when it was late."""
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._pending.append((event, future))
        if len(self._pending) == 1:
            asyncio.get_running_loop().call_soon(self._flush)
        elif len(self._pending) >= MAX_GROUP:
            self._flush()
        return await future

    def _flush(self) -> None:
        group, self._pending = self._pending, []
        if group:
            task = asyncio.ensure_future(self._write(group))
            self._writing.add(task)
            task.add_done_callback(self._writing.discard)

    async def _write(self, group: list[tuple[Event, asyncio.Future[bool]]]) -> None:
        failed: dict[int, Exception] = {}
        try:
            late = await self._write_many([event for event, _ in group])
        except PartlyStored as partly:
            late, failed = partly.late, partly.failed
        except Exception as exc:  # every waiting request answers with this error
            for _, future in group:
                if not future.done():
                    future.set_exception(exc)
            return
        for position, (_, future) in enumerate(group):
            if future.done():
                continue
            if position in failed:
                future.set_exception(failed[position])
            else:
                future.set_result(position in late)
