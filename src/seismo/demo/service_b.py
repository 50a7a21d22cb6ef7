"""service-b: the one real demo service, a tiny JSON HTTP server (port 3000 by default).

service-a calls it every two seconds through the collector's ``/forward``, so the demo has
a real hop next to the simulated ones. It uses only the standard library (the web framework
belongs to the collector and the dashboard) and takes the faults as a callable answering
the current ``Effect`` on service-b: an error spike turns some answers into 500s, a latency
fault slows every answer down, and while it is down it hangs up without answering (the
collector's proxy then records the failed call, as a service mesh would).
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from seismo.demo.faults import NO_EFFECT, Effect

SERVICE = "service-b"
BASE_LATENCY_MS = 8.0
USERS = [
    {"id": 1, "name": "Ada Lovelace", "plan": "pro"},
    {"id": 2, "name": "Grace Hopper", "plan": "team"},
    {"id": 3, "name": "Alan Turing", "plan": "free"},
]
EffectSource = Callable[[], Effect]


def _info() -> tuple[int, dict[str, Any]]:
    return 200, {"service": SERVICE, "endpoints": sorted(ROUTES)}


def _health() -> tuple[int, dict[str, Any]]:
    return 200, {"status": "healthy", "service": SERVICE}


def _data() -> tuple[int, dict[str, Any]]:
    return 200, {"service": SERVICE, "items": [{"id": i, "value": i * i} for i in range(5)]}


def _error() -> tuple[int, dict[str, Any]]:
    return 500, {"error": "simulated internal error", "service": SERVICE}


def _users() -> tuple[int, dict[str, Any]]:
    return 200, {"users": USERS, "count": len(USERS)}


ROUTES: dict[str, Callable[[], tuple[int, dict[str, Any]]]] = {
    "/": _info,
    "/health": _health,
    "/api/data": _data,
    "/api/error": _error,
    "/api/v1/users": _users,
}
FAULTABLE = ("/api/data", "/api/v1/users")


def respond(path: str, effect: Effect, rng: random.Random) -> tuple[int, dict[str, Any]]:
    """The status and JSON body for ``GET path`` under ``effect`` (pure but for ``rng``)."""
    route = ROUTES.get(path.split("?", 1)[0])
    if route is None:
        return 404, {"error": f"no route {path}", "service": SERVICE}
    if path in FAULTABLE and rng.random() < effect.error_rate:
        return 500, {"error": "injected fault: error spike", "service": SERVICE}
    return route()


def make_handler(effects: EffectSource, seed: int = 0) -> type[BaseHTTPRequestHandler]:
    """A request handler class answering ``ROUTES`` under the faults ``effects`` reports."""
    rng = random.Random(seed)

    class Handler(BaseHTTPRequestHandler):
        server_version = "seismo-service-b"

        def do_GET(self) -> None:
            effect = effects()
            if effect.down:
                self.close_connection = True
                return
            time.sleep(BASE_LATENCY_MS * max(0.0, effect.latency_factor - 1.0) / 1000)
            status, body = respond(self.path, effect, rng)
            payload = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: the collector records every call; an access log would only add noise."""

    return Handler


def make_server(
    host: str, port: int, effects: EffectSource = lambda: NO_EFFECT
) -> ThreadingHTTPServer:
    """service-b bound to ``host:port``, not yet serving."""
    server = ThreadingHTTPServer((host, port), make_handler(effects))
    server.daemon_threads = True
    return server


def serve_in_thread(server: ThreadingHTTPServer) -> threading.Thread:
    """Serve ``server`` from a daemon thread (for tests and embedding); stop with shutdown()."""
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return thread
