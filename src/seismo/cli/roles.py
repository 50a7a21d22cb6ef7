"""The one skeleton every long-running role starts through.

Collector, aggregator, detector and dashboard (and the roles to come) differ only in their
body. Everything else happens here, once and in the same order for all of them: settings
read, logging set, the role's port checked (a busy one is a ``ConfigError`` naming its
setting), the engine started or joined (waiting while Redis loads its data), SIGINT and
SIGTERM turned into a stop event, and the engine stopped last. A start that cannot succeed
raises one of the errors ``seismo.cli.main`` prints as one line.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass

from seismo.config import ConfigError, Settings, load_settings
from seismo.engine import Engine, running_engine
from seismo.engine.server import port_problem

RoleBody = Callable[[Settings, Engine, threading.Event], None]


@dataclass(frozen=True)
class Listen:
    """Where a web role listens, and the setting that chooses the port."""

    setting: str
    host: str
    port: int

    def check(self) -> None:
        """A ``ConfigError`` naming the setting when something already holds the port."""
        problem = port_problem(self.setting, self.host, self.port)
        if problem is not None:
            raise ConfigError(problem)


def stop_on_signals() -> threading.Event:
    """An event set by SIGINT or SIGTERM, so a loop finishes the work in hand and returns."""
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    return stop


def configure_logging(settings: Settings) -> None:
    logging.basicConfig(level=settings.log_level.upper(), format="%(asctime)s %(message)s")


def run_role(body: RoleBody, listen: Callable[[Settings], Listen] | None = None) -> int:
    """Run ``body(settings, engine, stop)`` until it returns; the process's exit code."""
    settings = load_settings()
    configure_logging(settings)
    if listen is not None:
        listen(settings).check()
    stop = stop_on_signals()
    with running_engine(settings) as engine:
        body(settings, engine, stop)
    return 0
