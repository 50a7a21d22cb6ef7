"""``seismo health [ROLE]``: is the role running on this machine (or container) healthy?

The container image's ``HEALTHCHECK`` and Compose's health checks run it: it GETs the role's
health route on 127.0.0.1 at the port of the role's own setting, so it follows
``SEISMO_*_PORT`` wherever the role does, and exits 0 on a 200, 1 (with one line saying
what answered) otherwise. The web roles answer on ``/health`` (503 while Redis is down);
the loops have no web app, so their metrics port's ``/metrics`` stands for it (it answers
while the process runs). Without ``ROLE``, the role is the one this container's first
process runs (``seismo <role>``), so one ``HEALTHCHECK`` serves every role of the image.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from seismo.config import ConfigError, Settings, load_settings

TIMEOUT_S = 3.0
FIRST_PROCESS = Path("/proc/1/cmdline")


@dataclass(frozen=True)
class HealthRoute:
    """Where a role says it is healthy: the setting holding its port, and the path."""

    setting: str
    path: str

    def url(self, settings: Settings) -> str:
        return f"http://127.0.0.1:{getattr(settings, self.setting)}{self.path}"


HEALTH_ROUTES = {
    "collector": HealthRoute("collector_port", "/health"),
    "dashboard": HealthRoute("dashboard_port", "/health"),
    "aggregator": HealthRoute("aggregator_metrics_port", "/metrics"),
    "detector": HealthRoute("detector_metrics_port", "/metrics"),
    "notifier": HealthRoute("notify_metrics_port", "/metrics"),
}


def register(commands: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "health", help="check the health route of a role running here (exit 0 when healthy)"
    )
    parser.add_argument("role", nargs="?", choices=sorted(HEALTH_ROUTES), help="default: PID 1's")
    parser.set_defaults(handler=run)


def first_process_role(cmdline: bytes) -> str | None:
    """The role of a ``seismo <role>`` command line (NUL-separated, as in /proc), if any."""
    args = [a.decode(errors="replace") for a in cmdline.split(b"\0") if a]
    for index, arg in enumerate(args[:-1]):
        if Path(arg).name == "seismo" and args[index + 1] in HEALTH_ROUTES:
            return args[index + 1]
    return None


def run(args: argparse.Namespace) -> int:
    role = args.role
    if role is None:
        cmdline = FIRST_PROCESS.read_bytes() if FIRST_PROCESS.exists() else b""
        role = first_process_role(cmdline)
        if role is None:
            raise ConfigError("no ROLE given and PID 1 is not `seismo <role>`")
    url = HEALTH_ROUTES[role].url(load_settings())
    try:
        status = httpx.get(url, timeout=TIMEOUT_S).status_code
    except httpx.HTTPError as exc:
        print(f"seismo {role}: unhealthy: {url}: {exc or type(exc).__name__}")
        return 1
    print(f"seismo {role}: {'healthy' if status == 200 else 'unhealthy'}: {url} answered {status}")
    return 0 if status == 200 else 1
