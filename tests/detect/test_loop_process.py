"""Several detectors: a ``seismo detector`` process killed with -9 mid-stream loses no window,
and two trained detectors at once split the windows while raising one alert per incident."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

import redis

from seismo.engine.connection import connect
from seismo.engine.keys import Keys
from seismo.engine.server import EmbeddedRedis
from seismo.loops.detector import DetectorConfig
from tests.detect.fingerprint_synth import Plant, fingerprints
from tests.detect.test_loop import CONFIG, add, alerts, drain, new_loop

WINDOWS = 80
SPIKE = Plant("frontend", 60, 61, {"latency_p95": 2_000.0})
"""Two windows: one window of latency alone is not a page (``decide.needs_confirming``)."""


def pending_of(client: redis.Redis, keys: Keys) -> dict[str, int]:
    """Pending entries per consumer of the detectors' group."""
    summary = client.xpending(keys.fingerprints, keys.detector_group)
    return {c["name"].decode(): int(c["pending"]) for c in summary["consumers"]}


def start_detector(url: str) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "SEISMO_REDIS_URL": url,
        "SEISMO_TRAINING_WINDOWS": "30",
        "SEISMO_LOG_LEVEL": "warning",
    }
    return subprocess.Popen([sys.executable, "-m", "seismo", "detector"], env=env)


def test_killed_detector_process_loses_no_window(
    redis_server: EmbeddedRedis, redis_client: redis.Redis, keys: Keys
) -> None:
    add(redis_client, keys, fingerprints(WINDOWS, seed=3, plant=SPIKE))
    process = start_detector(redis_server.url)
    try:
        deadline = time.monotonic() + 60
        while not (
            int(redis_client.hget(keys.detector_state, "processed") or 0) > 35
            and sum(pending_of(redis_client, keys).values()) > 0
        ):
            assert time.monotonic() < deadline, "the detector process made no progress"
            time.sleep(0.002)
        process.send_signal(signal.SIGKILL)
        process.wait()
    finally:
        process.kill()
    left = sum(pending_of(redis_client, keys).values())
    assert left > 0

    time.sleep(CONFIG.claim_idle_ms / 1000 + 0.05)
    drain(new_loop(redis_client, keys))

    assert sum(pending_of(redis_client, keys).values()) == 0
    assert int(redis_client.hget(keys.detector_state, "processed") or 0) == WINDOWS
    assert [(a["status"], a["target"]) for a in alerts(redis_client, keys)] == [
        ("open", "frontend"), ("resolved", "frontend"),
    ]  # fmt: skip


def test_two_detectors_split_the_windows_and_raise_one_alert(
    redis_server: EmbeddedRedis, redis_client: redis.Redis, keys: Keys
) -> None:
    windows = fingerprints(WINDOWS, seed=3, plant=SPIKE)
    add(redis_client, keys, windows[:40])
    drain(new_loop(redis_client, keys))
    add(redis_client, keys, windows[40:])
    clients = [connect(redis_server.url) for _ in range(2)]
    patient = DetectorConfig(**{**CONFIG.__dict__, "claim_idle_ms": 30_000})
    loops = [new_loop(client, keys, patient) for client in clients]
    done = [0, 0]

    def work(i: int) -> None:
        done[i] = drain(loops[i])

    threads = [threading.Thread(target=work, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for client in clients:
        client.close()

    assert sum(done) == WINDOWS - 40 and min(done) > 0
    assert int(redis_client.hget(keys.detector_state, "processed") or 0) == WINDOWS
    assert [a["status"] for a in alerts(redis_client, keys)] == ["open", "resolved"]


def wait_for_processed(client: redis.Redis, keys: Keys, count: int) -> None:
    deadline = time.monotonic() + 30
    while int(client.hget(keys.detector_state, "processed") or 0) < count:
        assert time.monotonic() < deadline, f"fewer than {count} windows processed"
        time.sleep(0.05)


def test_detector_rides_out_a_redis_crash(
    redis_server: EmbeddedRedis, redis_client: redis.Redis, keys: Keys
) -> None:
    windows = fingerprints(WINDOWS, seed=3, plant=SPIKE)
    add(redis_client, keys, windows[:40])
    blocking = DetectorConfig(**{**CONFIG.__dict__, "block_ms": 100})
    loop = new_loop(connect(redis_server.url), keys, blocking)
    stop = threading.Event()
    runner = threading.Thread(target=loop.run, args=(stop,))
    runner.start()
    try:
        wait_for_processed(redis_client, keys, 40)
        time.sleep(1.1)  # the append-only file is synced every second
        redis_server.kill()
        deadline = time.monotonic() + 20
        while True:
            try:
                add(redis_client, keys, windows[40:])
                break
            except redis.ConnectionError:
                assert time.monotonic() < deadline, "the embedded Redis did not come back"
                time.sleep(0.2)
        wait_for_processed(redis_client, keys, WINDOWS)
    finally:
        stop.set()
        runner.join()
        loop.client.close()

    assert [a["status"] for a in alerts(redis_client, keys)] == ["open", "resolved"]
