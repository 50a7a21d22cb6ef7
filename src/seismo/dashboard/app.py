"""The dashboard: Seismo's read API, operator feedback, WebSocket and UI, as a Starlette app.

``create_app(settings, engine=None)`` builds it, the signature both web apps share: the
Redis, names and server capabilities are the running ``engine``'s when one is given, else
``settings.redis_url`` and ``settings.namespace`` (the capabilities checked on first use).
The HTTP routes are plain functions (Starlette runs them in its thread pool); the WebSocket
is async. A background task keeps the search copies and the incident memory up to date
between requests. Every error is JSON ``{"error", "field"}``: 400 for a bad parameter, 404
for an unknown alert or path, 503 with ``Retry-After`` while Redis does not answer (the
next request reconnects).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

import msgspec
import redis.asyncio as aioredis
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute

from seismo.access import audit
from seismo.access.gate import Access, Gate
from seismo.access.scopes import dashboard_scope
from seismo.config import Settings
from seismo.dashboard import business, faults, graph, history, notify, overview, seed, static
from seismo.dashboard.context import Context
from seismo.dashboard.live import live_endpoint
from seismo.dashboard.metrics import DashboardMetrics, Instrumented
from seismo.dashboard.objective_store import load_file
from seismo.dashboard.openapi import openapi_document
from seismo.dashboard.params import BadRequest, operator, parse_filters
from seismo.engine.connection import EngineUnavailable, connect_async
from seismo.engine.keys import installation_keys
from seismo.web import REDIS_DOWN, error, redis_unavailable, redis_url, retry_later

if TYPE_CHECKING:
    from seismo.engine import Engine

log = logging.getLogger("seismo.dashboard")
REFRESH_S = 2.0


async def _bad_request(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, BadRequest)
    return error(exc.status, str(exc), exc.field)


async def _redis_down(_: Request, exc: Exception) -> Response:
    return redis_unavailable(exc)


async def _http_error(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    return error(exc.status_code, str(exc.detail))


def _who(request: Request) -> str:
    """Who gives a mark: ``?by=``, else the signed-in user when an auth middleware set one."""
    user = request.scope.get("user")
    signed_in = getattr(user, "display_name", "") if getattr(user, "is_authenticated", 0) else ""
    return operator(request.query_params) or str(signed_in)


class Api:
    """The HTTP routes of one ``Context``."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.metrics = DashboardMetrics(ctx.client, ctx.keys)

    def health(self, _: Request) -> Response:
        document, status = overview.health(self.ctx)
        headers = retry_later() if status == 503 else None
        return JSONResponse(document, status_code=status, headers=headers)

    def redis_data(self, _: Request) -> Response:
        return JSONResponse(overview.redis_data(self.ctx))

    def _listing(self, read: Callable[[Context, Any], list[dict[str, Any]]]) -> Any:
        def route(request: Request) -> Response:
            filters = parse_filters(request.query_params)
            if seed.wants_list(request.query_params):
                return JSONResponse(seed.as_list(read(self.ctx, filters)))
            return JSONResponse({"items": read(self.ctx, filters)})

        return route

    def _marking(self, outcome: str) -> Any:
        def route(request: Request) -> Response:
            alert_id = str(request.path_params["id"])
            return JSONResponse(history.mark(self.ctx, alert_id, outcome, _who(request)))

        return route

    def graph(self, _: Request) -> Response:
        return JSONResponse(graph.graph(self.ctx))

    def faults(self, _: Request) -> Response:
        return JSONResponse(faults.listing(self.ctx))

    async def start_fault(self, request: Request) -> Response:
        body = await request.body()
        fault = await run_in_threadpool(faults.start, self.ctx, body)
        return JSONResponse(fault, status_code=201)

    # --- alert delivery: an alert's deliveries, silences ---
    def deliveries(self, request: Request) -> Response:
        alert_id = str(request.path_params["id"])
        return JSONResponse({"items": notify.deliveries(self.ctx, alert_id)})

    def silences(self, _: Request) -> Response:
        return JSONResponse({"items": notify.silences(self.ctx)})

    async def create_silence(self, request: Request) -> Response:
        body = await request.body()
        silence = await run_in_threadpool(notify.create_silence, self.ctx, body)
        return JSONResponse(silence, status_code=201)

    def expire_silence(self, request: Request) -> Response:
        return JSONResponse(notify.expire_silence(self.ctx, str(request.path_params["id"])))

    def audit(self, request: Request) -> Response:
        limit = parse_filters(request.query_params).limit
        entries = audit.recent(self.ctx.client, self.ctx.keys, limit)
        return JSONResponse({"items": [msgspec.structs.asdict(entry) for entry in entries]})

    # --- the business view: KPIs, incident report, objectives ---
    def kpis(self, request: Request) -> Response:
        return JSONResponse(business.kpis(self.ctx, request.query_params))

    def incidents(self, request: Request) -> Response:
        return JSONResponse(business.incident_report(self.ctx, request.query_params))

    def objectives(self, _: Request) -> Response:
        return JSONResponse(business.objectives(self.ctx))

    async def set_objective(self, request: Request) -> Response:
        body = await request.body()
        return JSONResponse(await run_in_threadpool(business.set_objective, self.ctx, body))

    def delete_objective(self, request: Request) -> Response:
        service = str(request.path_params["service"])
        return JSONResponse(business.delete_objective(self.ctx, service))

    def openapi(self, _: Request) -> Response:
        return JSONResponse(openapi_document())

    def routes(self, make_client: Callable[[], aioredis.Redis]) -> list[Route | WebSocketRoute]:
        return [
            Route("/", static.index),
            Route("/favicon.svg", static.favicon),
            Route("/favicon.ico", static.favicon),
            Route("/health", self.health),
            Route("/redis-data", self.redis_data),
            Route("/openapi.json", self.openapi),
            Route("/metrics", self.metrics.route),
            Route("/api/fingerprints", self._listing(history.fingerprints)),
            Route("/api/anomalies", self._listing(history.anomalies)),
            Route("/api/logs", self._listing(history.logs)),
            Route("/api/anomalies/{id}/ack", self._marking("acknowledged"), methods=["POST"]),
            Route(
                "/api/anomalies/{id}/false-alarm", self._marking("false_alarm"), methods=["POST"]
            ),
            Route("/api/anomalies/{id}/deliveries", self.deliveries),
            Route("/api/silences", self.silences),
            Route("/api/silences", self.create_silence, methods=["POST"]),
            Route("/api/silences/{id}/expire", self.expire_silence, methods=["POST"]),
            Route("/api/graph", self.graph),
            Route("/api/faults", self.faults),
            Route("/api/faults", self.start_fault, methods=["POST"]),
            Route("/api/audit", self.audit),
            Route("/api/metrics/business", self.kpis),
            Route("/api/incidents", self.incidents),
            Route("/api/objectives", self.objectives),
            Route("/api/objectives", self.set_objective, methods=["POST"]),
            Route("/api/objectives/{service}", self.delete_objective, methods=["DELETE"]),
            WebSocketRoute("/ws", live_endpoint(self.ctx, make_client)),
            Route("/{path:path}", static.asset_or_page),
        ]


