"""``seismo aggregator``: close fingerprint windows on time until SIGINT or SIGTERM.

With ``SEISMO_REDIS_URL`` set it joins that Redis (any number of aggregators may run
against one Redis: each window is still closed once); without it, it starts the embedded
engine itself.
"""

from __future__ import annotations

import argparse
import threading
from typing import Any

from prometheus_client import CollectorRegistry

from seismo.cli.metrics_port import serve_metrics
from seismo.cli.roles import run_role
from seismo.config import Settings
from seismo.engine import Engine
from seismo.loops.aggregator import run_aggregator
from seismo.loops.aggregator_metrics import AggregatorMetrics


def register(commands: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "aggregator", help="close fingerprint windows inside Redis on time"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    return run_role(aggregate)


def aggregate(settings: Settings, engine: Engine, stop: threading.Event) -> None:
    """Run the aggregator loop on the engine until ``stop`` is set, with its metrics served
    on ``SEISMO_AGGREGATOR_METRICS_PORT``."""
    metrics = AggregatorMetrics(
        CollectorRegistry(), engine.client, engine.keys, settings.window_seconds * 1000
    )
    port = settings.aggregator_metrics_port
    serve_metrics(port, "SEISMO_AGGREGATOR_METRICS_PORT", metrics.registry)
    run_aggregator(engine.client, engine.keys, settings, stop, metrics.observe)
