"""``seismo bench sources`` on a tiny workload: every request sent is counted and stored."""

from __future__ import annotations

from pathlib import Path

import redis

from seismo.bench.sources import measure
from seismo.engine.server import EmbeddedRedis


def test_the_sources_bench_stores_every_request_of_each_source(
    redis_server: EmbeddedRedis, redis_client: redis.Redis, tmp_path: Path
) -> None:
    results = measure(redis_server.url, 0.01, tmp_path)
    assert [(r.source, r.requests) for r in results] == [
        ("OTLP metrics requests", 10_000),
        ("OTLP server spans", 1_000),
        ("tail nginx lines", 1_000),
    ]
    assert all(r.per_second > 0 for r in results)
