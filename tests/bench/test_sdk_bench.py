"""The SDK benchmark's parts: ratios and added CPU time taken within each round, CPU time
read from ``/proc``, and
the bench app answering every request with 2xx whether the SDK's collector is up or down
(a benchmark of an app that errors would measure its error path)."""

from __future__ import annotations

import os

import pytest
import redis

from seismo.bench.loadgen import drive
from seismo.bench.sdk import Sample, cpu_seconds, summarise
from seismo.bench.sdk_app import BODY, PATH, bench_app, call_cost_us
from seismo.bench.serving import serving
from seismo.config import Settings
from seismo.engine.keys import Keys
from seismo.engine.server import EmbeddedRedis
from seismo.ingest.app import create_app
from tests.conftest import free_port


def test_rows_are_medians_with_ratios_and_added_cpu_within_each_round() -> None:
    rounds = [
        {"plain": Sample(1000.0, 100.0, 1), "collector_up": Sample(800.0, 130.0, 1)},
        {"plain": Sample(500.0, 200.0, 1), "collector_up": Sample(500.0, 210.0, 1)},
        {"plain": Sample(2000.0, 50.0, 1), "collector_up": Sample(1000.0, 70.0, 1)},
    ]
    rows = {row["name"]: row for row in summarise(rounds)}
    assert rows["plain"]["requests_per_s"] == 1000
    assert rows["collector_up"]["ratio_to_plain"] == 0.8  # median of 0.8, 1.0, 0.5
    assert rows["collector_up"]["cpu_us_per_request"] == 130.0
    assert rows["collector_up"]["added_cpu_us_per_request"] == 20.0  # median of 30, 10, 20
    assert rows["collector_up"]["rounds"] == [800, 500, 1000]


def test_cpu_seconds_grow_with_work_done() -> None:
    before = cpu_seconds(os.getpid())
    sum(i * i for i in range(3_000_000))
    assert cpu_seconds(os.getpid()) > before


def test_in_process_calls_flush_their_events_before_the_clock_stops(
    redis_server: EmbeddedRedis, redis_client: redis.Redis, keys: Keys
) -> None:
    with serving(create_app(Settings(redis_url=redis_server.url))) as url:
        assert call_cost_us(url, 50, flush=True) > 0
    assert redis_client.xlen(keys.detailed_metrics) == 100  # 50 warm-up calls, 50 measured


@pytest.mark.parametrize("collector", [None, "closed port"])
def test_bench_app_answers_2xx_with_and_without_the_sdk(collector: str | None) -> None:
    url = None if collector is None else f"http://127.0.0.1:{free_port()}"
    with serving(bench_app(url)) as base:
        port = int(base.rsplit(":", 1)[1])
        result = drive("127.0.0.1", port, PATH, BODY, connections=2, seconds=0.2)
    assert result.ok > 0
    assert result.errors == 0
