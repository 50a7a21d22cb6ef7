"""A ``seismo`` command that cannot start says why in one line, never with a stack trace.

Each case is a real start-up failure a user meets: a Redis that does not answer, one still
loading a large append-only file, a busy port, a bad setting, a damaged append-only file.
A truncated append-only file (a crash in the middle of a write) is not a failure: Redis
loads what was whole.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from seismo.engine.connection import connect, wait_until_ready
from seismo.engine.server import EmbeddedRedis, free_port

ROLES = ("collector", "aggregator", "detector")
WEB_PORTS = ("SEISMO_COLLECTOR_PORT", "SEISMO_DASHBOARD_PORT", "SEISMO_DEMO_SERVICE_PORT")


def run_seismo(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("SEISMO_")}
    return subprocess.run(
        [sys.executable, "-m", "seismo", *args],
        env={**clean, **{port: str(free_port()) for port in WEB_PORTS}, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def assert_one_line_failure(done: subprocess.CompletedProcess[str], *words: str) -> None:
    output = done.stdout + done.stderr
    assert done.returncode == 2, output
    assert "Traceback" not in output
    lines = [line for line in done.stderr.splitlines() if line.startswith("seismo")]
    assert len(lines) == 1, output
    for word in words:
        assert word in lines[0], lines[0]


def written_data_dir(
    data_dir: Path, writes: int, write: Callable[[Any, int], object], rewrite: bool = True
) -> None:
    """An append-only file of ``writes`` commands, written by a real embedded Redis;
    ``rewrite=False`` keeps them as commands (no compact base), so Redis replays each one
    at start, which takes a while."""
    with EmbeddedRedis("127.0.0.1", free_port(), data_dir) as server:
        client = connect(server.url)
        if not rewrite:
            client.config_set("auto-aof-rewrite-percentage", 0)
        pipe = client.pipeline(transaction=False)
        for i in range(writes):
            write(pipe, i)
            if i % 1000 == 999:
                pipe.execute()
        pipe.execute()
        client.close()


def filled_data_dir(data_dir: Path, entries: int) -> None:
    """About ``entries`` KB of stream entries."""
    written_data_dir(
        data_dir,
        entries,
        lambda pipe, i: pipe.xadd("detailed-metrics", {"n": i, "pad": "x" * 1000}),
    )


def aof_segment(data_dir: Path) -> Path:
    return next((data_dir / "appendonlydir").glob("*.incr.aof"))


@pytest.mark.parametrize("role", ROLES)
def test_a_redis_that_does_not_answer_is_one_line_naming_it(role: str) -> None:
    url = f"redis://127.0.0.1:{free_port()}/0"
    done = run_seismo(role, env={"SEISMO_REDIS_URL": url, "SEISMO_REDIS_WAIT_SECONDS": "1"})
    assert_one_line_failure(done, "not answering", "SEISMO_REDIS_URL")


def test_a_redis_still_loading_after_the_wait_is_one_line_saying_so(tmp_path: Path) -> None:
    written_data_dir(
        tmp_path, 1_000_000, lambda pipe, i: pipe.incr(f"counter:{i % 5000}"), rewrite=False
    )
    done = run_seismo(
        "aggregator",
        env={
            "SEISMO_DATA_DIR": str(tmp_path),
            "SEISMO_REDIS_PORT": str(free_port()),
            "SEISMO_REDIS_WAIT_SECONDS": "0.01",
        },
    )
    assert_one_line_failure(done, "still loading", "SEISMO_REDIS_WAIT_SECONDS")


@pytest.mark.parametrize(
    ("setting", "value"),
    [("SEISMO_WINDOW_SECONDS", "often"), ("SEISMO_REDIS_PORT", "0"), ("SEISMO_LOG_LEVEL", "loud")],
)
def test_a_bad_setting_is_one_line_naming_the_variable(setting: str, value: str) -> None:
    assert_one_line_failure(run_seismo("detector", env={setting: value}), setting)


@pytest.mark.parametrize(("role", "setting"), [("dashboard", "SEISMO_DASHBOARD_PORT")])
def test_a_busy_web_port_is_one_line_naming_its_setting(role: str, setting: str) -> None:
    with socket.socket() as busy:
        busy.bind(("0.0.0.0", 0))
        busy.listen()
        done = run_seismo(role, env={setting: str(busy.getsockname()[1])})
    assert_one_line_failure(done, setting)


@pytest.mark.parametrize("role", [*ROLES, "demo"])
def test_a_damaged_append_only_file_is_one_line_saying_how_to_repair_it(
    tmp_path: Path, role: str
) -> None:
    filled_data_dir(tmp_path, 2_000)
    segment = aof_segment(tmp_path)
    damaged = bytearray(segment.read_bytes())
    command = damaged.index(b"\r\n*", len(damaged) // 2) + 2
    damaged[command : command + 1] = b"?"  # a command that no longer starts with '*'
    segment.write_bytes(bytes(damaged))
    env = {"SEISMO_DATA_DIR": str(tmp_path), "SEISMO_REDIS_PORT": str(free_port())}
    assert_one_line_failure(run_seismo(role, env=env), "append only file", "seismo repair-aof")

    repaired = run_seismo("repair-aof", env=env)
    assert repaired.returncode == 0, repaired.stderr
    assert list(tmp_path.glob("appendonlydir.backup-*"))
    with EmbeddedRedis("127.0.0.1", free_port(), tmp_path) as server:
        client = connect(server.url)
        assert client.ping()
        client.close()


def test_a_truncated_append_only_file_starts_with_what_was_whole(tmp_path: Path) -> None:
    filled_data_dir(tmp_path, 2_000)
    segment = aof_segment(tmp_path)
    whole = segment.read_bytes()
    segment.write_bytes(whole[: len(whole) // 2])
    port = free_port()
    env = {"SEISMO_DATA_DIR": str(tmp_path), "SEISMO_REDIS_PORT": str(port)}
    clean = {k: v for k, v in os.environ.items() if not k.startswith("SEISMO_")}
    aggregator = subprocess.Popen(
        [sys.executable, "-m", "seismo", "aggregator"],
        env={**clean, **env},
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        client = connect(f"redis://127.0.0.1:{port}/0")
        wait_until_ready(client, timeout_s=30)
        kept = client.xlen("detailed-metrics")
        client.close()
    finally:
        aggregator.send_signal(signal.SIGTERM)
        _, stderr = aggregator.communicate(timeout=60)
    assert 0 < kept < 2_000
    assert "Traceback" not in stderr
