"""The collector's ingest endpoints: validate, then one ``FCALL seismo_ingest`` per request.

The answer is sent only after Redis has applied the events, so a 2xx means the data is in
Redis. Validation happens before (``seismo.ingest.normalize``): a batch stores its valid
items and names each invalid one.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

import msgspec
import redis.asyncio as aioredis
from redis.exceptions import ResponseError
from starlette.requests import Request
from starlette.responses import Response

from seismo.config import Settings
from seismo.engine.functions import IngestCall, library_source
from seismo.engine.keys import installation_keys
from seismo.ingest import telemetry
from seismo.ingest.fastpath import decode_fast
from seismo.ingest.grouping import GroupWriter, PartlyStored
from seismo.ingest.normalize import (
    NAIVE_NOTE,
    PARSERS,
    Event,
    FieldError,
    batch_item_event,
    convert,
    naive_timestamp,
)
from seismo.ingest.schemas import Accepted, Batch, BatchResult, ItemResult
from seismo.ingest.shards import IngestWriter, ShardRouter, Stored
from seismo.web import JSON, retry_later


class BodyTooLarge(Exception):
    """The request body is larger than ``SEISMO_MAX_BODY_BYTES``."""


class BadJSON(Exception):
    """The request body is not JSON."""


async def read_body(request: Request, limit: int) -> bytes:
    """The body, refusing more than ``limit`` bytes before reading them all."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise BodyTooLarge
    return bytes(body)


def decode_json(body: bytes) -> Any:
    try:
        return msgspec.json.decode(body)
    except msgspec.DecodeError as exc:
        raise BadJSON(str(exc)) from None


async def read_json(request: Request, limit: int) -> Any:
    """The decoded body (see ``read_body``)."""
    return decode_json(await read_body(request, limit))


class Collector:
    """The collector's state: settings, Redis client, how to call the ingest Function."""

    def __init__(self, settings: Settings, client: aioredis.Redis) -> None:
        self.settings = settings
        self.client = client
        self.keys = installation_keys(settings)
        self.call = IngestCall.from_settings(settings, self.keys)
        self.shards = ShardRouter(settings, self.keys)
        self.writer = IngestWriter(client, settings.ingest_wait_replicas, settings.ingest_wait_ms)
        self.singles = GroupWriter(self._store_group)
        self.started = time.time()

    async def store(self, events: list[Any], batch_id: str | None = None) -> Stored:
        """Apply ``events``: one round trip, or with several shards one per shard at once.

        Raises the Redis error when nothing was stored; when only some shards failed the
        answer names the positions they held (``failed``), the rest being stored.
        """
        if not self.keys.sharded:
            return await self._store_shard(self.call, events, batch_id)
        groups = self.shards.split(events)
        replies = await asyncio.gather(
            *(self._store_shard(self.shards.calls[i], group, batch_id) for i, group in groups),
            return_exceptions=True,
        )
        return self.shards.join(events, groups, replies)

    async def store_all(self, events: list[Any], batch_id: str | None = None) -> Stored:
        """``store`` for callers that answer for the whole request (OTLP, the forward
        proxy): a shard that failed fails the request with its error (503), and the
        client's retry of the same batch id stores only what is missing."""
        stored = await self.store(events, batch_id)
        if stored.failed:
            raise next(iter(stored.failed.values()))
        return stored

    async def _store_shard(
        self, call: IngestCall, events: list[Any], batch_id: str | None
    ) -> Stored:
        """One ``FCALL`` (then ``WAIT`` if set). A server that lost the Function library
        (flushed, or a fresh replica) gets it again."""
        args = call.fcall_args(msgspec.json.encode(events), batch_id)
        with telemetry.FCALL_SECONDS.time():
            try:
                reply = await self.writer.apply(args)
            except ResponseError as exc:
                if "Function not found" not in str(exc):
                    raise
                await self.client.function_load(library_source(), replace=True)
                reply = await self.writer.apply(args)
        accepted, _, duplicate, late = reply
        return Stored(int(accepted), {int(p) for p in late}, bool(duplicate))

    async def _store_group(self, events: list[Event]) -> set[int]:
        stored = await self.store(events)
        if stored.failed:
            raise PartlyStored(stored.late, stored.failed)
        return stored.late

    def single(self, kind: str, route: str) -> Callable[[Request], Awaitable[Response]]:
        """The endpoint ``route`` taking one event of ``kind`` in either of its shapes."""

        async def endpoint(request: Request) -> Response:
            raw = await read_json(request, self.settings.max_body_bytes)
            try:
                event = PARSERS[kind](raw, now_ms())
            except FieldError:
                telemetry.EVENTS.labels(route, "rejected").inc()
                raise
            late = await self.singles.write(event)
            telemetry.EVENTS.labels(route, "late" if late else "accepted").inc()
            notes = [NAIVE_NOTE] if naive_timestamp(raw) else None
            return JSON(Accepted(status="accepted", late=bool(late), notes=notes))

        return endpoint

    async def batch(self, request: Request) -> Response:
        """``/api/batch``: every valid item lands; each invalid one is named in the answer."""
        body = await read_body(request, self.settings.max_body_bytes)
        now = now_ms()
        fast = decode_fast(body, now)
        if fast is not None:
            events: list[Any] = fast.metrics
            batch_id = fast.batch_id
            results = [ItemResult(index=i, status="accepted") for i in range(len(events))]
        else:
            batch = convert(decode_json(body), Batch)
            events, results = parse_items(batch.metrics, now)
            batch_id = batch.batch_id
        if not events:
            return JSON(batch_result(batch_id, results, 0, 0, False), status_code=422)
        stored = await self.store(events, batch_id)
        label = "duplicate" if stored.duplicate else "accepted"
        telemetry.EVENTS.labels("batch", label).inc(len(events) - len(stored.failed))
        if stored.failed:
            mark_unstored(results, stored.failed)
        answer = batch_result(
            batch_id, results, stored.accepted, len(stored.late), stored.duplicate
        )
        if stored.failed:
            return JSON(answer, status_code=503, headers=retry_later())
        return JSON(answer)


