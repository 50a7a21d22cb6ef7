"""The small app ``seismo bench sdk`` loads: one Starlette route, with or without the SDK.

It runs in a process of its own (``serve_app``), so the load generator never competes with
it for the interpreter lock, while the SDK's sender thread does, as it would in a real
service. ``seismo_client`` is imported only here, when a benchmark asks for it: the server
package does not depend on the SDK.
"""

from __future__ import annotations

import threading
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
