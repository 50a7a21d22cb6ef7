"""The collector's ingest endpoints: validate, then one ``FCALL seismo_ingest`` per request.

The answer is sent only after Redis has applied the events, so a 2xx means the data is in
Redis. Validation happens before (``seismo.ingest.normalize``): a batch stores its valid
items and names each invalid one.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

import msgspec
import redis.asyncio as aioredis
from redis.exceptions import ResponseError
from starlette.requests import Request
from starlette.responses import Response

from seismo.config import Settings
from seismo.engine.functions import INGEST, IngestCall, library_source
from seismo.engine.keys import installation_keys
from seismo.ingest import telemetry
from seismo.ingest.fastpath import decode_fast
from seismo.ingest.grouping import GroupWriter
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
from seismo.web import JSON


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
        self.singles = GroupWriter(self._store_group)
        self.started = time.time()

    async def store(
        self, events: list[Any], batch_id: str | None = None
    ) -> tuple[int, set[int], bool]:
        """Apply ``events`` in one round trip: (accepted, late positions, duplicate batch).

        A server that lost the Function library (flushed, or a fresh replica) gets it again.
        """
        args = self.call.fcall_args(msgspec.json.encode(events), batch_id)
        with telemetry.FCALL_SECONDS.time():
            try:
                reply = await self.client.fcall(INGEST, *args)
            except ResponseError as exc:
                if "Function not found" not in str(exc):
                    raise
                await self.client.function_load(library_source(), replace=True)
                reply = await self.client.fcall(INGEST, *args)
        accepted, _, duplicate, late = reply
        return int(accepted), {int(p) for p in late}, bool(duplicate)

    async def _store_group(self, events: list[Event]) -> set[int]:
        _, late, _ = await self.store(events)
        return late

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
        _, late, duplicate = await self.store(events, batch_id)
        telemetry.EVENTS.labels("batch", "duplicate" if duplicate else "accepted").inc(len(events))
        accepted = 0 if duplicate else len(events)
        return JSON(batch_result(batch_id, results, accepted, len(late), duplicate))


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
    rejected = len(results) - sum(1 for r in results if r.status == "accepted")
    if duplicate:
        status = "duplicate"
    elif not accepted:
        status = "rejected"
    else:
        status = "partial" if rejected else "accepted"
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
