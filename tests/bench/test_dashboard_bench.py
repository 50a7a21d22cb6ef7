"""``seismo bench dashboard`` on a tiny workload: the code path runs and times every path."""

from __future__ import annotations

import redis

from seismo.bench.dashboard import ROUTES, Workload, measure
from seismo.engine.server import EmbeddedRedis


def test_the_dashboard_bench_times_every_route_and_both_pushes(
    redis_server: EmbeddedRedis, redis_client: redis.Redis
) -> None:
    tiny = Workload(alerts=10, fingerprints=10, logs=20, requests=2, pushes=3)
    timings = {t.name: t for t in measure(redis_server.url, tiny)}
    assert {f"GET {route}" for route in ROUTES} <= set(timings)
    pushes = [t for name, t in timings.items() if name.startswith("ws:")]
    assert [t.count for t in pushes] == [3, 3]
    assert all(0 < t.p50_ms <= t.max_ms for t in timings.values())
