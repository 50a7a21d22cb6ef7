"""An ASGI app served by granian in a thread on loopback, for benchmarks and tests.

The same server as the ``seismo collector`` and ``seismo dashboard`` roles (granian's
embedded mode: one worker on an event loop of its own thread), on a real socket rather than
an in-process transport, so what is measured or tested is what a client meets. Stops when
the ``with`` block ends, closing the WebSockets still open: a server process does that by
exiting, but the embedded server would leave them open after it stops listening.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from granian.constants import HTTPModes, Interfaces
from granian.log import LogLevels
from granian.server.embed import Server
from starlette.types import ASGIApp, Receive, Scope, Send

from seismo.engine.server import free_port

START_TIMEOUT_S = 10.0
STOP_TIMEOUT_S = 10.0
RESTART_CODE = 1012


def _answers(port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
        return True
    return False


class OpenSockets:
    """The app, keeping the task and ``send`` of each WebSocket it serves so a stop can end them.

    A stop first sends each client a close frame (1012, service restart) and then cancels
    the handler: the frame tells the client even when a handler busy in a Redis read or a
    thread does not end at once.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.open: dict[asyncio.Task[Any], Send] = {}
        self.stopping = False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        task = asyncio.current_task()
        if scope["type"] != "websocket" or task is None:
            return await self.app(scope, receive, send)
        self.open[task] = send
        try:
            await self.app(scope, receive, send)
        except asyncio.CancelledError:
            if not self.stopping:
                raise
        finally:
            self.open.pop(task, None)

    async def close_all(self) -> None:
        """End every open WebSocket's handler; the server then drops its connection."""
        self.stopping = True
        for task, send in list(self.open.items()):
            with contextlib.suppress(Exception):
                await send({"type": "websocket.close", "code": RESTART_CODE})
            task.cancel()
        await asyncio.gather(*self.open, return_exceptions=True)


@contextmanager
def serving(app: Any, port: int = 0) -> Iterator[str]:
    """Serve ``app`` on 127.0.0.1, on ``port`` or a free one; yield its base URL.

    Serving a new app on the port of a stopped one restarts a backend behind open clients.
    """
    port = port or free_port()
    sockets = OpenSockets(app)
    server = Server(
        sockets,
        address="127.0.0.1",
        port=port,
        interface=Interfaces.ASGI,
        http=HTTPModes.http1,
        websockets=True,
        log_level=LogLevels.error,
    )
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_until_complete, args=(server.serve(),), daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while not _answers(port):
            if time.monotonic() > deadline or not thread.is_alive():
                raise RuntimeError(f"the server did not start on port {port}")
            time.sleep(0.01)
        yield f"http://127.0.0.1:{port}"
    finally:
        with contextlib.suppress(Exception):
            asyncio.run_coroutine_threadsafe(sockets.close_all(), loop).result(STOP_TIMEOUT_S)
        loop.call_soon_threadsafe(server.stop)
        thread.join(timeout=STOP_TIMEOUT_S)
        if not thread.is_alive():
            loop.close()
