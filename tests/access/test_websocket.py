"""The dashboard's WebSocket with keys required: closed with 4401/4403 and the reason, or
served to a ``read`` key passed as the browser does it (``/ws?api_key=``) or in a header."""

from __future__ import annotations

import json

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from tests.access.conftest import Stack


def ws_url(stack: Stack, query: str = "") -> str:
    return stack.dashboard.replace("http://", "ws://") + "/ws" + query


def closed_with(url: str) -> tuple[int, str]:
    with connect(url, open_timeout=5) as socket, pytest.raises(ConnectionClosed) as closed:
        socket.recv(timeout=5)
    frame = closed.value.rcvd
    assert frame is not None
    return frame.code, frame.reason


def test_a_websocket_without_a_key_is_closed_with_4401_and_why(stack: Stack) -> None:
    code, reason = closed_with(ws_url(stack))
    assert code == 4401
    assert "API key required" in reason


def test_a_websocket_with_an_ingest_key_is_closed_with_4403(stack: Stack) -> None:
    code, reason = closed_with(ws_url(stack, f"?api_key={stack.tokens['ingest']}"))
    assert code == 4403
    assert "'read'" in reason


@pytest.mark.parametrize("how", ["query", "header"])
def test_a_websocket_with_a_read_key_is_served(stack: Stack, how: str) -> None:
    token = stack.tokens["read"]
    query = f"?api_key={token}" if how == "query" else ""
    headers = {"X-API-Key": token} if how == "header" else None
    with connect(ws_url(stack, query), open_timeout=5, additional_headers=headers) as socket:
        socket.send(json.dumps({"since": 0}))
        with pytest.raises(TimeoutError):
            socket.recv(timeout=1)  # served and idle: nothing to replay, not closed
