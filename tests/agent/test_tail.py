"""``seismo agent tail`` on a real nginx's access log, through both kinds of rotation."""

from __future__ import annotations

import os
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import redis

from seismo.agent import runner
from seismo.agent.config import TailConfig
from seismo.agent.follow import Follower
from seismo.agent.logformats import PARSERS
from seismo.agent.sender import Sender
from seismo.engine.keys import Keys
from tests.agent.conftest import stored_requests
from tests.agent.nginx_server import nginx

WAIT_S = 15.0


def wait_for(condition: Callable[[], bool]) -> None:
    """Until ``condition`` holds (the agent works in its own thread); fails after WAIT_S."""
    deadline = time.monotonic() + WAIT_S
    while not condition():
        assert time.monotonic() < deadline, "the agent did not deliver in time"
        time.sleep(0.05)


class Run:
    """A tail agent running in a thread; ``unparsed`` is what it returned once stopped."""

    def __init__(self, follower: Follower, log_format: str, config: TailConfig) -> None:
        self.stop = threading.Event()
        self.sender = Sender(config.collector)
        self.unparsed = -1
        parse = PARSERS[log_format]
        self.thread = threading.Thread(target=self._run, args=(follower, parse, config))

    def _run(self, follower: Follower, parse: Any, config: TailConfig) -> None:
        self.unparsed = runner.tail(follower, parse, config, self.sender, self.stop)


@contextmanager
def tailing(path: Path, log_format: str, config: TailConfig) -> Iterator[Run]:
    """The tail agent running in a thread on ``path``; stopped (and flushed) on exit."""
    with Follower(str(path), from_start=True) as follower:
        run = Run(follower, log_format, config)
        run.thread.start()
        try:
            yield run
        finally:
            run.stop.set()
            run.thread.join()
            run.sender.close()


def test_nginx_requests_arrive_through_rename_and_copytruncate_rotation(
    tmp_path: Path,
    collector_url: str,
    redis_client: redis.Redis,
    keys: Keys,
    dashboard: httpx.Client,
) -> None:
    config = TailConfig(
        collector=collector_url, service="shop", routes=["/users/{id}"], flush_interval_s=0.1
    )
    with nginx(tmp_path) as server, httpx.Client(base_url=server.url) as http:
        http.get("/users/17")
        with tailing(server.access_log, "nginx", config):
            http.get("/users/18?tab=orders")
            http.get("/missing/item")
            wait_for(lambda: len(stored_requests(redis_client, keys)) == 3)
            os.rename(server.access_log, tmp_path / "access.log.1")  # logrotate's default
            http.get("/users/19")  # still written to the renamed file
            server.reopen()
            wait_for(server.access_log.exists)
            http.get("/users/20")
            wait_for(lambda: len(stored_requests(redis_client, keys)) == 5)
            shutil.copy(server.access_log, tmp_path / "access.log.2")  # copytruncate
            os.truncate(server.access_log, 0)
            http.get("/users/21")
            wait_for(lambda: len(stored_requests(redis_client, keys)) == 6)
    events = stored_requests(redis_client, keys)
    assert [e["endpoint"] for e in events] == ["GET:/users/{id}"] * 2 + ["GET:/missing/item"] + [
        "GET:/users/{id}"
    ] * 3
    assert [e["status_code"] for e in events][1:3] == ["200", "404"]
    assert {e["service"] for e in events} == {"shop"}
    assert all(float(e["response_time"]) >= 0 for e in events)
    assert "shop" in dashboard.get("/api/graph").json()["nodes"]


def test_generated_haproxy_lines_become_requests_of_their_backend(
    tmp_path: Path, collector_url: str, redis_client: redis.Redis, keys: Keys
) -> None:
    log = tmp_path / "haproxy.log"
    now = time.strftime("%d/%b/%Y:%H:%M:%S.123")
    line = (
        f"haproxy[7]: 10.0.0.9:5100 [{now}] fe checkout/s1 0/0/1/{{tr}}/{{tt}} {{status}} 90 "
        '- - ---- 1/1/0/0/0 0/0 "GET /cart/{cart} HTTP/1.1"\n'
    )
    with log.open("w") as out:
        out.write(line.format(tr=40, tt=42, status=200, cart=1))
        out.write("not an access log line\n")
        out.write(line.format(tr=-1, tt=-1, status=502, cart=2))  # aborted: no latency
        out.write(line.format(tr=300, tt=310, status=503, cart=3))
    with tailing(log, "haproxy", TailConfig(collector=collector_url, flush_interval_s=0.1)) as run:
        wait_for(lambda: len(stored_requests(redis_client, keys)) == 2)
    assert run.unparsed == 2  # the stray line and the aborted request
    events = stored_requests(redis_client, keys)
    assert [(e["service"], e["endpoint"]) for e in events] == [("checkout", "GET:/cart/{id}")] * 2
    assert [float(e["response_time"]) for e in events] == [42.0, 310.0]
    assert [e["status_code"] for e in events] == ["200", "503"]
