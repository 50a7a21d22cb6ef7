"""``seismo agent tail --state FILE``: a restarted agent goes on where it stopped, without
sending a line twice, and reads a file rotated while it was stopped from its start."""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Callable
from pathlib import Path

import redis

from seismo.agent import runner, state
from seismo.agent.config import TailConfig
from seismo.agent.follow import Follower
from seismo.agent.logformats import parse_nginx
from seismo.agent.sender import Sender
from seismo.engine.keys import Keys
from tests.agent.conftest import stored_requests
from tests.agent.test_tail import wait_for

LINE = '10.0.0.1 - - [02/Dec/2026:00:15:02 +0000] "GET /item/{} HTTP/1.1" 200 9 "-" "t" 0.010\n'


def append(log: Path, *items: int) -> None:
    with log.open("a") as out:
        out.writelines(LINE.format(i) for i in items)


def run_until(log: Path, saved: Path, url: str, done: Callable[[], bool]) -> None:
    """One agent run: resumes from ``saved``, stops once ``done()`` holds."""
    stop, sender = threading.Event(), Sender(url)
    config = TailConfig(collector=url, service="shop", flush_interval_s=0.05)
    save = functools.partial(state.save, str(saved))
    with Follower(str(log), resume=state.load(str(saved))) as follower:
        agent = threading.Thread(
            target=runner.tail, args=(follower, parse_nginx, config, sender, stop, save)
        )
        agent.start()
        try:
            wait_for(done)
        finally:
            stop.set()
            agent.join()
            sender.close()


def test_a_restart_resumes_after_the_last_batch_sent_and_a_rotated_file_from_its_start(
    tmp_path: Path, collector_url: str, redis_client: redis.Redis, keys: Keys
) -> None:
    log, saved = tmp_path / "access.log", tmp_path / "tail.state"
    append(log, 1, 2, 3)
    assert state.load(str(saved)) is None
    stored = lambda: [e["endpoint"] for e in stored_requests(redis_client, keys)]  # noqa: E731
    # no position saved yet: the first run starts at the end, like tail -F, and saves it
    run_until(log, saved, collector_url, saved.exists)
    append(log, 4)
    run_until(log, saved, collector_url, lambda: len(stored()) == 1)
    append(log, 5, 6)  # written while the agent is stopped
    run_until(log, saved, collector_url, lambda: len(stored()) == 3)
    os.rename(log, tmp_path / "access.log.1")
    append(log, 7)  # rotated while stopped: the new file is read from its start
    run_until(log, saved, collector_url, lambda: len(stored()) == 4)
    assert len(stored()) == 4
    assert state.load(str(saved)) == (os.stat(log).st_ino, os.stat(log).st_size)
