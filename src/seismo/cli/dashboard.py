"""``seismo dashboard``: the dashboard API, WebSocket and UI on port 8080.

Uses the Redis of ``SEISMO_REDIS_URL`` when set, else starts the embedded one. A dashboard
started while that Redis is down still serves: its health says 503 until Redis answers.
"""

from __future__ import annotations

import argparse
import signal
from typing import Any

import uvicorn

from seismo.config import ConfigError, Settings, load_settings
from seismo.dashboard.app import create_app
from seismo.engine import prepare, running_engine
from seismo.engine.connection import Capabilities, RedisNotReady, connect
from seismo.engine.keys import Keys
from seismo.engine.server import port_is_free

READY_WAIT_S = 5.0
"""With ``SEISMO_REDIS_URL``, how long the dashboard waits for Redis before serving anyway."""


def register(commands: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "dashboard", help="serve the dashboard API, WebSocket and UI (port 8080)"
    )
    parser.set_defaults(handler=run)


def serve(settings: Settings, url: str, capabilities: Capabilities | None) -> None:
    """Serve the dashboard for the Redis at ``url`` until interrupted."""
    print(
        f"seismo dashboard: http://{settings.dashboard_host}:{settings.dashboard_port}"
        f" (Redis {url})",
        flush=True,
    )
    uvicorn.run(
        create_app(url, Keys(settings.namespace), capabilities=capabilities),
        host=settings.dashboard_host,
        port=settings.dashboard_port,
        log_level=settings.log_level,
        access_log=False,
    )


def run(args: argparse.Namespace) -> int:
    # uvicorn re-raises SIGTERM once it has shut down: as KeyboardInterrupt, it unwinds
    # running_engine, so the embedded Redis stops too instead of outliving the dashboard.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    settings = load_settings()
    if not port_is_free(settings.dashboard_host, settings.dashboard_port):
        raise ConfigError(f"SEISMO_DASHBOARD_PORT: port {settings.dashboard_port} is in use")
    if settings.redis_url is None:
        with running_engine(settings) as engine:
            serve(settings, engine.url, engine.capabilities)
        return 0
    client = connect(settings.redis_url)
    capabilities = None
    try:
        capabilities, _ = prepare(client, Keys(settings.namespace), READY_WAIT_S)
    except RedisNotReady as exc:
        print(f"seismo dashboard: {exc}; serving anyway (health says 503 until then)", flush=True)
    finally:
        client.close()
    serve(settings, settings.redis_url, capabilities)
    return 0
