"""A loopback webhook receiver for the delivery bench: it notes when each alert arrived, or
(``hang_s``) holds every request that long, standing in for a receiver that times out.

An ASGI app served by granian on its own thread (``seismo.bench.serving``): a threaded
Python HTTP server convoys on the GIL once dozens of connections are open, and would
measure itself rather than the notifier.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from seismo.bench.serving import serving


class Arrivals:
    """Alert id -> arrival time (epoch s) of its first request."""

    def __init__(self) -> None:
        self.times: dict[str, float] = {}
        self.lock = threading.Lock()
        self.url = ""

    def note(self, alert_id: str, when: float) -> None:
        with self.lock:
            self.times.setdefault(alert_id, when)

    def count(self, ids: set[str]) -> int:
        with self.lock:
            return len(ids & self.times.keys())


def receiver_app(arrivals: Arrivals, hang_s: float) -> Starlette:
    async def hook(request: Request) -> Response:
        when = time.time()
        body = await request.body()
        if hang_s:
            await asyncio.sleep(hang_s)
        elif body:
            arrivals.note(str(json.loads(body)["alert"]["id"]), when)
        return PlainTextResponse("ok")

    return Starlette(routes=[Route("/hook", hook, methods=["POST"])])


@contextmanager
def receiving(hang_s: float = 0.0) -> Iterator[Arrivals]:
    """A receiver on a free loopback port while the block runs."""
    arrivals = Arrivals()
    with serving(receiver_app(arrivals, hang_s)) as base:
        arrivals.url = f"{base}/hook"
        yield arrivals
