"""The aggregator's metrics: windows closed, lag behind real time, late events."""

from __future__ import annotations

import redis
from prometheus_client import CollectorRegistry

from seismo.config import Settings
from seismo.engine.keys import Keys
from seismo.loops.aggregator import close_windows
from seismo.loops.aggregator_metrics import AggregatorMetrics

from .events import BASE_MS, app, ingest_events

FAST = Settings(window_seconds=1, grace_seconds=0)


def value(metrics: AggregatorMetrics, name: str) -> float:
    sample = metrics.registry.get_sample_value(name)
    assert sample is not None, f"{name} is not exported"
    return sample


def test_closed_windows_lag_and_late_events_are_counted(
    redis_client: redis.Redis, keys: Keys
) -> None:
    metrics = AggregatorMetrics(CollectorRegistry(), redis_client, keys, 1000)
    ingest_events(redis_client, keys, FAST, [app(BASE_MS + i * 1000 + 100) for i in range(3)])
    first = close_windows(redis_client, keys, FAST, now_ms=BASE_MS + 2_300)
    metrics.observe(first)
    assert first.closed == 2
    assert value(metrics, "seismo_aggregator_windows_closed_total") == 2
    # The newest closed window ended at BASE + 2000: 0.3 s before "now".
    assert value(metrics, "seismo_aggregator_lag_seconds") == 0.3
    assert value(metrics, "seismo_aggregator_late_events_total") == 0

    late = ingest_events(redis_client, keys, FAST, [app(BASE_MS + 500), app(BASE_MS + 1500)])
    assert late[1] == 2, "both events belong to closed windows"
    second = close_windows(redis_client, keys, FAST, now_ms=BASE_MS + 5_000)
    metrics.observe(second)
    assert value(metrics, "seismo_aggregator_windows_closed_total") == 2 + second.closed
    assert value(metrics, "seismo_aggregator_late_events_total") == 2
    assert value(metrics, "seismo_aggregator_lag_seconds") == 0.0
    assert value(metrics, "seismo_aggregator_last_close_timestamp_seconds") == (
        (BASE_MS + 5_000) / 1000
    )


def test_a_stuck_aggregator_shows_a_growing_lag(redis_client: redis.Redis, keys: Keys) -> None:
    metrics = AggregatorMetrics(CollectorRegistry(), redis_client, keys, 1000)
    ingest_events(redis_client, keys, FAST, [app(BASE_MS + 100)])
    metrics.observe(close_windows(redis_client, keys, FAST, now_ms=BASE_MS + 1_000, max_windows=1))
    behind = close_windows(redis_client, keys, FAST, now_ms=BASE_MS + 9_000, max_windows=0)
    metrics.observe(behind)
    assert behind.closed == 0
    assert value(metrics, "seismo_aggregator_lag_seconds") == 8.0
