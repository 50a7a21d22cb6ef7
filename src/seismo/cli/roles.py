"""The one skeleton every long-running role starts through.

Collector, aggregator, detector and dashboard (and the roles to come) differ only in their
body. Everything else happens here, once and in the same order for all of them: settings
read, logging set, the role's port checked (a busy one is a ``ConfigError`` naming its
setting), the engine started or joined (waiting while Redis loads its data), SIGINT and
SIGTERM turned into a stop event, and the engine stopped last. A start that cannot succeed
raises one of the errors ``seismo.cli.main`` prints as one line.

A web role's body is ``serve_app``: both web apps run under the same ASGI server, granian
(a Rust HTTP server, chosen by measurement: see the README's ingest and dashboard
benchmarks). Its worker processes build the app with the role's ``create_app(settings)``,
from settings that name the engine the role started, so nothing passes through
``os.environ``.
"""

from __future__ import annotations

import importlib
import logging
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from granian import Granian
from granian.constants import HTTPModes, Interfaces, Loops
from granian.log import LogLevels

from seismo.config import ConfigError, Settings, load_settings
from seismo.engine import Engine, running_engine
from seismo.engine.server import port_problem

RoleBody = Callable[[Settings, Engine, threading.Event], None]
WORKERS_KILL_TIMEOUT_S = 10
"""A worker still starting when the stop signal came can miss it and hang; it is killed
after this long, so a stop always ends."""


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


@dataclass(frozen=True)
class AppLoader:
    """What a server worker process calls to build its app: ``factory(settings)``.

    ``factory`` is a ``module:function`` path to a ``create_app(settings, engine=None)``;
    the loader is a plain picklable value, so it reaches a worker however it is started.
    """

    factory: str
    settings: Settings

    def __call__(self) -> Any:
        module, name = self.factory.split(":")
        return getattr(importlib.import_module(module), name)(self.settings)


def scheme(settings: Settings) -> str:
    """``https`` when the web roles are given a certificate (SEISMO_TLS_CERT), else ``http``."""
    return "https" if settings.tls_cert is not None else "http"


def access_line(settings: Settings) -> str:
    """The line a web role (and the demo) prints at start saying whether keys are needed."""
    if settings.auth == "required":
        return "seismo: API keys required (SEISMO_AUTH=required); /health stays open"
    return (
        "seismo: API keys OFF (SEISMO_AUTH=off): anyone who reaches the collector and "
        "dashboard ports may use them; set SEISMO_AUTH=required in production"
    )


def serve_app(
    factory: str,
    listen: Listen,
    settings: Settings,
    engine: Engine,
    *,
    workers: int = 1,
    websockets: bool = False,
) -> None:
    """Serve the app of ``factory`` on ``listen`` until SIGINT or SIGTERM.

    Granian's own handlers take over both signals and stop its workers; the role's engine is
    stopped after this returns. ``settings`` given to the workers name the engine's Redis.
    With SEISMO_TLS_CERT and SEISMO_TLS_KEY it serves HTTPS (granian's TLS, 1.3 at least).
    """
    worker_settings = settings.model_copy(update={"redis_url": engine.url})
    print(access_line(settings), flush=True)
    Granian(
        factory,
        address=listen.host,
        port=listen.port,
        interface=Interfaces.ASGI,
        workers=workers,
        loop=Loops.uvloop,
        http=HTTPModes.http1,
        websockets=websockets,
        log_level=LogLevels(settings.log_level),
        respawn_failed_workers=True,
        workers_kill_timeout=WORKERS_KILL_TIMEOUT_S,
        ssl_cert=settings.tls_cert,
        ssl_key=settings.tls_key,
    ).serve(target_loader=AppLoader(factory, worker_settings), wrap_loader=False)
