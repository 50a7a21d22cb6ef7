"""The window-closing Function: exact features from known events, timing, late events,
idle windows, the per-service split, catch-up and clean-up."""

from __future__ import annotations

import pytest
import redis

from seismo.config import Settings
from seismo.engine.keys import Keys
from seismo.engine.structures import ensure_structures
from seismo.fingerprint.features import SERVICE_FEATURES, SYSTEM_FEATURES
from seismo.fingerprint.windows import lookback_windows, silent_service_windows
from seismo.loops.aggregator import close_windows

from .events import BASE_MS, Ingest, app, fingerprints, ingest_events

W0 = BASE_MS // 5000
"""The id of the window starting at BASE_MS with 5 s windows."""
DUE = BASE_MS + 7000
"""When that window may close: its end (5 s) plus the grace period (2 s)."""


def test_known_events_give_exact_system_features(
    redis_client: redis.Redis, keys: Keys, settings: Settings, ingest: Ingest
) -> None:
    events = [app(BASE_MS + i, response_time=float(i + 1)) for i in range(100)]
    events[0]["status_code"] = 503
    events[1]["status_code"] = 404
    events[2]["status_code"] = 404
    events += [app(BASE_MS, endpoint="POST:/pay", caller="web") for _ in range(25)]
    events += [
        {"type": "log", "timestamp": BASE_MS, "level": "error", "message": "x",
         "service": "checkout"},
        {"type": "log", "timestamp": BASE_MS, "level": "warning", "message": "y"},
        {"type": "log", "timestamp": BASE_MS, "level": "info", "message": "z"},
        {"type": "business", "timestamp": BASE_MS, "metric_name": "revenue", "value": 10.0,
         "expected_range": [0, 100]},
        {"type": "business", "timestamp": BASE_MS, "metric_name": "revenue", "value": 500.0,
         "expected_range": [0, 100]},
    ]  # fmt: skip
    assert ingest(events) == [len(events), 0, 0]
    close_windows(redis_client, keys, settings, now_ms=DUE)

    [fp] = fingerprints(redis_client, keys)
    assert (fp.window_start, fp.window_end) == (BASE_MS, BASE_MS + 5000)
    assert fp.names == SYSTEM_FEATURES
    system = fp.system
    exact = {
        "request_count": 125,
        "request_rate": 25.0,
        "error_rate_4xx": 2 / 125,
        "error_rate_5xx": 1 / 125,
        "distinct_endpoints": 2,
        "new_interactions": 3,  # checkout:GET:/cart, checkout:POST:/pay, web:checkout
        "top_endpoint_share": 100 / 125,
        "active_services": 1,
        "log_count": 3,
        "log_errors": 1,
        "log_warnings": 1,
        "business_observations": 2,
        "business_out_of_range": 1,
        "latency_own": 5050 / 125,  # (1..100 + 25 x 10) less web's 25 x 10 of calls
    }
    assert {name: system[name] for name in exact} == pytest.approx(exact)
    # 1..100 ms plus 25 x 10 ms: 35 values <= 10 ms, so the median is about the 63rd value
    # (38 ms); the t-digest's quantiles must match within its tolerance.
    assert system["latency_p50"] == pytest.approx(38, abs=2)
    assert system["latency_p95"] == pytest.approx(93.75, abs=2)
    assert system["latency_p99"] == pytest.approx(98.75, abs=2)
    assert fp.metrics == {"revenue": {"count": 2, "mean": 255, "out_of_range": 1}}
    assert fp.late_events == 0


def test_a_window_is_not_closed_before_its_end_plus_grace(
    redis_client: redis.Redis, keys: Keys, settings: Settings, ingest: Ingest
) -> None:
    ingest([app(BASE_MS)])
    early = close_windows(redis_client, keys, settings, now_ms=DUE - 1)
    assert early.last_closed == W0 - 1
    result = close_windows(redis_client, keys, settings, now_ms=DUE)
    assert (result.closed, result.last_closed) == (1, W0)
    assert fingerprints(redis_client, keys)[-1].system["request_count"] == 1


def test_a_window_with_one_request_has_that_request_as_its_latency(
    redis_client: redis.Redis, keys: Keys, settings: Settings, ingest: Ingest
) -> None:
    ingest([app(BASE_MS, response_time=54.5)])
    close_windows(redis_client, keys, settings, now_ms=DUE)

    [fp] = fingerprints(redis_client, keys)

    latencies = ("latency_p50", "latency_p95", "latency_p99")
    assert [fp.services["checkout"][q] for q in latencies] == [54.5] * 3
    assert [fp.system[q] for q in latencies] == [54.5] * 3


