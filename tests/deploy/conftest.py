"""Every long-running role started as ``seismo <role>`` on the test Redis, on free ports.

The deploy tests check the files in ``deploy/`` against what the roles really do: the
metric names the Grafana dashboard queries are scraped from these processes, and the
health routes the Dockerfile, Compose and Kubernetes probe are requested from them.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from seismo.cli.health import HEALTH_ROUTES
from seismo.config import Settings
from seismo.engine.server import EmbeddedRedis
from tests.conftest import free_port

START_TIMEOUT_S = 120.0
"""Generous: five Python processes (one importing scikit-learn) start at once on a shared
machine."""
ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"


@dataclass
class RunningRoles:
    """The roles' processes and the settings (ports) they were started with."""

    settings: Settings
    env: dict[str, str]

    def url(self, role: str, path: str | None = None) -> str:
        """The role's health route URL, or another ``path`` on the same port."""
        route = HEALTH_ROUTES[role]
        port = getattr(self.settings, route.setting)
        return f"http://127.0.0.1:{port}{path or route.path}"


def _ready(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def _stop(processes: list[subprocess.Popen[bytes]]) -> None:
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="session")
def roles_redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedRedis]:
    """A Redis of the roles' own: a running detector or aggregator on the shared test Redis
    would take the windows other tests feed to theirs."""
    server = EmbeddedRedis("127.0.0.1", free_port(), tmp_path_factory.mktemp("roles-redis"))
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def roles(
    roles_redis: EmbeddedRedis, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningRoles]:
    """Collector, aggregator, detector, dashboard and notifier, each answering its route."""
    redis_server = roles_redis
    ports = {route.setting: free_port() for route in HEALTH_ROUTES.values()}
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("SEISMO_")},
        **{f"SEISMO_{name.upper()}": str(port) for name, port in ports.items()},
        "SEISMO_REDIS_URL": redis_server.url,
        "SEISMO_COLLECTOR_WORKERS": "1",
        "SEISMO_LOG_LEVEL": "warning",
    }
    settings = Settings(redis_url=redis_server.url, **ports)  # type: ignore[arg-type]
    running = RunningRoles(settings, env)
    logs = tmp_path_factory.mktemp("roles")
    with contextlib.ExitStack() as files:
        processes = [
            subprocess.Popen(
                [sys.executable, "-m", "seismo", role],
                env=env,
                stdout=files.enter_context((logs / f"{role}.log").open("wb")),
                stderr=subprocess.STDOUT,
            )
            for role in HEALTH_ROUTES
        ]
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        waiting = set(HEALTH_ROUTES)
        while waiting:
            waiting = {role for role in waiting if not _ready(running.url(role))}
            for role, process in zip(HEALTH_ROUTES, processes, strict=True):
                if process.poll() is not None:
                    log = (logs / f"{role}.log").read_text()
                    pytest.fail(f"seismo {role} exited with {process.returncode}:\n{log}")
            if time.monotonic() > deadline:
                pytest.fail(f"roles not answering after {START_TIMEOUT_S} s: {sorted(waiting)}")
            time.sleep(0.2)
        yield running
    finally:
        _stop(processes)
