"""Group commit of single events: concurrent requests share one call, each gets its answer."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
import redis

from seismo.engine.keys import Keys
from seismo.ingest.grouping import GroupWriter


def run_async(make: Any) -> Any:
    """``asyncio.run`` in a thread of its own: the session's browser tests keep an event loop
    running in the main thread."""
    coroutine: Coroutine[Any, Any, Any] = make()
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def test_events_of_one_loop_turn_share_one_write_and_learn_their_own_lateness() -> None:
    calls: list[list[dict[str, int]]] = []

    async def write_many(events: list[dict[str, int]]) -> set[int]:
        calls.append(events)
        return {i for i, event in enumerate(events) if event["n"] % 2}

    async def main() -> list[bool]:
        writer = GroupWriter(write_many)  # type: ignore[arg-type]
        return await asyncio.gather(*(writer.write({"n": n}) for n in range(5)))

    assert run_async(main) == [False, True, False, True, False]
    assert calls == [[{"n": n} for n in range(5)]]


def test_a_failed_write_fails_every_request_of_its_group() -> None:
    async def write_many(events: list[dict[str, int]]) -> set[int]:
        raise ConnectionError("redis down")

    async def main() -> list[BaseException | bool]:
        writer = GroupWriter(write_many)  # type: ignore[arg-type]
        return await asyncio.gather(
            *(writer.write({"n": n}) for n in range(3)), return_exceptions=True
        )

    results = run_async(main)
    assert all(isinstance(r, ConnectionError) for r in results)


@pytest.mark.parametrize("clients", [40])
def test_concurrent_single_posts_are_each_stored_once(
    collector: httpx.Client, redis_client: redis.Redis, keys: Keys, clients: int
) -> None:
    def post(n: int) -> int:
        body = {"service": "a", "endpoint": f"GET:/{n}", "response_time": n, "status_code": 200}
        return collector.post("/api/metrics", json=body).status_code

    with ThreadPoolExecutor(max_workers=16) as pool:
        statuses = list(pool.map(post, range(clients)))
    assert statuses == [200] * clients
    endpoints = sorted(e[b"endpoint"] for _, e in redis_client.xrange(keys.detailed_metrics))
    assert endpoints == sorted(f"GET:/{n}".encode() for n in range(clients))
