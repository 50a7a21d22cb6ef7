"""``seismo collector``: the ingestion API on port 4000 (``SEISMO_COLLECTOR_PORT``).

Starts the embedded Redis unless ``SEISMO_REDIS_URL`` is set, then serves the collector
with ``SEISMO_COLLECTOR_WORKERS`` uvicorn processes that share that Redis and one set of
Prometheus counters.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from typing import Any

import uvicorn

from seismo.config import ConfigError, load_settings
from seismo.engine import running_engine
from seismo.engine.server import port_is_free


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
        uvicorn.run(
            "seismo.ingest.app:create_app_from_env",
            factory=True,
            host=settings.collector_host,
            port=settings.collector_port,
            workers=settings.collector_workers,
            log_level=settings.log_level,
            access_log=False,
        )
    return 0
