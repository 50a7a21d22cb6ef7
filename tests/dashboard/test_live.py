"""The ``/ws`` WebSocket on a real server: replay since a time, then live pushes."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import redis
from websockets.sync.client import ClientConnection, connect

from seismo.engine.connection import connect as connect_redis
from seismo.engine.keys import Keys
from seismo.engine.server import EmbeddedRedis
from tests.builders import add_alert, alert_dict
from tests.dashboard.conftest import add_fingerprint


@contextmanager
def _ws(url: str, since: int | None) -> Iterator[ClientConnection]:
    with connect(url.replace("http://", "ws://") + "/ws", open_timeout=5) as socket:
        if since is not None:
            socket.send(json.dumps({"since": since}))
        yield socket


def _next(socket: ClientConnection, kind: str) -> dict[str, Any]:
    """The next message of ``kind`` (others are skipped) within a few seconds."""
    deadline = time.monotonic() + 5
    while True:
        message: dict[str, Any] = json.loads(socket.recv(timeout=deadline - time.monotonic()))
        if message["type"] == kind:
            return message


def test_new_fingerprints_alerts_and_marks_are_pushed_live(
    server: str, redis_client: redis.Redis, keys: Keys
) -> None:
    with _ws(server, since=None) as socket:
        time.sleep(0.7)  # past the wait for a first message: the feed is live
        add_fingerprint(redis_client, keys, 5000, [10, 2, 0.01, 120])
        assert _next(socket, "fingerprint")["data"]["features"]["request_count"] == 10
        add_alert(redis_client, keys, alert_dict("a1", int(time.time() * 1000)))
        alert = _next(socket, "alert")["data"]
        assert (alert["id"], alert["feedback"]) == ("a1", None)
        response = httpx.post(f"{server}/api/anomalies/a1/ack")
        assert response.status_code == 200
        feedback = _next(socket, "feedback")["data"]
        assert (feedback["alert_id"], feedback["feedback"]) == ("a1", "acknowledged")


def test_a_reconnecting_client_first_gets_what_it_missed(
    server: str, redis_client: redis.Redis, keys: Keys
) -> None:
    since = int(time.time() * 1000)
    add_fingerprint(redis_client, keys, 5000, [1, 1, 0, 100])
    add_alert(redis_client, keys, alert_dict("missed", since + 1))
    with _ws(server, since=since) as socket:
        assert _next(socket, "fingerprint")["data"]["window_end"] == 5000
        assert _next(socket, "alert")["data"]["id"] == "missed"
        add_fingerprint(redis_client, keys, 10_000, [2, 1, 0, 100])
        assert _next(socket, "fingerprint")["data"]["window_end"] == 10_000


def test_an_alert_replayed_is_not_pushed_twice(
    server: str, redis_client: redis.Redis, keys: Keys
) -> None:
    since = int(time.time() * 1000)
    alert = alert_dict("once", since + 1)
    redis_client.xadd(keys.anomalies, {"alert": json.dumps(alert)})
    with _ws(server, since=since) as socket:
        assert _next(socket, "alert")["data"]["id"] == "once"
        redis_client.publish(keys.alerts, json.dumps(alert))
        add_alert(redis_client, keys, alert_dict("next", since + 2))
        assert _next(socket, "alert")["data"]["id"] == "next"


def test_a_malformed_since_gets_an_error_naming_it(server: str) -> None:
    with _ws(server, since=None) as socket:
        socket.send(json.dumps({"since": "yesterday"}))
        message = json.loads(socket.recv(timeout=5))
        assert (message["type"], message["field"]) == ("error", "since")


def test_the_feed_resumes_by_itself_after_redis_is_killed(
    server: str, redis_server: EmbeddedRedis, keys: Keys
) -> None:
    with _ws(server, since=None) as socket:
        time.sleep(0.7)
        redis_server.kill()
        client = _reconnected(redis_server.url)
        add_fingerprint(client, keys, 5000, [3, 1, 0, 100])
        assert _next(socket, "fingerprint")["data"]["window_end"] == 5000
        add_alert(client, keys, alert_dict("after", int(time.time() * 1000)))
        assert _next(socket, "alert")["data"]["id"] == "after"


def _reconnected(url: str) -> redis.Redis:
    """A client of the restarted server, once it answers again."""
    deadline = time.monotonic() + 10
    while True:
        client = connect_redis(url)
        try:
            client.ping()
            return client
        except redis.ConnectionError:
            assert time.monotonic() < deadline, "Redis did not come back"
            time.sleep(0.1)
