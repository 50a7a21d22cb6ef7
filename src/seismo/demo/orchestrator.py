"""``seismo demo``: the embedded Redis, every role as a child process, and a clean stop.

What to start is a pure plan (``plan_roles``): the pipeline roles, then service-b and the
traffic simulator (a build that lacks a role's command, such as a trimmed package, skips
it with a line saying so). While it runs, the demo prints the URLs, the training progress,
each alert and (with ``--faults auto``) each fault it injects; Ctrl-C or SIGTERM stops
every role (see ``processes``) and then Redis.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import redis

from seismo.config import ConfigError, Settings
from seismo.demo import fault_store
from seismo.demo.faults import DEFAULT_TARGETS, KINDS, Fault, new_fault
from seismo.demo.processes import Child, Role, Supervisor
from seismo.demo.simulator import local_url
from seismo.engine import running_engine
from seismo.engine.connection import text
from seismo.engine.keys import Keys
from seismo.engine.server import port_problem

PIPELINE_ROLES = ("collector", "aggregator", "detector", "dashboard")
DELIVERY_ROLES = ("notifier",)
"""Started when the build has them, never reported missing: alerts reach the dashboard
without them (the notifier sends to nobody without a routing file)."""
READY_TIMEOUT_S = 60.0
WATCH_EVERY_S = 1.0
MAX_RESTARTS = 5
Log = Callable[[str], None]


def print_line(text: str) -> None:
    """One status line, flushed at once (the demo's output is read live, also by tests)."""
    print(text, flush=True)


def plan_roles(settings: Settings, available: Iterable[str]) -> tuple[list[Role], list[str]]:
    """The roles to start, in start order, and the pipeline roles missing from this build."""
    known = set(available)
    urls = {
        "collector": local_url(settings.collector_host, settings.collector_port),
        "dashboard": local_url("127.0.0.1", settings.dashboard_port),
    }
    roles = [Role(name, (name,), urls.get(name)) for name in PIPELINE_ROLES if name in known]
    roles += [Role(name, (name,)) for name in DELIVERY_ROLES if name in known]
    missing = [name for name in PIPELINE_ROLES if name not in known]
    service_b = Role("service-b", ("demo", "service-b"), service_b_url(settings))
    return [*roles, service_b, Role("traffic", ("demo", "traffic"))], missing


def busy_ports(settings: Settings, roles: Iterable[Role]) -> list[str]:
    """A line per port a role needs that something else already holds, naming its setting."""
    ports = {
        "collector": ("SEISMO_COLLECTOR_PORT", settings.collector_host, settings.collector_port),
        "dashboard": ("SEISMO_DASHBOARD_PORT", settings.dashboard_host, settings.dashboard_port),
        "service-b": ("SEISMO_DEMO_SERVICE_PORT", "127.0.0.1", settings.demo_service_port),
    }
    wanted = [ports[role.name] for role in roles if role.name in ports]
    problems = [port_problem(variable, host, port) for variable, host, port in wanted]
    return [problem for problem in problems if problem is not None]


def service_b_url(settings: Settings) -> str:
    return local_url("127.0.0.1", settings.demo_service_port)


def role_environment(settings: Settings, redis_url: str, base: Mapping[str, str]) -> dict[str, str]:
    """Every role's environment: the demo's Redis, and service-b's address for /forward."""
    return {
        **base,
        "SEISMO_REDIS_URL": redis_url,
        "SEISMO_FORWARD_TARGETS": json.dumps({"service-b": service_b_url(settings)}),
        "PYTHONUNBUFFERED": "1",
    }


@dataclass
class AutoFaults:
    """``--faults auto``: once trained, a fault every ``interval_s``, cycling through the kinds."""

    interval_s: float
    duration_s: float
    next_ms: int | None = None
    count: int = 0

    def due(self, now_ms: int, trained: bool) -> Fault | None:
        """The fault to inject at ``now_ms``, if one is due (the first a third of an interval
        after training ends, so the detector has seen some scored normal windows)."""
        if not trained:
            return None
        if self.next_ms is None:
            self.next_ms = now_ms + int(self.interval_s * 1000 / 3)
        if now_ms < self.next_ms:
            return None
        kind = KINDS[self.count % len(KINDS)]
        self.count += 1
        self.next_ms = now_ms + int(self.interval_s * 1000)
        return new_fault(kind, DEFAULT_TARGETS[kind], self.duration_s, now_ms)


def answers(url: str) -> bool:
    """True when the server of ``url`` accepts a TCP connection."""
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 80), 0.5):
            return True
    except OSError:
        return False


def wait_ready(children: list[Child], log: Log) -> None:
    """Wait (bounded) for every role with a URL to answer, then print where each one is."""
    pending = [child for child in children if child.role.url is not None]
    deadline = time.monotonic() + READY_TIMEOUT_S
    while pending and time.monotonic() < deadline:
        pending = [c for c in pending if c.process.poll() is None and not answers(str(c.role.url))]
        time.sleep(0.2)
    for child in children:
        if child.role.url is not None:
            state = (
                "not answering" if child in pending or child.process.poll() is not None else "ready"
            )
            log(f"  {child.role.name:<10} {child.role.url}  ({state})")


