"""``seismo aggregator``: close fingerprint windows on time until SIGINT or SIGTERM.

With ``SEISMO_REDIS_URL`` set it joins that Redis (any number of aggregators may run
against one Redis: each window is still closed once); without it, it starts the embedded
engine itself.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from typing import Any

import redis

from seismo.config import Settings, load_settings
from seismo.engine import running_engine
from seismo.fingerprint.aggregator import run_aggregator


def register(commands: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "aggregator", help="close fingerprint windows inside Redis on time"
    )
    parser.set_defaults(handler=run)


def stop_on_signals() -> threading.Event:
    """An event set by SIGINT or SIGTERM, so the loop finishes its call and exits."""
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    return stop


def run(args: argparse.Namespace) -> int:
    settings = load_settings()
    logging.basicConfig(level=settings.log_level.upper(), format="%(asctime)s %(message)s")
    stop = stop_on_signals()
    try:
        aggregate(settings, stop)
    except redis.ConnectionError as exc:
        print(f"seismo aggregator: cannot reach Redis: {exc}", file=sys.stderr)
        return 2
    return 0


def aggregate(settings: Settings, stop: threading.Event) -> None:
    """Run the aggregator loop on the configured Redis, or an embedded one."""
    with running_engine(settings) as engine:
        run_aggregator(engine.client, engine.keys, settings, stop)
