"""The OTLP/HTTP routes: decode, map (pure), store in one ingest call, then keep baselines.

An exporter retries a failed export with the same body, so the body's hash is the batch
id: a retry that reaches Redis twice counts once, for delta and cumulative series alike.
Cumulative baselines are saved only after their events are stored (a failed store leaves
them, and the retry computes the same differences).
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from google.protobuf import json_format
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
    ExportMetricsServiceRequest,
    ExportMetricsServiceResponse,
)
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from starlette.requests import Request
from starlette.responses import Response

from seismo.ingest import telemetry
from seismo.ingest.collector import Collector, now_ms, read_body
from seismo.ingest.normalize import FieldError
from seismo.ingest.otlp import baseline, decode, metrics, traces
from seismo.ingest.otlp.decode import PROTOBUF, UnsupportedMedia
from seismo.ingest.otlp.metrics import Mapped
from seismo.ingest.otlp.timing import Arrival
from seismo.ingest.otlp.waiting import Waiting
from seismo.web import JSON, error

CHUNK = 5_000
"""Events per ingest call: a large export becomes several calls, each with its own id."""
BASELINE_TTL_S = 86_400
Save = Callable[[], Awaitable[None]]
Mapper = Callable[[Any], Awaitable[tuple[Mapped, Save]]]
SPAN_TTL_S = 300


class OtlpRoutes:
    """``POST /v1/metrics`` and ``POST /v1/traces`` on the collector's Redis."""

    def __init__(self, collector: Collector) -> None:
        self.collector = collector
        self.keys = collector.keys
        self.waiting = Waiting(collector.client, collector.keys, self._store)

    async def metrics(self, request: Request) -> Response:
        return await self._export(request, ExportMetricsServiceRequest, self._map_metrics)

    async def traces(self, request: Request) -> Response:
        return await self._export(request, ExportTraceServiceRequest, self._map_traces)

    async def _export(self, request: Request, message: Any, mapper: Mapper) -> Response:
        try:
            kind = decode.media_type(request.headers.get("content-type", ""))
            body = await read_body(request, self.collector.settings.max_body_bytes)
            limit = self.collector.settings.max_body_bytes
            plain = decode.inflate(body, request.headers.get("content-encoding", ""), limit)
            parsed = decode.parse(plain, kind, message)
        except UnsupportedMedia as exc:
            return error(415, str(exc), "content-type")
        except FieldError as exc:
            return error(400, exc.message, exc.field)
        mapped, after = await mapper(parsed)
        await self._store(mapped.events, hashlib.sha256(plain).hexdigest()[:32])
        await after()
        route = "otlp-metrics" if message is ExportMetricsServiceRequest else "otlp-traces"
        telemetry.EVENTS.labels(route, "accepted").inc(len(mapped.events))
        telemetry.EVENTS.labels(route, "rejected").inc(mapped.rejected)
        return _answer(message, mapped, kind)

    async def _store(self, events: list[Any], digest: str) -> None:
        for start in range(0, len(events), CHUNK):
            chunk = events[start : start + CHUNK]
            await self.collector.store_all(chunk, f"otlp:{digest}:{start // CHUNK}")

    async def _map_metrics(self, parsed: Any) -> tuple[Mapped, Save]:
        keys = sorted(set(metrics.cumulative_keys(parsed)))
        stored = await self.collector.client.hmget(self.keys.otlp_baselines, keys) if keys else []
        known = {k: b for k, raw in zip(keys, stored, strict=True) if (b := baseline.decode(raw))}
        mapped = metrics.map_request(parsed, known, self._arrival())

        async def save() -> None:
            if mapped.baselines:
                fields = {k: baseline.encode(b) for k, b in mapped.baselines.items()}
                await self._set_expiring(self.keys.otlp_baselines, fields, BASELINE_TTL_S)

        return mapped, save

    async def _map_traces(self, parsed: Any) -> tuple[Mapped, Save]:
        own = traces.span_services(parsed)
        parents = traces.remote_parents(parsed)
        arrival = self._arrival()
        mapped = traces.map_request(parsed, await self._span_services(parents), arrival)

        async def save() -> None:
            if own:
                await self._set_expiring(self.keys.otlp_spans, own, SPAN_TTL_S)
            await self.waiting.park(mapped.waiting, arrival.now_ms)
            # A parent exported meanwhile by another request is in the cache by now.
            arrived = {**await self._span_services(sorted(mapped.waiting)), **own}
            for parent in await self.waiting.among(sorted(arrived)):
                await self.waiting.release(parent, arrived[parent], arrival)
            for parent in await self.waiting.due(arrival.now_ms):
                await self.waiting.release(parent, None, arrival)

        return mapped, save

    async def _span_services(self, span_ids: list[str]) -> dict[str, str]:
        """The services of the recently exported spans among ``span_ids``."""
        if not span_ids:
            return {}
        found = await self.collector.client.hmget(self.keys.otlp_spans, span_ids)
        return {p: _text(s) for p, s in zip(span_ids, found, strict=True) if s is not None}

    def _arrival(self) -> Arrival:
        settings = self.collector.settings
        return Arrival(now_ms(), settings.window_seconds * 1000, settings.grace_seconds * 1000)

    async def _set_expiring(self, key: str, fields: Mapping[str, bytes | str], ttl_s: int) -> None:
        """``HSET`` then ``HEXPIRE`` the fields written, in one round trip."""
        pipe = self.collector.client.pipeline(transaction=False)
        pipe.execute_command("HSET", key, *(x for pair in fields.items() for x in pair))
        pipe.execute_command("HEXPIRE", key, ttl_s, "FIELDS", len(fields), *fields)
        await pipe.execute()


def _answer(message: Any, mapped: Mapped, kind: str) -> Response:
    """OTLP's answer: empty on full success, ``partial_success`` naming what was refused."""
    if message is ExportMetricsServiceRequest:
        answer: Any = ExportMetricsServiceResponse()
        if mapped.rejected:
            answer.partial_success.rejected_data_points = mapped.rejected
    else:
        answer = ExportTraceServiceResponse()
        if mapped.rejected:
            answer.partial_success.rejected_spans = mapped.rejected
    if mapped.rejected:
        answer.partial_success.error_message = "; ".join(mapped.errors)
    if kind == PROTOBUF:
        return Response(answer.SerializeToString(), media_type=PROTOBUF)
    return JSON(json_format.MessageToDict(answer))


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
