"""A notifier running on its own event loop in a thread, against the test Redis."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import redis
from prometheus_client import CollectorRegistry

from seismo.alert.channels import ChannelEnv, RetryPolicy
from seismo.alert.routing import parse_routing
from seismo.engine.connection import connect_async
from seismo.engine.keys import Keys
from seismo.loops.notifier import Notifier, NotifierConfig
from seismo.loops.notify_metrics import NotifyMetrics

FAST = RetryPolicy(timeout_s=0.5, attempts=3, backoff_s=0.01, backoff_cap_s=0.05)
CONFIG = NotifierConfig(claim_idle_ms=1000, poll_ms=20)


@contextmanager
def running_notifier(
    client: redis.Redis,
    routing_toml: str,
    *,
    policy: RetryPolicy = FAST,
    config: NotifierConfig = CONFIG,
    consumer: str = "test-notifier",
) -> Iterator[NotifyMetrics]:
    """Run a notifier with ``routing_toml`` until the block ends."""
    url = "redis://{host}:{port}/0".format(**client.connection_pool.connection_kwargs)
    routing = parse_routing(routing_toml)
    metrics = NotifyMetrics(CollectorRegistry())
    env = ChannelEnv(policy, "http://dash.example:8080", "default-secret")
    started = threading.Event()
    box: dict[str, Any] = {}

    async def main() -> None:
        aclient = connect_async(url, decode_responses=True)
        box["stop"] = asyncio.Event()
        box["loop"] = asyncio.get_running_loop()
        notifier = Notifier(aclient, Keys(), routing, env, config, consumer, metrics)
        await notifier.store.ensure_groups()
        started.set()
        try:
            await notifier.run(box["stop"])
        finally:
            await aclient.aclose()

    thread = threading.Thread(target=asyncio.run, args=(main(),), daemon=True)
    thread.start()
    assert started.wait(10)
    try:
        yield metrics
    finally:
        box["loop"].call_soon_threadsafe(box["stop"].set)
        thread.join(10)
        assert not thread.is_alive(), "the notifier did not stop"


def append_alert(client: redis.Redis, alert: dict[str, Any]) -> None:
    """What the detector's publish does to ``anomalies``."""
    client.xadd(Keys().anomalies, {"alert": json.dumps(alert)})


def deliveries(client: redis.Redis) -> list[dict[str, str]]:
    """The ``deliveries`` stream's entries, oldest first, as text."""
    return [
        {k.decode(): v.decode() for k, v in fields.items()}
        for _, fields in client.xrange(Keys().deliveries)
    ]


def wait_until(check: Callable[[], object], timeout_s: float = 20.0) -> None:
    """Poll ``check`` until it holds (an AssertionError if it never does)."""
    deadline = time.monotonic() + timeout_s
    while not check():
        assert time.monotonic() < deadline, "condition never held"
        time.sleep(0.02)
