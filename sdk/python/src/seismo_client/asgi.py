"""ASGI middleware (FastAPI, Starlette): one request event per HTTP request served.

Starlette's router writes the route it matched into the request scope (``scope["route"]``),
which the middleware shares, so the template is known once the app has answered.
Lifespan and WebSocket traffic pass through untouched.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from seismo_client.client import SeismoClient
from seismo_client.propagation import CALLER_HEADER, caller_from, current_service
from seismo_client.routes import endpoint

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

CALLER_KEY = CALLER_HEADER.lower().encode()


def route_of(scope: Scope) -> str | None:
    """The path template of the route the router matched, if any."""
    path = getattr(scope.get("route"), "path", None)
    return path if isinstance(path, str) else None


def caller_of(scope: Scope) -> str | None:
    """The caller named by the request's caller header or ``tracestate``."""
    caller = tracestate = None
    for name, value in scope.get("headers", ()):
        lowered = name.lower()
        if lowered == CALLER_KEY:
            caller = value.decode("latin-1")
        elif lowered == b"tracestate":
            tracestate = value.decode("latin-1")
    return caller_from(caller, tracestate)


class ASGIMiddleware:
    """``app.add_middleware(ASGIMiddleware, client=client, service="svc")``, or wrap an app."""

    def __init__(self, app: ASGIApp, client: SeismoClient, service: str) -> None:
        self.app = app
        self.client = client
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        seen = {"status": 500, "size": 0}

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                seen["status"] = int(message["status"])
            elif message["type"] == "http.response.body":
                seen["size"] += len(message.get("body", b""))
            await send(message)

        token = current_service.set(self.service)
        try:
            await self.app(scope, receive, sending)
        finally:
            current_service.reset(token)
            self._record(scope, started, seen["status"], seen["size"])

    def _record(self, scope: Scope, started: float, status: int, size: int) -> None:
        try:
            caller = caller_of(scope)
            name = endpoint(scope.get("method", "GET"), route_of(scope))
        except Exception:
            self.client.stats.errors += 1
            return
        latency_ms = (time.perf_counter() - started) * 1000
        self.client.record_request(self.service, name, latency_ms, status, size, caller)
