"""``seismo demo`` end to end: every role starts, traffic flows, and Ctrl-C leaves no process.

The demo runs as a real process with free ports and a temporary data directory, exactly as
a user starts it; the test reads its output, checks the traffic reaches Redis (service-a's
calls to service-b included), then sends SIGINT and looks for any survivor in ``/proc``.
"""

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

import httpx
import pytest

from seismo.engine.connection import connect
from seismo.engine.keys import Keys
from tests.conftest import free_port

START_TIMEOUT_S = 120.0


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


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[Demo]:
    ports = {
        "redis": free_port(),
        "collector": free_port(),
        "dashboard": free_port(),
        "service": free_port(),
    }
    env = {k: v for k, v in os.environ.items() if not k.startswith("SEISMO_")}
    env.update(
        SEISMO_DATA_DIR=str(tmp_path / "data"),
        SEISMO_REDIS_PORT=str(ports["redis"]),
        SEISMO_COLLECTOR_PORT=str(ports["collector"]),
        SEISMO_COLLECTOR_HOST="127.0.0.1",
        SEISMO_COLLECTOR_WORKERS="1",
        SEISMO_DASHBOARD_PORT=str(ports["dashboard"]),
        SEISMO_DEMO_SERVICE_PORT=str(ports["service"]),
        SEISMO_WINDOW_SECONDS="1",
        SEISMO_TRAINING_WINDOWS="10",
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "seismo", "demo"],
        env=env,
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
        assert process.stdout is not None
        process.stdout.close()


def test_the_demo_runs_the_pipeline_and_ctrl_c_leaves_no_process(demo: Demo) -> None:
    demo.wait_for(r"demo running", START_TIMEOUT_S)
    assert any("started collector" in line for line in demo.lines)
    assert any("started service-b" in line for line in demo.lines)
    service_b = f"http://127.0.0.1:{demo.ports['service']}/health"
    assert httpx.get(service_b, timeout=5).json()["status"] == "healthy"

    client = connect(f"redis://127.0.0.1:{demo.ports['redis']}/0")
    stream = Keys().detailed_metrics
    deadline = time.monotonic() + 30
    callers: set[str] = set()
    while "service-a" not in callers and time.monotonic() < deadline:
        time.sleep(0.5)
        entries = client.xrange(stream, count=5000)
        callers = {fields.get(b"caller", b"").decode() for _, fields in entries}
    client.close()
    assert {"web", "api-gateway", "service-a"} <= callers

    groups = demo.pids()
    assert processes_in_groups(groups)
    demo.process.send_signal(signal.SIGINT)
    demo.process.wait(timeout=60)
    demo.wait_for(r"stopped: every demo process has exited", 5)
    assert processes_in_groups(groups) == []
