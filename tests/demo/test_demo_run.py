"""``seismo demo`` end to end: every role starts, traffic flows, and Ctrl-C leaves no process.

The demo runs as a real process with free ports and a temporary data directory, exactly as
a user starts it; the test reads its output, checks the traffic reaches Redis (service-a's
calls to service-b included), then sends SIGINT and looks for any survivor in ``/proc``.
"""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from seismo.engine.connection import connect
from seismo.engine.keys import Keys
from tests.demo.running import (
    START_TIMEOUT_S,
    Demo,
    demo_ports,
    processes_in_groups,
    running_demo,
)


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[Demo]:
    with running_demo(tmp_path / "data", demo_ports()) as running:
        yield running


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
