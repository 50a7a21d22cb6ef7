"""An ASGI app served by granian in a thread on loopback, for benchmarks and tests.

The same server as the ``seismo collector`` and ``seismo dashboard`` roles (granian's
embedded mode: one worker on an event loop of its own thread), on a real socket rather than
an in-process transport, so what is measured or tested is what a client meets. Stops when
the ``with`` block ends.
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

from seismo.engine.server import free_port

START_TIMEOUT_S = 10.0
STOP_TIMEOUT_S = 10.0


def _answers(port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
        return True
    return False


@contextmanager
def serving(app: Any, port: int = 0) -> Iterator[str]:
    """Serve ``app`` on 127.0.0.1, on ``port`` or a free one; yield its base URL.

    Serving a new app on the port of a stopped one restarts a backend behind open clients.
    """
    port = port or free_port()
    server = Server(
        app,
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
        loop.call_soon_threadsafe(server.stop)
        thread.join(timeout=STOP_TIMEOUT_S)
        if not thread.is_alive():
            loop.close()
