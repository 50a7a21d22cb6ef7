"""The aggregator role: exactly once with several aggregators, restarts, the CLI."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import redis

from seismo.config import Settings
from seismo.engine.connection import connect
from seismo.engine.keys import Keys
from seismo.engine.server import EmbeddedRedis
from seismo.loops.aggregator import close_windows, run_aggregator

from .events import BASE_MS, app, fingerprints, ingest_events

FAST = Settings(window_seconds=1, grace_seconds=0)


def assert_each_window_once(starts: list[int], window_ms: int) -> None:
    assert starts, "no window was closed"
    assert starts == list(range(starts[0], starts[-1] + 1, window_ms)), starts


@contextmanager
def aggregator(url: str, keys: Keys, settings: Settings) -> Iterator[None]:
    """One aggregator loop on its own connection, in a thread, stopped on exit."""
    client = connect(url)
    stop = threading.Event()
    thread = threading.Thread(target=run_aggregator, args=(client, keys, settings, stop))
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=10)
        client.close()
        assert not thread.is_alive()


def wait_for(predicate: Callable[[], bool], timeout_s: float = 10.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_racing_closers_yield_each_window_exactly_once(
    redis_server: EmbeddedRedis, redis_client: redis.Redis, keys: Keys
) -> None:
    ingest_events(redis_client, keys, FAST, [app(BASE_MS + i * 1000) for i in range(40)])

    def closer() -> None:
        client = connect(redis_server.url)
        for step in range(1, 41):
            close_windows(client, keys, FAST, now_ms=BASE_MS + step * 1000, max_windows=3)
        client.close()

    threads = [threading.Thread(target=closer) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    fps = fingerprints(redis_client, keys)
    assert_each_window_once([fp.window_start for fp in fps], 1000)
    assert len(fps) == 40
    assert all(fp.system["request_count"] == 1 for fp in fps)


def test_two_live_aggregators_close_each_window_once(
    redis_server: EmbeddedRedis, redis_client: redis.Redis, keys: Keys
) -> None:
    sent = 0
    with aggregator(redis_server.url, keys, FAST), aggregator(redis_server.url, keys, FAST):
        for _ in range(12):
            ingest_events(redis_client, keys, FAST, [app(int(time.time() * 1000))])
            sent += 1
            time.sleep(0.2)
        wait_for(lambda: redis_client.xlen(keys.fingerprints) >= 3)
    fps = fingerprints(redis_client, keys)
    assert_each_window_once([fp.window_start for fp in fps], 1000)
    closed = sum(fp.system["request_count"] for fp in fps)
    open_windows = redis_client.keys("w:*:counts")
    pending = sum(int(redis_client.hget(key, "requests") or 0) for key in open_windows)
    late = sum(fp.late_events for fp in fps) + int(
        redis_client.hget(keys.state, "late_events") or 0
    )
    # every event is in exactly one closed or open window, or counted late: none is lost
    assert closed + pending + late == sent


def test_a_restarted_aggregator_closes_the_window_it_left_open(
    redis_server: EmbeddedRedis, redis_client: redis.Redis, keys: Keys
) -> None:
    slow = Settings(window_seconds=2, grace_seconds=0)
    with aggregator(redis_server.url, keys, slow):
        wait_for(lambda: redis_client.xlen(keys.fingerprints) >= 1)
        wait_for(lambda: time.time() % 2 < 1)  # early in a window: the events are not late
        now = int(time.time() * 1000)
        ingest_events(redis_client, keys, slow, [app(now), app(now)])
    # stopped in the middle of that window; a new aggregator takes over
    window_start = now // 2000 * 2000
    with aggregator(redis_server.url, keys, slow):
        wait_for(
            lambda: window_start in [fp.window_start for fp in fingerprints(redis_client, keys)]
        )
    fps = fingerprints(redis_client, keys)
    assert_each_window_once([fp.window_start for fp in fps], 2000)
    [mine] = [fp for fp in fps if fp.window_start == window_start]
    assert mine.system["request_count"] == 2


def test_cli_aggregator_runs_on_a_given_redis_until_sigterm(
    redis_server: EmbeddedRedis, redis_client: redis.Redis
) -> None:
    keys = Keys("cli")
    env = {
        **os.environ,
        "SEISMO_REDIS_URL": redis_server.url,
        "SEISMO_NAMESPACE": "cli",
        "SEISMO_WINDOW_SECONDS": "1",
        "SEISMO_GRACE_SECONDS": "0",
    }
    process = subprocess.Popen([sys.executable, "-m", "seismo", "aggregator"], env=env)
    try:
        wait_for(lambda: redis_client.xlen(keys.fingerprints) >= 2, timeout_s=60)
    finally:
        process.send_signal(signal.SIGTERM)
        code = process.wait(timeout=10)
    assert code == 0
    assert_each_window_once([fp.window_start for fp in fingerprints(redis_client, keys)], 1000)


def test_aggregator_rides_out_a_redis_crash(
    redis_server: EmbeddedRedis, redis_client: redis.Redis, keys: Keys
) -> None:
    with aggregator(redis_server.url, keys, FAST):
        wait_for(lambda: redis_client.xlen(keys.fingerprints) >= 1)
        redis_server.kill()  # SIGKILL; the supervisor restarts it from its append-only file
        wait_for(lambda: _xlen_when_up(redis_client, keys) >= 4, timeout_s=30)
    assert_each_window_once([fp.window_start for fp in fingerprints(redis_client, keys)], 1000)


def _xlen_when_up(client: redis.Redis, keys: Keys) -> int:
    try:
        return int(client.xlen(keys.fingerprints))
    except redis.ConnectionError:
        return 0
