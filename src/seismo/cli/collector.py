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
from typing import Any

from granian import Granian
from granian.constants import HTTPModes, Interfaces, Loops
from granian.log import LogLevels

from seismo.config import ConfigError, load_settings
from seismo.engine import running_engine
from seismo.engine.server import port_is_free

WORKERS_KILL_TIMEOUT_S = 10
"""A worker still starting when the stop signal came can miss it and hang; it is killed
after this long, so a stop always ends."""


def register(commands: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "collector", help="serve the ingestion API (port 4000)"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    settings = load_settings()
    if not port_is_free(settings.collector_host, settings.collector_port):
        raise ConfigError(
            f"SEISMO_COLLECTOR_PORT: port {settings.collector_port} is already in use"
        )
    with running_engine(settings) as engine, tempfile.TemporaryDirectory() as metrics_dir:
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
    return 0
