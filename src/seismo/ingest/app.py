"""The collector: Seismo's ingestion HTTP API (SPEC section 3) as a Starlette app.

``create_app(settings, engine=None)`` builds it, the signature both web apps share: the
Redis is the running ``engine``'s when one is given, else the one ``settings.redis_url``
names (each collector worker process builds its app that way). Errors are JSON everywhere:
bad input 400/413/422 naming the field, Redis unreachable 503 with ``Retry-After`` (the
client reconnects on the next request).
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

import httpx
import redis.asyncio as aioredis
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from seismo import __version__
from seismo.access.gate import Access, Gate
from seismo.access.scopes import collector_scope
from seismo.config import Settings
from seismo.engine.connection import connect_async, is_cluster
from seismo.ingest import forward, server_info, telemetry
from seismo.ingest.collector import BadJSON, BodyTooLarge, Collector
from seismo.ingest.normalize import FieldError
from seismo.ingest.openapi import openapi_document
from seismo.ingest.otlp.routes import OtlpRoutes
from seismo.web import JSON, REDIS_DOWN, error, redis_unavailable, redis_url, retry_later

if TYPE_CHECKING:
    from seismo.engine import Engine

ENDPOINTS = {
    "POST /api/metrics": "one application metric (nested or flat shape)",
    "POST /api/business-metrics": "one business metric",
    "POST /api/logs": "one log event",
    "POST /api/batch": "many items, answered per item",
    "GET /forward/<service>/<path>": "demo proxy: forwards and records the call",
    "POST /v1/metrics": "OpenTelemetry OTLP/HTTP metrics (protobuf or JSON)",
    "POST /v1/traces": "OpenTelemetry OTLP/HTTP traces (protobuf or JSON)",
    "GET /health": "Redis connectivity, versions, modules (also /status)",
    "GET /metrics": "Prometheus exposition",
    "GET /config": "configuration and data-structure figures",
    "GET /openapi.json": "OpenAPI document",
}


class Routes:
    """The non-ingest routes, sharing the collector's state."""

    def __init__(self, collector: Collector, http: httpx.AsyncClient) -> None:
        self.collector = collector
        self.http = http

    async def index(self, request: Request) -> Response:
        return JSON({"service": "seismo-collector", "version": __version__, "endpoints": ENDPOINTS})

    async def health(self, request: Request) -> Response:
        try:
            redis_info = await server_info.server_health(self.collector.client)
        except REDIS_DOWN as exc:
            body = {"status": "unhealthy", "redis": {"connected": False, "error": str(exc)}}
            return JSON(body, status_code=503, headers=retry_later())
        uptime = round(time.time() - self.collector.started, 1)
        return JSON(
            {"status": "healthy", "version": __version__, "uptime_s": uptime, "redis": redis_info}
        )

    async def metrics(self, request: Request) -> Response:
        body, media_type = telemetry.exposition()
        return Response(body, media_type=media_type)

    async def config(self, request: Request) -> Response:
        settings = self.collector.settings.model_dump(mode="json", exclude={"redis_url"})
        figures = await server_info.structures(self.collector.client, self.collector.keys)
        return JSON({"settings": settings, "structures": figures})

    async def openapi(self, request: Request) -> Response:
        return JSON(openapi_document())

    async def forward(self, request: Request) -> Response:
        service = request.path_params["service"]
        base_url = self.collector.settings.forward_targets.get(service)
        if base_url is None:
            return error(404, f"no forward target for service {service!r}", "service")
        path = request.path_params["path"]
        response, status, elapsed_ms = await forward.forward_call(
            self.http, base_url, path, request
        )
        await self.collector.store_all(
            [forward.call_event(service, path, request, status, elapsed_ms)]
        )
        return response


def _handlers(client: aioredis.Redis) -> dict[Any, Any]:
    async def field_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, FieldError)
        return error(422, exc.message, exc.field)

    async def bad_json(request: Request, exc: Exception) -> Response:
        return error(400, f"body is not valid JSON: {exc}", "body")

    async def too_large(request: Request, exc: Exception) -> Response:
        return error(413, "body larger than SEISMO_MAX_BODY_BYTES", "body")

    async def redis_down(request: Request, exc: Exception) -> Response:
        telemetry.REDIS_ERRORS.inc()
        # The idle pooled connections lead to the server that just failed: after a restart
        # each would fail once more when next used, seconds later. Drop them now.
        # (A cluster client keeps a pool per node and refreshes them itself.)
        if not is_cluster(client):
            await client.connection_pool.disconnect(inuse_connections=False)
        return redis_unavailable(exc)

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        return error(exc.status_code, str(exc.detail))

    handlers: dict[Any, Any] = {
        FieldError: field_error,
        BadJSON: bad_json,
        BodyTooLarge: too_large,
        HTTPException: http_error,
    }
    handlers.update(dict.fromkeys(REDIS_DOWN, redis_down))
    return handlers


def create_app(settings: Settings, engine: Engine | None = None) -> Starlette:
    """The collector for ``settings``, on ``engine``'s Redis when given."""
    client = connect_async(redis_url(settings, engine), max_connections=256)
    collector = Collector(settings, client)
    http = httpx.AsyncClient(timeout=forward.UPSTREAM_TIMEOUT_S)
    routes = Routes(collector, http)
    otlp = OtlpRoutes(collector)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        await http.aclose()
        await collector.client.aclose()

    return Starlette(
        routes=[
            Route("/", routes.index),
            Route("/health", routes.health),
            Route("/status", routes.health),
            Route("/metrics", routes.metrics),
            Route("/config", routes.config),
            Route("/openapi.json", routes.openapi),
            Route("/api/metrics", collector.single("app", "metrics"), methods=["POST"]),
            Route(
                "/api/business-metrics",
                collector.single("business", "business-metrics"),
                methods=["POST"],
            ),
            Route("/api/logs", collector.single("log", "logs"), methods=["POST"]),
            Route("/api/batch", collector.batch, methods=["POST"]),
            Route("/forward/{service}/{path:path}", routes.forward),
            # OpenTelemetry OTLP/HTTP (seismo.ingest.otlp)
            Route("/v1/metrics", otlp.metrics, methods=["POST"]),
            Route("/v1/traces", otlp.traces, methods=["POST"]),
        ],
        exception_handlers=_handlers(collector.client),
        lifespan=lifespan,
        middleware=[gate(settings, collector.client)],
    )


def gate(settings: Settings, client: aioredis.Redis) -> Middleware:
    """API keys (scope ``ingest`` for POSTs, ``read`` for GETs) and the rate limit per key."""
    access = Access.of(settings, collector_scope, client, limited=True)
    return Middleware(Gate, access=access)
