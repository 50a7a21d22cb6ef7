"""``seismo collector``: the ingestion API on port 4000 (``SEISMO_COLLECTOR_PORT``).

Starts the embedded Redis unless ``SEISMO_REDIS_URL`` is set, then serves the collector
with ``SEISMO_COLLECTOR_WORKERS`` granian processes that share that Redis and one set of
Prometheus counters. Granian (a Rust HTTP server) was chosen over uvicorn by measurement:
about 1.5 times the single-metric requests per second on this machine, the same on batches
(see the README's ingest benchmark).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import tempfile
import threading
from typing import Any

from seismo.cli.roles import Listen, run_role, scheme, serve_app
from seismo.config import Settings
from seismo.engine import Engine


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
    """Serve until SIGINT or SIGTERM, the workers sharing one set of Prometheus counters."""
    with tempfile.TemporaryDirectory() as metrics_dir:
        # prometheus_client reads this variable when a process first imports it, and this
        # one already has (every command module is imported to build the parser): workers
        # forked from it would keep per-process counters that /metrics never sees, so they
        # are spawned, importing it afresh with the variable set.
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir
        multiprocessing.set_start_method("spawn", force=True)
        print(
            f"seismo collector: {scheme(settings)}://{settings.collector_host}:{settings.collector_port}"
            f" (Redis {engine.url}, {settings.collector_workers} workers)",
            flush=True,
        )
        serve_app(
            "seismo.ingest.app:create_app",
            listen(settings),
            settings,
            engine,
            workers=settings.collector_workers,
        )
