"""The test server's stop: every open WebSocket client is told at once, with 1012."""

from __future__ import annotations

import asyncio
import contextlib
import threading

import pytest
from starlette.applications import Starlette
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from seismo.bench.serving import RESTART_CODE, serving


def slow_to_stop_app(handler_done: threading.Event) -> Starlette:
    """A WebSocket handler that, cancelled, still takes seconds to end (a thread it waits on)."""

    async def endpoint(websocket: WebSocket) -> None:
        await websocket.accept()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.shield(asyncio.sleep(3))
            handler_done.set()
            raise

    return Starlette(routes=[WebSocketRoute("/ws", endpoint)])


def test_a_stop_closes_open_websockets_with_1012_before_their_handlers_end() -> None:
    handler_done = threading.Event()
    with serving(slow_to_stop_app(handler_done)) as url:
        client = connect(url.replace("http://", "ws://") + "/ws", open_timeout=5)
    with client, pytest.raises(ConnectionClosed) as closed:
        client.recv(timeout=1)
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == RESTART_CODE