def test_own_latency_is_a_services_time_less_the_calls_it_made(
    redis_client: redis.Redis, keys: Keys, settings: Settings, ingest: Ingest
) -> None:
    # api answers in 100 ms, 70 of them waiting for db: its own time is 30 ms a request.
    events = [app(BASE_MS + i, service="api", response_time=100.0) for i in range(4)]
    events += [app(BASE_MS + i, service="db", response_time=70.0, caller="api") for i in range(4)]
    events += [app(BASE_MS, service="db", response_time=20.0)]  # a call of db's own
    ingest(events)
    close_windows(redis_client, keys, settings, now_ms=DUE)

    [fp] = fingerprints(redis_client, keys)

    assert fp.services["api"]["latency_own"] == pytest.approx(30.0)
    assert fp.services["db"]["latency_own"] == pytest.approx((4 * 70.0 + 20.0) / 5)
    assert fp.services["api"]["latency_p50"] == pytest.approx(100.0)


def test_late_event_inside_grace_lands_in_its_window(
    redis_client: redis.Redis, keys: Keys, settings: Settings, ingest: Ingest
) -> None:
    ingest([app(BASE_MS)])
    close_windows(redis_client, keys, settings, now_ms=DUE - 1)
    assert ingest([app(BASE_MS + 4999)]) == [1, 0, 0]  # arrives in the grace period
    close_windows(redis_client, keys, settings, now_ms=DUE)
    fp = fingerprints(redis_client, keys)[-1]
    assert fp.window_start == BASE_MS
    assert fp.system["request_count"] == 2
    assert fp.late_events == 0


def test_event_after_close_is_counted_late_in_the_next_entry_only(
    redis_client: redis.Redis, keys: Keys, settings: Settings, ingest: Ingest
) -> None:
    ingest([app(BASE_MS)])
    close_windows(redis_client, keys, settings, now_ms=DUE)
    assert ingest([app(BASE_MS + 1), app(BASE_MS + 2)]) == [2, 2, 0]
    close_windows(redis_client, keys, settings, now_ms=DUE + 10_000)
    first, second, third = fingerprints(redis_client, keys)
    assert first.system["request_count"] == 1  # the closed window never changes
    assert (second.late_events, third.late_events) == (2, 0)
    assert second.system["request_count"] == 0
    assert redis_client.hget(keys.state, "late_events") == b"0"


def test_idle_windows_each_yield_one_zero_fingerprint_in_order(
    redis_client: redis.Redis, keys: Keys, settings: Settings, ingest: Ingest
) -> None:
    ingest([app(BASE_MS)])
    close_windows(redis_client, keys, settings, now_ms=DUE)
    close_windows(redis_client, keys, settings, now_ms=DUE + 3 * 5000)
    close_windows(redis_client, keys, settings, now_ms=DUE + 3 * 5000)
    fps = fingerprints(redis_client, keys)
    assert [fp.window_start for fp in fps] == [BASE_MS + i * 5000 for i in range(4)]
    for idle in fps[1:]:
        assert idle.data == (0.0,) * len(SYSTEM_FEATURES)
        assert idle.metrics == {}


