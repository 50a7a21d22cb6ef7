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
from seismo.engine.keys import Keys
from seismo.ingest import telemetry
from seismo.ingest.normalize import PARSERS, Event, FieldError, batch_item_event, convert
from seismo.ingest.schemas import Accepted, Batch, BatchResult, ErrorBody, ItemResult


class JSON(Response):
    """A JSON response encoded by msgspec (structs, dicts and lists alike)."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return msgspec.json.encode(content)


class BodyTooLarge(Exception):
    """The request body is larger than ``SEISMO_MAX_BODY_BYTES``."""


class BadJSON(Exception):
    """The request body is not JSON."""


def error(status: int, message: str, field: str | None = None, **headers: str) -> JSON:
    return JSON(ErrorBody(error=message, field=field), status_code=status, headers=headers)


async def read_json(request: Request, limit: int) -> Any:
    """The decoded body, refusing more than ``limit`` bytes before reading them all."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise BodyTooLarge
    try:
        return msgspec.json.decode(bytes(body))
    except msgspec.DecodeError as exc:
        raise BadJSON(str(exc)) from None


class Collector:
    """The collector's state: settings, Redis client, how to call the ingest Function."""

    def __init__(self, settings: Settings, client: aioredis.Redis) -> None:
        self.settings = settings
        self.client = client
        self.keys = Keys(settings.namespace)
        self.call = IngestCall.from_settings(settings, self.keys)
        self.started = time.time()

    async def store(
        self, events: list[Event], batch_id: str | None = None
    ) -> tuple[int, int, bool]:
        """Apply ``events`` in one round trip: (accepted, late, duplicate batch).

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
        accepted, late, duplicate = reply
        return int(accepted), int(late), bool(duplicate)

    def single(self, kind: str) -> Callable[[Request], Awaitable[Response]]:
        """An endpoint taking one event of ``kind`` in either of its shapes."""

        async def endpoint(request: Request) -> Response:
            raw = await read_json(request, self.settings.max_body_bytes)
            try:
                event = PARSERS[kind](raw, now_ms())
            except FieldError:
                telemetry.EVENTS.labels(kind, "rejected").inc()
                raise
            _, late, _ = await self.store([event])
            telemetry.EVENTS.labels(kind, "late" if late else "accepted").inc()
            return JSON(Accepted(status="accepted", late=bool(late)))

        return endpoint

    async def batch(self, request: Request) -> Response:
        """``/api/batch``: every valid item lands; each invalid one is named in the answer."""
        raw = await read_json(request, self.settings.max_body_bytes)
        batch = convert(raw, Batch)
        events, results = parse_items(batch.metrics, now_ms())
        accepted = len(events)
        if not events:
            return JSON(batch_result(batch, results, 0, 0, False, "rejected"), status_code=422)
        _, late, duplicate = await self.store(events, batch.batch_id)
        for event in events:
            outcome = "duplicate" if duplicate else "accepted"
            telemetry.EVENTS.labels(event["type"], outcome).inc()
        status = (
            "duplicate" if duplicate else ("partial" if accepted < len(results) else "accepted")
        )
        return JSON(
            batch_result(batch, results, 0 if duplicate else accepted, late, duplicate, status)
        )


def parse_items(items: list[Any], now: int) -> tuple[list[Event], list[ItemResult]]:
    """Valid items become events; each item gets a result saying what happened to it."""
    events: list[Event] = []
    results: list[ItemResult] = []
    for index, item in enumerate(items):
        try:
            events.append(batch_item_event(item, index, now))
            results.append(ItemResult(index=index, status="accepted"))
        except FieldError as exc:
            telemetry.EVENTS.labels(
                str(item.get("type") if isinstance(item, dict) else "?"), "rejected"
            ).inc()
            results.append(
                ItemResult(index=index, status="rejected", field=exc.field, error=exc.message)
            )
    return events, results


def batch_result(
    batch: Batch, results: list[ItemResult], accepted: int, late: int, duplicate: bool, status: str
) -> BatchResult:
    rejected = sum(1 for r in results if r.status == "rejected")
    return BatchResult(
        status=status,
        accepted=accepted,
        rejected=rejected,
        late=late,
        duplicate=duplicate,
        items=results,
        batch_id=batch.batch_id,
    )


def now_ms() -> int:
    return int(time.time() * 1000)
