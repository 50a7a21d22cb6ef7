"""The fault store in a real Redis: round trip, end of a fault, expiry, clear."""

from __future__ import annotations

import time

import pytest
import redis

from seismo.demo import fault_store
from seismo.demo.faults import FaultError
from seismo.engine.keys import Keys

T0 = 1_800_000_000.0


def at(seconds: float) -> fault_store.Clock:
    return lambda: seconds


def test_an_injected_fault_is_active_until_its_duration_ends(
    redis_client: redis.Redis, keys: Keys
) -> None:
    fault = fault_store.inject(redis_client, keys, "error-spike", "payments", 30, at(T0))
    assert fault_store.active(redis_client, keys, int(T0 * 1000)) == [fault]
    assert fault_store.active(redis_client, keys, int((T0 + 29.9) * 1000)) == [fault]
    assert fault_store.active(redis_client, keys, int((T0 + 30) * 1000)) == []
    assert redis_client.hlen(keys.demo_faults) == 0


def test_reinjecting_a_fault_restarts_it_instead_of_stacking(
    redis_client: redis.Redis, keys: Keys
) -> None:
    fault_store.inject(redis_client, keys, "kpi-drop", None, 30, at(T0))
    again = fault_store.inject(redis_client, keys, "kpi-drop", None, 30, at(T0 + 10))
    assert fault_store.active(redis_client, keys, int((T0 + 35) * 1000)) == [again]


def test_the_hash_expires_with_its_last_fault(redis_client: redis.Redis, keys: Keys) -> None:
    now = time.time()
    fault_store.inject(redis_client, keys, "error-spike", None, 0.3, at(now))
    fault_store.inject(redis_client, keys, "traffic-drop", None, 60, at(now))
    ttl_ms = redis_client.pttl(keys.demo_faults)
    assert 55_000 < ttl_ms <= 60_000
    fault_store.clear(redis_client, keys, "traffic-drop")
    fault_store.inject(redis_client, keys, "traffic-surge", None, 0.2, at(time.time()))
    time.sleep(0.8)
    assert fault_store.active(redis_client, keys, fault_store.now_ms()) == []


def test_clear_ends_every_fault_or_only_one_kind(redis_client: redis.Redis, keys: Keys) -> None:
    for kind in ("error-spike", "latency-regression", "new-dependency"):
        fault_store.inject(redis_client, keys, kind, None, 60, at(T0))
    assert fault_store.clear(redis_client, keys, "latency-regression") == 1
    kinds = {f.kind for f in fault_store.active(redis_client, keys, int(T0 * 1000))}
    assert kinds == {"error-spike", "new-dependency"}
    assert fault_store.clear(redis_client, keys) == 2
    assert fault_store.active(redis_client, keys, int(T0 * 1000)) == []


def test_an_invalid_fault_is_refused_and_not_stored(redis_client: redis.Redis, keys: Keys) -> None:
    with pytest.raises(FaultError):
        fault_store.inject(redis_client, keys, "error-spike", None, -1, at(T0))
    assert not redis_client.exists(keys.demo_faults)


def test_a_namespace_keeps_faults_apart(redis_client: redis.Redis) -> None:
    fault_store.inject(redis_client, Keys("a"), "error-spike", None, 60, at(T0))
    assert fault_store.active(redis_client, Keys("b"), int(T0 * 1000)) == []
    assert len(fault_store.active(redis_client, Keys("a"), int(T0 * 1000))) == 1