def test_services_are_split_and_a_silent_one_stays_through_an_outage_then_fades_out(
    redis_client: redis.Redis, keys: Keys, settings: Settings, ingest: Ingest
) -> None:
    ingest([
        app(BASE_MS, service="cart", response_time=30.0, status_code=500),
        app(BASE_MS, service="cart", endpoint="GET:/items", response_time=30.0),
        app(BASE_MS, service="users", response_time=7.0, status_code=404),
        {"type": "log", "timestamp": BASE_MS, "level": "critical", "message": "x",
         "service": "users"},
        {"type": "business", "timestamp": BASE_MS, "metric_name": "orders", "value": -1,
         "expected_range": [0, 9], "service": "cart"},
        app(BASE_MS, service="users", metrics={"queue_depth": 4}),
        app(BASE_MS, service="users", metrics={"queue_depth": 8}),
    ])  # fmt: skip
    close_windows(redis_client, keys, settings, now_ms=DUE)
    [fp] = fingerprints(redis_client, keys)
    assert set(fp.services) == {"cart", "users"}
    cart, users = fp.services["cart"], fp.services["users"]
    assert set(cart) == set(SERVICE_FEATURES)
    assert (cart["request_count"], cart["error_rate_5xx"], cart["distinct_endpoints"]) == (
        2,
        0.5,
        2,
    )
    assert (cart["business_observations"], cart["business_out_of_range"]) == (1, 1)
    assert cart["latency_p50"] == pytest.approx(30.0)
    assert (users["request_count"], users["error_rate_4xx"]) == (3, pytest.approx(1 / 3))
    assert (users["log_errors"], users["log_count"], users["business_observations"]) == (1, 1, 0)
    assert fp.metrics["users.queue_depth"] == {"count": 2, "mean": 6, "out_of_range": 0}
    assert fp.metrics["orders"] == {"count": 1, "mean": -1, "out_of_range": 1}

    ingest([app(BASE_MS + 5000, service="cart")])
    close_windows(redis_client, keys, settings, now_ms=DUE + 5000)
    silent = fingerprints(redis_client, keys)[-1].services["users"]
    assert silent == dict.fromkeys(SERVICE_FEATURES, 0)
    close_windows(redis_client, keys, settings, now_ms=DUE + 20 * 5000)
    assert fingerprints(redis_client, keys)[-1].services["users"]["request_count"] == 0
    later = DUE + (silent_service_windows(settings) + 2) * 5000
    close_windows(redis_client, keys, settings, now_ms=later)
    assert "users" not in fingerprints(redis_client, keys)[-1].services


def test_closing_deletes_the_window_structures(
    redis_client: redis.Redis, keys: Keys, settings: Settings, ingest: Ingest
) -> None:
    ingest([app(BASE_MS, metrics={"x": 1}), app(BASE_MS + 5000)])
    assert redis_client.keys(f"w:{W0}:*")
    close_windows(redis_client, keys, settings, now_ms=DUE)
    assert redis_client.keys(f"w:{W0}:*") == []
    assert redis_client.keys(f"w:{W0 + 1}:*")  # the open window keeps its structures


def test_first_close_starts_at_the_oldest_window_holding_data(
    redis_client: redis.Redis, keys: Keys, settings: Settings, ingest: Ingest
) -> None:
    ingest([app(BASE_MS)])
    close_windows(redis_client, keys, settings, now_ms=DUE + 2 * 5000)
    assert [fp.system["request_count"] for fp in fingerprints(redis_client, keys)] == [1, 0, 0]


def test_first_close_without_data_does_not_back_fill_history(
    redis_client: redis.Redis, keys: Keys, settings: Settings
) -> None:
    result = close_windows(redis_client, keys, settings, now_ms=DUE + 100 * 5000)
    assert (result.closed, result.last_closed) == (1, W0 + 100)


def test_a_long_backlog_is_skipped_counted_and_closed_in_bounded_calls(
    redis_client: redis.Redis, keys: Keys, settings: Settings, ingest: Ingest
) -> None:
    ingest([app(BASE_MS)])
    close_windows(redis_client, keys, settings, now_ms=DUE)
    now = DUE + 1000 * 5000  # 1,000 windows later
    first = close_windows(redis_client, keys, settings, now_ms=now, max_windows=4)
    lookback = lookback_windows(settings)
    assert (first.closed, first.skipped) == (4, 1000 - lookback)
    while close_windows(redis_client, keys, settings, now_ms=now, max_windows=4).closed:
        pass
    starts = [fp.window_start for fp in fingerprints(redis_client, keys)]
    assert len(starts) == 1 + lookback
    assert starts[-1] == BASE_MS + 1000 * 5000
    assert redis_client.hget(keys.state, "skipped_windows") == str(1000 - lookback).encode()


def test_the_stream_is_capped(redis_client: redis.Redis, keys: Keys, ingest: Ingest) -> None:
    settings = Settings(window_seconds=1, grace_seconds=0, fingerprint_maxlen=100)
    ingest_events(redis_client, keys, settings, [app(BASE_MS)])
    for step in range(1, 9):
        close_windows(redis_client, keys, settings, now_ms=BASE_MS + step * 60_000, max_windows=60)
    assert 100 <= redis_client.xlen(keys.fingerprints) < 300


def test_a_namespace_closes_its_own_windows(redis_client: redis.Redis, settings: Settings) -> None:
    keys = Keys("tenant")
    ensure_structures(redis_client, keys)
    ingest_events(redis_client, keys, settings, [app(BASE_MS)])
    close_windows(redis_client, keys, settings, now_ms=DUE)
    [fp] = fingerprints(redis_client, keys)
    assert fp.system["request_count"] == 1
    assert redis_client.keys("{tenant}:w:*") == []