async def _keep_indexed(ctx: Context) -> None:
    """Forever: copy new alerts and logs into search and memory, riding out outages."""
    while True:
        try:
            await run_in_threadpool(history.refresh, ctx)
            await run_in_threadpool(business.refresh, ctx)
        except (*REDIS_DOWN, EngineUnavailable) as exc:
            log.debug("indexer waits for Redis: %s", exc)
        await asyncio.sleep(REFRESH_S)


def create_app(
    settings: Settings, engine: Engine | None = None, *, background: bool = True
) -> Starlette:
    """The dashboard for ``settings``, on ``engine``'s Redis when given.

    ``background`` runs the indexer task (tests turn it off to index on request).
    """
    url = redis_url(settings, engine)
    business_settings: dict[str, Any] = {
        "window_ms": settings.window_seconds * 1000,
        "file_objectives": load_file(settings.objectives_file),
    }
    if engine is None:
        ctx = Context(url, installation_keys(settings), **business_settings)
    else:
        ctx = Context(url, engine.keys, known=engine.capabilities, **business_settings)

    def make_client() -> aioredis.Redis:
        return connect_async(url, decode_responses=True)

    access = Access.of(settings, dashboard_scope, connect_async(url))

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        task = asyncio.create_task(_keep_indexed(ctx)) if background else None
        try:
            yield
        finally:
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            ctx.close()
            await access.client.aclose()

    handlers: dict[Any, Any] = {
        BadRequest: _bad_request,
        **dict.fromkeys(REDIS_DOWN, _redis_down),
        EngineUnavailable: _redis_down,
        HTTPException: _http_error,
    }
    api = Api(ctx)
    return Starlette(
        routes=api.routes(make_client),
        middleware=[
            Middleware(Instrumented, metrics=api.metrics),
            Middleware(Gate, access=access),
        ],
        exception_handlers=handlers,
        lifespan=lifespan,
    )
