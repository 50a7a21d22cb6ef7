"""The fuzz benchmark's machinery on a real collector: generated requests sent, counted by
status, and checked against the collector's own OpenAPI document (which every answer,
a rejected batch's included, must follow)."""

from __future__ import annotations

import redis

from seismo.bench.fuzz_run import fuzz_servers
from seismo.bench.serving import serving
from seismo.engine.server import EmbeddedRedis
from seismo.ingest.app import create_app
from tests.ingest.conftest import collector_settings


def test_fuzzing_sends_the_requests_asked_for_and_finds_no_5xx(
    redis_server: EmbeddedRedis, redis_client: redis.Redis
) -> None:
    lines: list[str] = []
    with serving(create_app(collector_settings(redis_server.url))) as url:
        tallies = fuzz_servers({"collector": url}, 250, lines.append)  # 2 rounds, 6 POSTs
    assert sum(t.requests for t in tallies.values()) >= 250
    assert "collector POST /api/batch" in tallies
    assert sum(t.server_errors for t in tallies.values()) == 0
    assert {name: dict(t.failures) for name, t in tallies.items() if t.failures} == {}
    batch = tallies["collector POST /api/batch"]
    assert set(batch.statuses) <= {200, 400, 413, 422}
    assert any(line.startswith("round 2 (negative)") for line in lines)
