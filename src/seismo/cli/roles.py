"""What every long-running role shares: logging, a stop on SIGINT or SIGTERM, and a clear
line instead of a stack trace when Redis cannot be reached at start."""

from __future__ import annotations

import logging
import signal
import sys
import threading
from collections.abc import Callable

import redis

from seismo.config import Settings, load_settings

RoleBody = Callable[[Settings, threading.Event], None]


def stop_on_signals() -> threading.Event:
    """An event set by SIGINT or SIGTERM, so a loop finishes the work in hand and returns."""
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    return stop


def run_role(name: str, body: RoleBody) -> int:
    """Run ``body(settings, stop)`` as the role ``name``; the process's exit code."""
    settings = load_settings()
    logging.basicConfig(level=settings.log_level.upper(), format="%(asctime)s %(message)s")
    stop = stop_on_signals()
    try:
        body(settings, stop)
    except redis.ConnectionError as exc:
        print(f"seismo {name}: cannot reach Redis: {exc}", file=sys.stderr)
        return 2
    return 0
