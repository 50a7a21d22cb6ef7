"""``make demo``, Ctrl-C, ``make demo`` again: the demo restarts on the data it wrote.

A restarted Redis accepts connections while it still replays its append-only file, and
answers ``LOADING`` until it is done; every role must wait for that instead of crashing.
The data directory is first filled with more than 50 MB of append-only file written through
a real collector, then the demo is started on it three times in a row.
"""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import httpx

from seismo.bench.ingest import wait_healthy
from seismo.engine.connection import connect
from seismo.engine.keys import Keys
from tests.demo.running import START_TIMEOUT_S, Demo, demo_environment, demo_ports, running_demo

AOF_BYTES = 50_000_000
MARKER = "restart-marker"
PIPELINE = ("collector", "aggregator", "detector", "dashboard", "service-b", "traffic")


def aof_bytes(data_dir: Path) -> int:
    return sum(path.stat().st_size for path in (data_dir / "appendonlydir").iterdir())


def fill_through_the_collector(data_dir: Path, ports: dict[str, int]) -> int:
    """Post batches to a real ``seismo collector`` until its AOF passes ``AOF_BYTES``;
    the number of log events stored (the first one carries ``MARKER``)."""
    env = demo_environment(data_dir, ports)
    collector = subprocess.Popen([sys.executable, "-m", "seismo", "collector"], env=env)
    url = f"http://127.0.0.1:{ports['collector']}"
    logs = 0
    try:
        wait_healthy(f"{url}/health", collector)
        with httpx.Client(base_url=url, timeout=30) as http:
            while aof_bytes(data_dir) < AOF_BYTES:
                answer = http.post("/api/batch", json={"metrics": batch(logs)})
                assert answer.status_code == 200, answer.text
                logs += 500
    finally:
        collector.send_signal(signal.SIGTERM)
        assert collector.wait(timeout=60) == 0
    return logs


def batch(first: int) -> list[dict[str, object]]:
    """500 long log lines and 500 requests: about 2.5 MB of append-only file."""
    text = "x" * 2000
    logs = [
        {
            "type": "log",
            "level": "error",
            "service": "svc",
            "message": f"{MARKER} {first + i} {text}",
        }
        for i in range(500)
    ]
    requests = [
        {"type": "application", "service": "svc", "endpoint": "GET:/a", "response_time": 12.5}
        for _ in range(500)
    ]
    return logs + requests


def assert_every_role_came_up(demo: Demo) -> None:
    demo.wait_for(r"demo running", START_TIMEOUT_S)
    for role in PIPELINE:
        assert any(f"started {role}" in line for line in demo.lines), demo.lines
    for served in ("collector", "dashboard", "service-b"):
        assert any(served in line and "(ready)" in line for line in demo.lines), demo.lines
    assert not any("Traceback" in line or "exited with code" in line for line in demo.lines)


def test_the_demo_restarts_three_times_on_a_50_mb_append_only_file_keeping_its_data(
    tmp_path: Path,
) -> None:
    data_dir, ports = tmp_path / "data", demo_ports()
    stored = fill_through_the_collector(data_dir, ports)
    assert aof_bytes(data_dir) >= AOF_BYTES
    logs = Keys().log_stream
    for _ in range(3):
        with running_demo(data_dir, ports) as demo:
            assert_every_role_came_up(demo)
            client = connect(f"redis://127.0.0.1:{ports['redis']}/0")
            first = client.xrange(logs, count=1)
            assert client.xlen(logs) >= stored
            client.close()
            assert MARKER.encode() in first[0][1][b"message"]
            demo.process.send_signal(signal.SIGINT)
            assert demo.process.wait(timeout=90) == 0
            demo.wait_for(r"stopped: every demo process has exited", 5)
