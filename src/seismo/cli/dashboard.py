"""``seismo dashboard``: the dashboard API, WebSocket and UI on port 8080.

Uses the Redis of ``SEISMO_REDIS_URL`` when set, else starts the embedded one, waiting like
every role while it loads its data. Once serving, an outage of Redis is a 503 on health
and the API until Redis answers again. One granian worker, like the collector's server:
the dashboard keeps one background indexer and one set of WebSocket subscribers.
"""

from __future__ import annotations

import argparse
import threading
from typing import Any

from seismo.cli.roles import Listen, run_role, scheme, serve_app
from seismo.config import Settings
from seismo.engine import Engine


def register(commands: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "dashboard", help="serve the dashboard API, WebSocket and UI (port 8080)"
    )
    parser.set_defaults(handler=run)


def listen(settings: Settings) -> Listen:
    return Listen("SEISMO_DASHBOARD_PORT", settings.dashboard_host, settings.dashboard_port)


def run(args: argparse.Namespace) -> int:
    return run_role(serve, listen)


def serve(settings: Settings, engine: Engine, stop: threading.Event) -> None:
    """Serve until SIGINT or SIGTERM (granian's own handlers stop its worker)."""
    print(
        f"seismo dashboard: {scheme(settings)}://{settings.dashboard_host}:{settings.dashboard_port}"
        f" (Redis {engine.url})",
        flush=True,
    )
    app = "seismo.dashboard.app:create_app"
    serve_app(app, listen(settings), settings, engine, websockets=True)
