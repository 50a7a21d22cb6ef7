"""``seismo aggregator``: close fingerprint windows on time until SIGINT or SIGTERM.

With ``SEISMO_REDIS_URL`` set it joins that Redis (any number of aggregators may run
against one Redis: each window is still closed once); without it, it starts the embedded
engine itself.
"""

from __future__ import annotations

import argparse
import threading
from typing import Any

from seismo.cli.roles import run_role
from seismo.config import Settings
from seismo.engine import Engine
from seismo.loops.aggregator import run_aggregator


def register(commands: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "aggregator", help="close fingerprint windows inside Redis on time"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    return run_role(aggregate)


def aggregate(settings: Settings, engine: Engine, stop: threading.Event) -> None:
    """Run the aggregator loop on the engine until ``stop`` is set."""
    run_aggregator(engine.client, engine.keys, settings, stop)
