"""``seismo collector``: the ingestion API on port 4000 (``SEISMO_COLLECTOR_PORT``).

Starts the embedded Redis unless ``SEISMO_REDIS_URL`` is set, then serves the collector
with ``SEISMO_COLLECTOR_WORKERS`` granian processes that share that Redis and one set of
Prometheus counters. Granian (a Rust HTTP server) was chosen over uvicorn by measurement:
about 1.5 times the single-metric requests per second on this machine, the same on batches
(see the README's ingest benchmark).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import threading
from typing import Any

from granian import Granian
from granian.constants import HTTPModes, Interfaces, Loops
from granian.log import LogLevels

from seismo.cli.roles import Listen, run_role
from seismo.config import Settings
from seismo.engine import Engine

WORKERS_KILL_TIMEOUT_S = 10
"""A worker still starting when the stop signal came can miss it and hang; it is killed
after this long, so a stop always ends."""


def register(commands: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "collector", help="serve the ingestion API (port 4000)"
    )
    parser.set_defaults(handler=run)


def listen(settings: Settings) -> Listen:
    return Listen("SEISMO_COLLECTOR_PORT", settings.collector_host, settings.collector_port)


def run(args: argparse.Namespace) -> int:
    return run_role(serve, listen)


def serve(settings: Settings, engine: Engine, stop: threading.Event) -> None:
    """Serve until SIGINT or SIGTERM (granian's own handlers stop its workers)."""
    with tempfile.TemporaryDirectory() as metrics_dir:
        # The workers build their app from the environment (granian imports it by name).
        os.environ["SEISMO_REDIS_URL"] = engine.url
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir
        print(
            f"seismo collector: http://{settings.collector_host}:{settings.collector_port}"
            f" (Redis {engine.url}, {settings.collector_workers} workers)",
            flush=True,
        )
        Granian(
            "seismo.ingest.app:create_app_from_env",
            factory=True,
            address=settings.collector_host,
            port=settings.collector_port,
            interface=Interfaces.ASGI,
            workers=settings.collector_workers,
            loop=Loops.uvloop,
            http=HTTPModes.http1,
            websockets=False,
            log_level=LogLevels(settings.log_level),
            respawn_failed_workers=True,
            workers_kill_timeout=WORKERS_KILL_TIMEOUT_S,
        ).serve()
