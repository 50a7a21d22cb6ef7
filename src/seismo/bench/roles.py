"""Seismo's four roles as processes of a bench: their environment and their start.

The chaos and scenario benches both run the real pipeline (collector, aggregator, detector,
dashboard) on a Redis of their own, with the HTTP roles on loopback ports; they differ
only in the settings they give the roles.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from seismo.demo.processes import Role, Supervisor
from seismo.engine.server import free_port

ROLES = ("collector", "aggregator", "detector", "dashboard")


def free_ports() -> dict[str, int]:
    """A free loopback port for each role that serves HTTP."""
    return {"collector": free_port(), "dashboard": free_port()}


def role_environment(
    redis_url: str, ports: Mapping[str, int], data_dir: Path, **settings: object
) -> dict[str, str]:
    """Every role's environment: this run's Redis, ports and data directory, and the bench's
    ``settings`` (``window_seconds=1`` is ``SEISMO_WINDOW_SECONDS=1``). Output unbuffered, so
    a role's log is complete when the bench reads why it died."""
    return {
        **os.environ,
        "SEISMO_REDIS_URL": redis_url,
        **{f"SEISMO_{name.upper()}": str(value) for name, value in settings.items()},
        "SEISMO_COLLECTOR_HOST": "127.0.0.1",
        "SEISMO_COLLECTOR_PORT": str(ports["collector"]),
        "SEISMO_DASHBOARD_HOST": "127.0.0.1",
        "SEISMO_DASHBOARD_PORT": str(ports["dashboard"]),
        "SEISMO_DATA_DIR": str(data_dir),
        "SEISMO_NAMESPACE": "",
        "SEISMO_LOG_LEVEL": "info",
        "PYTHONUNBUFFERED": "1",
    }


def start_roles(supervisor: Supervisor, ports: Mapping[str, int]) -> None:
    """Start every role; those with a port get its URL, which ``wait_ready`` polls."""
    for name in ROLES:
        port = ports.get(name)
        supervisor.start(Role(name, (name,), None if port is None else url(port)))


def url(port: int) -> str:
    """The loopback URL of a role listening on ``port``."""
    return f"http://127.0.0.1:{port}"
