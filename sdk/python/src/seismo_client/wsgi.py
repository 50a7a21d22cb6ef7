"""WSGI middleware (Flask, Django): one request event per request the application serves.

The route template is read after the application ran, from what the framework already
matched (Flask's ``request.url_rule``) or by resolving the path once (Django's
``resolve``), so instrumenting costs no change to the application's code.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from seismo_client.client import SeismoClient
from seismo_client.propagation import CALLER_HEADER, caller_from, current_service
from seismo_client.routes import endpoint

Environ = dict[str, Any]
StartResponse = Callable[..., Any]
WSGIApp = Callable[[Environ, StartResponse], Iterable[bytes]]
RouteOf = Callable[[Environ], str | None]

CALLER_KEY = "HTTP_" + CALLER_HEADER.upper().replace("-", "_")


ROUTE_KEY = "seismo.route"
"""Where a framework hook leaves the matched route template in the WSGI environ."""


def flask_route(environ: Environ) -> str | None:
    """The rule Flask matched, left in the environ by the hook ``instrument_flask`` adds."""
    route = environ.get(ROUTE_KEY)
    return route if isinstance(route, str) else None


def instrument_flask(app: Any, client: SeismoClient, service: str) -> None:
    """Wrap ``app.wsgi_app`` and note each request's ``url_rule`` for ``flask_route``."""
    from flask import request

    def note_route() -> None:
        if request.url_rule is not None:
            request.environ[ROUTE_KEY] = request.url_rule.rule

    app.before_request(note_route)
    app.wsgi_app = WSGIMiddleware(app.wsgi_app, client, service, flask_route)


def django_route(environ: Environ) -> str | None:
    """The URL pattern Django resolves this path to, or None for an unknown path."""
    from django.urls import Resolver404, resolve

    try:
        return resolve(environ.get("PATH_INFO", "/")).route or None
    except Resolver404:
        return None


class WSGIMiddleware:
    """Wraps a WSGI app; records service, endpoint, latency, status, size and caller."""

    def __init__(self, app: WSGIApp, client: SeismoClient, service: str, route: RouteOf) -> None:
        self.app = app
        self.client = client
        self.service = service
        self.route = route

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        started = time.perf_counter()
        status = [500]

        def start(code: str, headers: list[tuple[str, str]], *exc: Any) -> Any:
            status[0] = int(code[:3])
            return start_response(code, headers, *exc)

        token = current_service.set(self.service)
        try:
            body = self.app(environ, start)
        except BaseException:
            self._record(environ, started, status[0], 0)
            raise
        finally:
            current_service.reset(token)
        return CountedBody(body, lambda size: self._record(environ, started, status[0], size))

    def _record(self, environ: Environ, started: float, status: int, size: int) -> None:
        try:
            name = endpoint(environ.get("REQUEST_METHOD", "GET"), self.route(environ))
            caller = caller_from(environ.get(CALLER_KEY), environ.get("HTTP_TRACESTATE"))
        except Exception:
            self.client.stats.errors += 1
            return
        latency_ms = (time.perf_counter() - started) * 1000
        self.client.record_request(self.service, name, latency_ms, status, size, caller)


class CountedBody:
    """The app's response body, passed through while its bytes are counted.

    The request is recorded when the server closes the body (WSGI calls ``close`` once the
    response is sent, even when it never iterated), so the latency covers a streamed body,
    and the app's own ``close`` is always called, as the WSGI spec requires.
    """

    def __init__(self, body: Iterable[bytes], done: Callable[[int], None]) -> None:
        self.body = body
        self.done = done
        self.size = 0

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self.body:
            self.size += len(chunk)
            yield chunk

    def close(self) -> None:
        try:
            close = getattr(self.body, "close", None)
            if close is not None:
                close()
        finally:
            self.done(self.size)
