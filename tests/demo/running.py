"""A real ``seismo demo`` process for tests: free ports, its own data directory, its output
read live, and every process it started killed if a test leaves it running."""

from __future__ import annotations

import contextlib
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from tests.conftest import free_port

START_TIMEOUT_S = 120.0


def demo_ports() -> dict[str, int]:
    return {name: free_port() for name in ("redis", "collector", "dashboard", "service")}


def demo_environment(
    data_dir: Path, ports: dict[str, int], extra: dict[str, str] | None = None
) -> dict[str, str]:
    """The demo's environment: only the test's ``SEISMO_*`` settings (and ``extra``), 1 s
    windows."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SEISMO_")}
    env.update(
        SEISMO_DATA_DIR=str(data_dir),
        SEISMO_REDIS_PORT=str(ports["redis"]),
        SEISMO_COLLECTOR_PORT=str(ports["collector"]),
        SEISMO_COLLECTOR_HOST="127.0.0.1",
        SEISMO_COLLECTOR_WORKERS="1",
        SEISMO_DASHBOARD_PORT=str(ports["dashboard"]),
        SEISMO_DEMO_SERVICE_PORT=str(ports["service"]),
        SEISMO_WINDOW_SECONDS="1",
        SEISMO_TRAINING_WINDOWS="10",
    )
    return env | (extra or {})


class Demo:
    """A running ``seismo demo`` and the lines it printed."""

    def __init__(self, process: subprocess.Popen[str], ports: dict[str, int]) -> None:
        self.process = process
        self.ports = ports
        self.lines: list[str] = []
        self._queue: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        with contextlib.suppress(ValueError):
            for line in self.process.stdout:
                self._queue.put(line.rstrip("\n"))

    def wait_for(self, pattern: str, timeout_s: float) -> str:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            with contextlib.suppress(queue.Empty):
                line = self._queue.get(timeout=0.2)
                self.lines.append(line)
                if re.search(pattern, line):
                    return line
        raise AssertionError(f"no line matching {pattern!r}; output so far: {self.lines}")

    def pids(self) -> list[int]:
        """The demo itself and every role it reported starting (each a process group)."""
        started = [int(m.group(1)) for line in self.lines if (m := re.search(r"pid (\d+)", line))]
        return [self.process.pid, *started]


def processes_in_groups(groups: list[int]) -> list[str]:
    """``pid command`` of every live process whose process group is one of ``groups``."""
    found = []
    for entry in Path("/proc").iterdir():
        with contextlib.suppress(OSError, ValueError, IndexError):
            stat = (entry / "stat").read_text()
            fields = stat.rsplit(")", 1)[1].split()
            if int(fields[2]) in groups and fields[0] != "Z":
                found.append(f"{entry.name} {stat.split(' ', 2)[1]}")
    return found


def kill_redis_on(port: int) -> None:
    """Kill the embedded Redis of a demo that was killed (it runs in a session of its own)."""
    for entry in Path("/proc").iterdir():
        with contextlib.suppress(OSError, ValueError):
            if f"127.0.0.1:{port}".encode() in (entry / "cmdline").read_bytes():
                os.kill(int(entry.name), signal.SIGKILL)


@contextlib.contextmanager
def running_demo(
    data_dir: Path, ports: dict[str, int], extra: dict[str, str] | None = None
) -> Iterator[Demo]:
    """``seismo demo`` started as a user would; anything left running is killed at the end."""
    process = subprocess.Popen(
        [sys.executable, "-m", "seismo", "demo"],
        env=demo_environment(data_dir, ports, extra),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    running = Demo(process, ports)
    try:
        yield running
    finally:
        if process.poll() is None:
            for pgid in running.pids():
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(pgid, signal.SIGKILL)
            process.wait()
            kill_redis_on(ports["redis"])
        assert process.stdout is not None
        process.stdout.close()
