"""The agents' sender: batches land once; waits between retries are bounded."""

from __future__ import annotations

import threading
from email.utils import formatdate

import redis

from seismo.agent.sender import MAX_WAIT_S, Sender, retry_delay
from seismo.engine.keys import Keys
from seismo.engine.server import free_port
from tests.agent.conftest import stored_requests

ITEM = {"type": "application", "service": "web", "endpoint": "GET:/", "response_time": 3,
        "status_code": 200}  # fmt: skip


def test_retry_after_is_honoured_but_capped_and_backoff_grows_to_the_cap() -> None:
    assert retry_delay("3", 1, now=0.0) == 3.0
    assert retry_delay("3600", 1, now=0.0) == MAX_WAIT_S
    assert retry_delay(formatdate(1_000.0 + 7, usegmt=True), 1, now=1_000.0) == 7.0
    assert retry_delay(formatdate(1_000.0 - 60, usegmt=True), 1, now=1_000.0) == 0.0
    assert [retry_delay(None, n, now=0.0) for n in (1, 2, 3)] == [0.5, 1.0, 2.0]
    assert retry_delay("soon", 20, now=0.0) == MAX_WAIT_S
    assert retry_delay(None, 5_000, now=0.0) == MAX_WAIT_S  # no overflow after many tries


def test_a_batch_lands_and_a_refused_one_is_dropped_and_counted(
    collector_url: str, redis_client: redis.Redis, keys: Keys
) -> None:
    sender = Sender(collector_url)
    assert sender.send([ITEM, ITEM])
    assert not sender.send([{**ITEM, "status_code": "ok"}])
    sender.close()
    assert (sender.sent, sender.dropped) == (2, 1)
    assert len(stored_requests(redis_client, keys)) == 2


def test_an_unreachable_collector_is_retried_with_backoff_then_the_batch_dropped() -> None:
    waits: list[float] = []
    sender = Sender(f"http://127.0.0.1:{free_port()}", attempts=4, sleep=waits.append)
    assert not sender.send([ITEM])
    sender.close()
    assert waits == [0.5, 1.0, 2.0]
    assert sender.dropped == 1


def test_without_an_attempt_limit_it_retries_until_stopped_then_drops_the_batch() -> None:
    stop = threading.Event()
    waits: list[float] = []

    def wait(seconds: float) -> None:
        waits.append(seconds)
        if len(waits) == 8:
            stop.set()  # what SIGTERM does to the tail agent

    sender = Sender(f"http://127.0.0.1:{free_port()}", attempts=None, stop=stop, sleep=wait)
    assert not sender.send([ITEM])
    sender.close()
    assert waits == [0.5, 1.0, 2.0, 4.0, 8.0, 16.0, MAX_WAIT_S, MAX_WAIT_S]
    assert sender.dropped == 1