@dataclass
class Monitor:
    """Once a second: report dead roles, training progress and new alerts; auto faults."""

    client: redis.Redis
    keys: Keys
    settings: Settings
    log: Log
    auto: AutoFaults | None = None
    last_alert: str = ""
    step_shown: int = -1
    trained: bool = False
    redis_down: bool = False

    def check(self, supervisor: Supervisor) -> None:
        for line in supervisor.revive(MAX_RESTARTS):
            self.log(line)
        try:
            self._progress()
            self._alerts()
            self._auto_fault()
        except redis.RedisError as exc:
            if not self.redis_down:
                self.log(f"Redis unavailable ({exc}); retrying")
            self.redis_down = True
            return
        self.redis_down = False

    def _progress(self) -> None:
        """Training progress: the detector's own count, else fingerprints so far."""
        raw = self.client.hgetall(self.keys.detector_state)
        state = {text(k): text(v) for k, v in raw.items()}
        windows = int(self.client.xlen(self.keys.fingerprints))
        done, goal, ready = training_progress(state, windows, self.settings.training_windows)
        step = done * 10 // goal
        if step > self.step_shown and not self.trained:
            self.step_shown = step
            self.log(f"training: {done}/{goal} windows")
        if ready and not self.trained:
            self.trained = True
            self.log("trained: scoring every window; try `seismo fault error-spike`")

    def _alerts(self) -> None:
        """Print the alerts appended to the ``anomalies`` stream since the last check."""
        if self.last_alert == "":
            self.last_alert = _last_id(self.client, self.keys.anomalies)
        newer = f"({self.last_alert}"
        for entry_id, fields in self.client.xrange(self.keys.anomalies, min=newer, count=100) or []:
            self.last_alert = text(entry_id)
            self.log(alert_line(fields or {}))

    def _auto_fault(self) -> None:
        if self.auto is None:
            return
        fault = self.auto.due(fault_store.now_ms(), self.trained)
        if fault is not None:
            fault_store.store(self.client, self.keys, fault)
            seconds = (fault.end_ms - fault.start_ms) / 1000
            self.log(f"injected {fault.kind} on {fault.service} for {seconds:.0f} s")


def training_progress(state: Mapping[str, str], windows: int, goal: int) -> tuple[int, int, bool]:
    """(windows learned, windows needed, trained?) from the detector's state hash when it
    has one (``status``, ``trained``, ``needed``), else from the fingerprints written."""
    if "status" in state:
        needed = max(1, int(state.get("needed", goal)))
        done = min(int(state.get("trained", 0)), needed)
        return done, needed, state["status"] == "ready"
    return min(windows, goal), goal, windows >= goal


def _last_id(client: redis.Redis, stream: str) -> str:
    newest = client.xrevrange(stream, count=1)
    return text(newest[0][0]) if newest else "0-0"


def alert_line(fields: Mapping[Any, Any]) -> str:
    """One line for an ``anomalies`` entry: severity, scope and target, summary."""
    raw = fields.get(b"alert", fields.get("alert"))
    try:
        alert = json.loads(raw)
        return (
            f"ALERT {alert.get('severity', '?')} {alert.get('scope', '?')}:"
            f"{alert.get('target', '?')}: {alert.get('summary', '')}"
        )
    except (TypeError, ValueError, AttributeError):
        return f"ALERT (unreadable entry: {raw!r:.80})"


@contextmanager
def stop_signals() -> Iterator[None]:
    """SIGINT and SIGTERM stop the demo (SIGINT even when the shell that started it in the
    background ignored it); during the clean-up both are ignored."""
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)


def run_demo(
    settings: Settings, available: Iterable[str], auto: bool, log: Log = print_line
) -> int:
    """Run the whole demo until interrupted; every child is gone when this returns."""
    roles, missing = plan_roles(settings, available)
    busy = busy_ports(settings, roles)
    if busy:
        raise ConfigError("; ".join(busy))
    with running_engine(settings) as engine:
        env = role_environment(settings, engine.url, os.environ)
        supervisor = Supervisor(env, settings.data_dir / "logs")
        try:
            with stop_signals():
                log(f"Seismo demo: Redis {engine.url}; role logs in {supervisor.log_dir}")
                for name in missing:
                    log(f"skipping {name}: this build has no `seismo {name}` command yet")
                for role in roles:
                    child = supervisor.start(role)
                    log(f"started {role.name} (pid {child.process.pid})")
                wait_ready(supervisor.children, log)
                log("demo running: press Ctrl-C to stop")
                faults = AutoFaults(
                    settings.demo_fault_interval_seconds, settings.demo_fault_duration_seconds
                )
                monitor = Monitor(
                    engine.client, engine.keys, settings, log, faults if auto else None
                )
                while True:
                    monitor.check(supervisor)
                    time.sleep(WATCH_EVERY_S)
        except KeyboardInterrupt:
            pass
        finally:
            log("stopping the demo ...")
            supervisor.stop_all()
            log("stopped: every demo process has exited")
    return 0
