"""``seismo collector`` and the embedded engine refuse a busy port with a clear message."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

from seismo.engine.server import EmbeddedRedis, free_port


def run_seismo(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "seismo", *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_busy_redis_port_is_an_error_naming_the_setting(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        done = run_seismo(
            "collector",
            env={
                "SEISMO_REDIS_PORT": str(port),
                "SEISMO_COLLECTOR_PORT": str(free_port()),
                "SEISMO_DATA_DIR": str(tmp_path),
            },
        )
    assert done.returncode == 2
    assert "SEISMO_REDIS_PORT" in done.stderr
    assert "Traceback" not in done.stderr


def test_an_external_redis_without_redisbloom_is_refused_naming_what_is_missing(
    tmp_path: Path,
) -> None:
    plain = EmbeddedRedis("127.0.0.1", free_port(), tmp_path, modules=())
    plain.start()
    try:
        done = run_seismo(
            "collector",
            env={"SEISMO_REDIS_URL": plain.url, "SEISMO_COLLECTOR_PORT": str(free_port())},
        )
    finally:
        plain.stop()
    assert done.returncode == 2
    assert "CF.INSERTNX" in done.stderr and "RedisBloom" in done.stderr


def test_collector_serves_then_stops_cleanly_with_its_embedded_redis(tmp_path: Path) -> None:
    import httpx

    from seismo.bench.ingest import wait_healthy
    from seismo.engine.server import port_is_free

    redis_port, port = free_port(), free_port()
    env = {
        **os.environ,
        "SEISMO_REDIS_PORT": str(redis_port),
        "SEISMO_COLLECTOR_PORT": str(port),
        "SEISMO_COLLECTOR_HOST": "127.0.0.1",
        "SEISMO_DATA_DIR": str(tmp_path),
    }
    process = subprocess.Popen([sys.executable, "-m", "seismo", "collector"], env=env)
    try:
        wait_healthy(f"http://127.0.0.1:{port}/health", process)
        answer = httpx.post(
            f"http://127.0.0.1:{port}/api/logs", json={"level": "info", "message": "hello"}
        )
        assert answer.status_code == 200
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
    assert port_is_free("127.0.0.1", redis_port)
    assert port_is_free("127.0.0.1", port)
    assert (tmp_path / "appendonlydir").is_dir()
