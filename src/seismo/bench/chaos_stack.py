"""The system under test of the chaos benchmark: one embedded Redis, every role a process.

The bench owns the ``EmbeddedRedis`` (so it can ``kill -9`` it and let its supervisor
thread restart it, or pause it) and starts each role as a process pointed at it with
``SEISMO_REDIS_URL``. Like a process supervisor (systemd, Kubernetes), it restarts a role
that died, and it notes why the role died when the role's log says so.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import redis

from seismo.bench import roles
from seismo.demo.orchestrator import wait_ready
from seismo.demo.processes import Child, Supervisor
from seismo.engine.connection import connect
from seismo.engine.server import EmbeddedRedis, free_port

MAX_RESTARTS = 100
LOG_TAIL_BYTES = 4096
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")
Log = Callable[[str], None]


@dataclass(frozen=True)
class StackConfig:
    """The roles' settings for a run (``SEISMO_*`` values)."""

    window_s: int = 1
    grace_s: int = 1
    training_windows: int = 20
    stream_maxlen: int = 2_000_000
    fingerprint_maxlen: int = 50_000
    collector_workers: int = 2
    claim_idle_ms: int = 10_000

    def settings(self) -> dict[str, int]:
        """These settings as ``roles.role_environment`` takes them: short windows, high caps."""
        return {
            "window_seconds": self.window_s,
            "grace_seconds": self.grace_s,
            "training_windows": self.training_windows,
            "stream_maxlen": self.stream_maxlen,
            "fingerprint_maxlen": self.fingerprint_maxlen,
            "claim_idle_ms": self.claim_idle_ms,
            "collector_workers": self.collector_workers,
        }


@dataclass
class Stack:
    """The running system: Redis, the roles, a client of the bench's own."""

    server: EmbeddedRedis
    supervisor: Supervisor
    ports: dict[str, int]
    client: redis.Redis
    lock: threading.RLock = field(default_factory=threading.RLock)
    expected_deaths: set[int] = field(default_factory=set)
    """Pids the bench killed itself: their restart is the fault's, not a crash."""
    restarts: list[str] = field(default_factory=list)

    @property
    def collector_port(self) -> int:
        return self.ports["collector"]

    @property
    def dashboard_url(self) -> str:
        return roles.url(self.ports["dashboard"])

    def child(self, name: str) -> Child:
        """The running process of role ``name``."""
        with self.lock:
            return next(c for c in self.supervisor.children if c.role.name == name)

    def start_roles(self, log: Log) -> None:
        roles.start_roles(self.supervisor, self.ports)
        wait_ready(self.supervisor.children, log)

    def kill_role(self, name: str) -> None:
        """``kill -9`` of a role's main process (the bench restarts it)."""
        pid = self.child(name).process.pid
        self.expected_deaths.add(pid)
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)

    def collector_workers(self) -> list[int]:
        """The pids of the collector's worker processes (granian's children)."""
        return children_of(self.child("collector").process.pid)

    def redis_pid(self) -> int:
        return int(self.client.info("server")["process_id"])

    def revive(self) -> list[str]:
        """Restart every role that died; one line per restart, with the crash's cause."""
        with self.lock:
            dead = [c for c in self.supervisor.children if c.process.poll() is not None]
            causes = {c.role.name: self._cause(c) for c in dead}
            lines = []
            for line in self.supervisor.revive(MAX_RESTARTS):
                name = line.split(" ", 1)[0]
                lines.append(f"{line}{causes.get(name, '')}")
            self.restarts += lines
            return lines

    def _cause(self, child: Child) -> str:
        if child.process.pid in self.expected_deaths:
            return " (killed by the bench)"
        return f" (crashed: {last_error(child.log_path)})"

    def restart_all(self, log: Log) -> None:
        """Stop every role and Redis (SIGTERM, clean), then start Redis and the roles at
        once: the roles meet a Redis still loading its append-only file."""
        with self.lock:
            self.supervisor.stop_all()
            self.supervisor.children.clear()
            self.server.stop()
            self.server.start()
            self.start_roles(log)

    def cold_start(self, log: Log, redis_after_s: float = 1.0) -> None:
        """Stop every role and Redis, then start the roles first and Redis a moment later:
        each role meets a Redis that is down, then one loading its file. A role that gives
        up is restarted by ``revive``, as a supervisor would."""
        with self.lock:
            self.supervisor.stop_all()
            self.supervisor.children.clear()
            self.server.stop()
            roles.start_roles(self.supervisor, self.ports)
        time.sleep(redis_after_s)
        self.server.start()
        wait_ready(list(self.supervisor.children), log)

    def rss(self) -> dict[str, int]:
        """Resident memory in bytes of Redis and of every role process (collector workers
        apart)."""
        sizes = {"redis": rss_bytes(self.redis_pid())}
        with self.lock:
            for child in self.supervisor.children:
                sizes[child.role.name] = rss_bytes(child.process.pid)
                if child.role.name == "collector":
                    for number, pid in enumerate(children_of(child.process.pid), 1):
                        sizes[f"collector-worker-{number}"] = rss_bytes(pid)
        return sizes


def children_of(pid: int) -> list[int]:
    """The live child processes of ``pid`` (from ``/proc``), oldest first."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == pid and fields[0] != "Z":
                found.append((int(fields[19]), int(entry.name)))
    return [child for _, child in sorted(found)]


def rss_bytes(pid: int) -> int:
    """Resident set size of ``pid`` (0 when it is gone)."""
    try:
        pages = int(Path(f"/proc/{pid}/statm").read_text().split()[1])
    except (OSError, ValueError, IndexError):
        return 0
    return pages * PAGE_SIZE


def last_error(log_path: Path) -> str:
    """The last line of a role's log that names an error, else its last line."""
    try:
        with log_path.open("rb") as log:
            log.seek(max(0, log_path.stat().st_size - LOG_TAIL_BYTES))
            lines = log.read().decode(errors="replace").splitlines()
    except OSError:
        return "no log"
    named = [line for line in lines if "Error" in line or "error" in line]
    return (named or lines or ["empty log"])[-1].strip()[:200]


@contextmanager
def running_stack(config: StackConfig, work_dir: Path, log: Log) -> Iterator[Stack]:
    """Redis (AOF every second) and the four roles, ready; all stopped on exit."""
    server = EmbeddedRedis("127.0.0.1", free_port(), work_dir / "redis")
    server.start()
    client = connect(server.url)
    try:
        _wait_loaded(client)
        ports = roles.free_ports()
        env = roles.role_environment(server.url, ports, work_dir / "data", **config.settings())
        stack = Stack(server, Supervisor(env, work_dir / "logs"), ports, client)
        try:
            stack.start_roles(log)
            yield stack
        finally:
            stack.supervisor.stop_all()
    finally:
        client.close()
        server.stop()


def _wait_loaded(client: redis.Redis, timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            client.ping()
            return
        except redis.RedisError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
