"""A server span whose parent's export never comes is stored without a caller after the
wait, once; its window having closed meanwhile, it counts at its release."""

from __future__ import annotations

import asyncio

import redis

from seismo.config import Settings
from seismo.engine.connection import connect_async
from seismo.engine.keys import Keys
from seismo.engine.server import EmbeddedRedis
from seismo.ingest.collector import Collector, now_ms
from seismo.ingest.otlp.routes import OtlpRoutes
from seismo.ingest.otlp.timing import Arrival
from seismo.ingest.otlp.waiting import WAIT_MS
from tests.ingest.otlp_support import request_events

REQUEST = {"service": "payments", "endpoint": "POST:/pay", "response_time": 12.0,
           "status_code": 200}  # fmt: skip


async def give_up_on_a_parent(url: str, parked_at: int) -> tuple[list[str], list[str]]:
    """Park one span at ``parked_at``; (parents due just before the wait ends, at its end)."""
    collector = Collector(Settings(redis_url=url), connect_async(url))
    waiting = OtlpRoutes(collector).waiting
    await waiting.park({"aa01": {"bb01": {**REQUEST, "timestamp": parked_at}}}, parked_at)
    early = await waiting.due(parked_at + WAIT_MS - 1)
    due = await waiting.due(parked_at + WAIT_MS)
    later = Arrival(parked_at + WAIT_MS, 5_000, 2_000)
    for parent in due:
        await waiting.release(parent, None, later)
        await waiting.release(parent, None, later)  # released already: stores nothing more
    await collector.client.aclose()
    return early, due


def test_a_span_whose_parent_never_comes_is_stored_once_without_caller_after_the_wait(
    redis_server: EmbeddedRedis, redis_client: redis.Redis, keys: Keys
) -> None:
    # late in its 5 s window, so that window (plus its 2 s grace) has closed by the end of
    # the wait whatever the clock says; parked early in a window, it would still be open
    parked_at = now_ms() // 5_000 * 5_000 + 4_000
    early, due = asyncio.run(give_up_on_a_parent(redis_server.url, parked_at))
    assert (early, due) == ([], ["aa01"])
    [event] = request_events(redis_client, keys)
    assert "caller" not in event
    assert int(event["timestamp"]) == parked_at + WAIT_MS  # its window closed while it waited
    assert redis_client.zcard(keys.otlp_waiting) == 0
    assert not redis_client.exists(keys.otlp_waiting_spans("aa01"))
