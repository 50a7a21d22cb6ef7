"""The small app ``seismo bench sdk`` loads: one Starlette route, with or without the SDK.

It runs in a process of its own (``serve_app``), so the load generator never competes with
it for the interpreter lock, while the SDK's sender thread does, as it would in a real
service. ``seismo_client`` is imported only here, when a benchmark asks for it: the server
package does not depend on the SDK.
"""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from seismo.bench.serving import serving

SERVICE = "bench-orders"
PATH = "/orders/17"
BODY = b'{"items": 2}'


async def order(request: Request) -> JSONResponse:
    return JSONResponse({"order": request.path_params["order_id"], "status": "accepted"})


def bench_app(collector_url: str | None) -> Any:
    """The app alone, or instrumented with the SDK's ASGI middleware sending to the URL."""
    app = Starlette(routes=[Route("/orders/{order_id:int}", order, methods=["POST"])])
    if collector_url is None:
        return app
    from seismo_client import ASGIMiddleware, SeismoClient

    return ASGIMiddleware(app, SeismoClient(collector_url), SERVICE)


def serve_app(port: int, collector_url: str | None) -> None:
    """Serve ``bench_app`` on ``port`` until the process is terminated."""
    with serving(bench_app(collector_url), port):
        threading.Event().wait()


async def _call(app: Any, calls: int) -> None:
    """Call the ASGI ``app`` ``calls`` times with one request, no server or socket between."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": PATH,
        "raw_path": PATH.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"content-type", b"application/json")],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 80),
    }
    request = {"type": "http.request", "body": BODY, "more_body": False}

    async def receive() -> dict[str, Any]:
        return request

    async def send(message: Any) -> None:
        return None

    for _ in range(calls):
        await app(dict(scope), receive, send)


def call_cost_us(collector_url: str | None, calls: int, flush: bool) -> float:
    """CPU time of this process per call of ``bench_app``, the SDK's thread included.

    With ``flush`` (a collector that is up), what is queued is sent before the clock
    stops, so encoding and sending every event are counted; a collector that is down
    would only be waited for. Run it in a fresh process per figure.
    """
    app = bench_app(collector_url)
    asyncio.run(_call(app, min(calls, 500)))  # imports, route compilation, first connection
    started = time.process_time()
    asyncio.run(_call(app, calls))
    if flush:
        app.client.flush(60)
    cost = (time.process_time() - started) / calls * 1e6
    if collector_url is not None:
        app.client.close(0)  # no waiting out retries at exit when the collector is down
    return cost