def mark_unstored(results: list[ItemResult], failed: dict[int, Exception]) -> None:
    """Mark the items whose shard could not be written: not stored, retry (same batch_id)."""
    positions = [i for i, r in enumerate(results) if r.status == "accepted"]
    for event_position, exc in failed.items():
        index = positions[event_position]
        results[index] = ItemResult(
            index=results[index].index,
            status="unavailable",
            error=f"not stored: its shard's Redis failed ({exc}); retry with the same batch_id",
        )


def parse_items(items: list[Any], now: int) -> tuple[list[Event], list[ItemResult]]:
    """Valid items become events; each item gets a result saying what happened to it."""
    events: list[Event] = []
    results: list[ItemResult] = []
    for index, item in enumerate(items):
        try:
            events.append(batch_item_event(item, index, now))
            note = NAIVE_NOTE if naive_timestamp(item) else None
            results.append(ItemResult(index=index, status="accepted", note=note))
        except FieldError as exc:
            telemetry.EVENTS.labels("batch", "rejected").inc()
            results.append(
                ItemResult(index=index, status="rejected", field=exc.field, error=exc.message)
            )
    return events, results


def batch_result(
    batch_id: str | None, results: list[ItemResult], accepted: int, late: int, duplicate: bool
) -> BatchResult:
    """The answer to a batch; ``status`` is accepted, partial, duplicate or rejected."""
    rejected = sum(1 for r in results if r.status == "rejected")
    unstored = any(r.status == "unavailable" for r in results)
    if unstored:
        status = "partial"
    elif duplicate:
        status = "duplicate"
    elif not accepted:
        status = "rejected"
    else:
        status = "partial" if rejected or unstored else "accepted"
    return BatchResult(
        status=status,
        accepted=accepted,
        rejected=rejected,
        late=late,
        duplicate=duplicate,
        items=results,
        batch_id=batch_id,
    )


def now_ms() -> int:
    return int(time.time() * 1000)
