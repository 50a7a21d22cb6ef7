"""A loopback webhook receiver for the delivery bench: it notes when each alert arrived, or
(``hang_s``) holds every request that long, standing in for a receiver that times out."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


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


def _handler(arrivals: Arrivals, hang_s: float) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            when = time.time()
            body = self.rfile.read(int(self.headers.get("content-length") or 0))
            if hang_s:
                time.sleep(hang_s)
            elif body:
                arrivals.note(str(json.loads(body)["alert"]["id"]), when)
            try:
                self.send_response(200)
                self.send_header("content-length", "2")
                self.end_headers()
                self.wfile.write(b"ok")
            except OSError:
                self.close_connection = True

        def log_message(self, *_: Any) -> None:
            pass

    return Handler


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024
    """A burst opens many connections at once; the default backlog (5) would reset them."""


@contextmanager
def receiving(hang_s: float = 0.0) -> Iterator[Arrivals]:
    """A receiver on a free loopback port while the block runs."""
    arrivals = Arrivals()
    server = Server(("127.0.0.1", 0), _handler(arrivals, hang_s))
    arrivals.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield arrivals
    finally:
        server.shutdown()
        server.server_close()
