"""The detector role against a real Redis: training, alerts, crashes, restarts, retraining.

Fingerprint entries are written with XADD in the aggregator's format (no aggregator runs);
the loop is driven batch by batch with ``run_once`` until the stream is drained.
"""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
import redis

from seismo.alert.decide import AlertPolicy
from seismo.alert.memory import IncidentMemory
from seismo.alert.rule import AlarmRule
from seismo.detect.base import Features
from seismo.detect.fingerprint_fleet import FleetConfig
from seismo.detect.fingerprint_model import IsolationForestDetector, ModelConfig
from seismo.engine.keys import Keys
from seismo.fingerprint.entry import Fingerprint
from seismo.loops.detector import DetectorConfig, DetectorLoop
from tests.detect.fingerprint_synth import Plant, entry_fields, fingerprints

TRAINING = 30
"""Small training and forests keep these tests fast; the defaults are measured elsewhere."""
CONFIG = DetectorConfig(
    training_windows=TRAINING,
    retrain_windows=200,
    retrain_every=1_000,
    policy=AlertPolicy(AlarmRule(0.9), resolve_after=3),
    fleet=FleetConfig(ModelConfig(n_estimators=50), min_service_windows=15),
    claim_idle_ms=100,
    block_ms=0,
)
ERROR_SPIKE = Plant("checkout", 45, 46, {"error_rate_5xx": 0.31})


def add(client: redis.Redis, keys: Keys, windows: list[Fingerprint]) -> None:
    for window in windows:
        client.xadd(keys.fingerprints, entry_fields(window))  # type: ignore[arg-type]


def drain(loop: DetectorLoop) -> int:
    """Run the loop until no entry is left for it; how many it processed."""
    done = 0
    while taken := loop.run_once(block_ms=0):
        done += taken
    return done


def alerts(client: redis.Redis, keys: Keys) -> list[dict[str, Any]]:
    return [json.loads(f[b"alert"]) for _, f in client.xrange(keys.anomalies)]


def received(live: Any, count: int) -> list[dict[str, Any]]:
    """Up to ``count`` messages of a subscription, waiting at most two seconds."""
    messages: list[dict[str, Any]] = []
    deadline = time.monotonic() + 2
    while len(messages) < count and time.monotonic() < deadline:
        message = live.get_message(timeout=0.1)
        if message is not None:
            messages.append(json.loads(message["data"]))
    return messages


def new_loop(
    client: redis.Redis,
    keys: Keys,
    config: DetectorConfig = CONFIG,
    memory: IncidentMemory | None = None,
) -> DetectorLoop:
    loop = DetectorLoop(client, keys, config, memory=memory)
    loop.ensure_group()
    return loop


def test_planted_error_spike_gives_one_explained_alert_then_a_resolve(
    redis_client: redis.Redis, keys: Keys
) -> None:
    live = redis_client.pubsub(ignore_subscribe_messages=True)
    live.subscribe(keys.alerts)
    add(redis_client, keys, fingerprints(60, seed=3, plant=ERROR_SPIKE))
    drain(new_loop(redis_client, keys))

    history = alerts(redis_client, keys)
    assert [a["status"] for a in history] == ["open", "resolved"]
    opened = history[0]
    assert (opened["scope"], opened["target"]) == ("service", "checkout")
    assert opened["explanation"][0]["feature"] == "error_rate_5xx"
    assert opened["explanation"][0]["current"] == pytest.approx(0.31)
    assert "5xx error rate of checkout rose from" in opened["summary"]
    assert opened["summary"].endswith("to 31 %")
    assert opened["severity"] == "critical"
    assert opened["remediation"]
    assert opened["window_start"] == fingerprints(46, seed=3)[45].window_start
    assert history[1]["incident_id"] == opened["incident_id"]
    assert [a["id"] for a in received(live, 2)] == [a["id"] for a in history]


def test_the_alert_names_the_endpoint_that_carries_the_5xx(
    redis_client: redis.Redis, keys: Keys
) -> None:
    windows = fingerprints(60, seed=3, plant=ERROR_SPIKE)
    spiked = windows[45]
    for i in range(20):
        endpoint, status = ("POST:/pay", 500) if i % 2 else ("GET:/cart", 200)
        event = {"timestamp": spiked.window_start + 10 * i, "service": "checkout",
                 "endpoint": endpoint, "status_code": status, "response_time": 30}  # fmt: skip
        redis_client.xadd(keys.detailed_metrics, event, id=f"{spiked.window_start}-{i + 1}")
    add(redis_client, keys, windows)
    drain(new_loop(redis_client, keys))

    opened = alerts(redis_client, keys)[0]
    assert opened["endpoint"] == "POST:/pay"
    assert "5xx error rate of checkout (POST:/pay) rose from" in opened["summary"]


def test_normal_noise_alone_raises_no_alert(redis_client: redis.Redis, keys: Keys) -> None:
    add(redis_client, keys, fingerprints(TRAINING + 90, seed=11))
    drain(new_loop(redis_client, keys))

    assert alerts(redis_client, keys) == []
    assert redis_client.hget(keys.detector_state, "status") == b"ready"


def test_training_progress_is_recorded_for_the_dashboard(
    redis_client: redis.Redis, keys: Keys
) -> None:
    add(redis_client, keys, fingerprints(TRAINING - 5, seed=5))
    drain(new_loop(redis_client, keys))

    state = redis_client.hgetall(keys.detector_state)
    assert state[b"status"] == b"training"
    assert (int(state[b"trained"]), int(state[b"needed"])) == (TRAINING - 5, TRAINING)
    assert redis_client.get(keys.detector_model) is None


def test_pending_windows_of_a_crashed_detector_are_finished_by_another(
    redis_client: redis.Redis, keys: Keys
) -> None:
    windows = fingerprints(50, seed=3, plant=ERROR_SPIKE)
    add(redis_client, keys, windows[:40])
    drain(new_loop(redis_client, keys))
    add(redis_client, keys, windows[40:])
    # A detector that read the last ten windows and died before acknowledging any of them.
    redis_client.xreadgroup(keys.detector_group, "crashed", {keys.fingerprints: ">"}, count=10)
    assert redis_client.xpending(keys.fingerprints, keys.detector_group)["pending"] == 10

    time.sleep(CONFIG.claim_idle_ms / 1000 + 0.05)
    assert drain(new_loop(redis_client, keys)) == 10

    assert redis_client.xpending(keys.fingerprints, keys.detector_group)["pending"] == 0
    assert int(redis_client.hget(keys.detector_state, "processed") or 0) == 50
    assert [a["status"] for a in alerts(redis_client, keys)] == ["open", "resolved"]


def test_reprocessing_an_applied_window_publishes_nothing_twice(
    redis_client: redis.Redis, keys: Keys
) -> None:
    windows = fingerprints(47, seed=3, plant=ERROR_SPIKE)
    add(redis_client, keys, windows)
    loop = new_loop(redis_client, keys)
    drain(loop)
    assert len(alerts(redis_client, keys)) == 1

    entry_id, fields = redis_client.xrange(keys.fingerprints, count=50)[45]
    loop.process(entry_id, fields)

    assert len(alerts(redis_client, keys)) == 1


def test_restarted_detector_scores_with_the_stored_model_without_training(
    redis_client: redis.Redis, keys: Keys
) -> None:
    windows = fingerprints(48, seed=3, plant=Plant("checkout", 47, 47, {"error_rate_5xx": 0.31}))
    add(redis_client, keys, windows[:40])
    first = new_loop(redis_client, keys)
    drain(first)
    assert first.model is not None

    restarted = new_loop(redis_client, keys)
    add(redis_client, keys, windows[40:])
    drain(restarted)

    assert restarted.model_version == first.model_version == 1
    assert restarted.model is not None
    probe = windows[47]
    assert [f.score for f in restarted.model.findings(probe)] == [
        f.score for f in first.model.findings(probe)
    ]
    assert [a["status"] for a in alerts(redis_client, keys)] == ["open"]


def test_model_is_retrained_on_recent_unflagged_windows(
    redis_client: redis.Redis, keys: Keys
) -> None:
    config = DetectorConfig(**{**CONFIG.__dict__, "retrain_every": 20})
    add(redis_client, keys, fingerprints(60, seed=3, plant=ERROR_SPIKE))
    loop = new_loop(redis_client, keys, config)
    drain(loop)

    assert loop.model is not None and loop.model_version >= 2
    trained_on = set(loop.model.trained_on)
    spike = fingerprints(46, seed=3)[45].window_start
    assert spike not in trained_on
    assert len(trained_on) > TRAINING


def test_business_metric_outside_its_expected_range_alerts_at_once(
    redis_client: redis.Redis, keys: Keys
) -> None:
    windows = fingerprints(12, seed=3)
    for i, window in enumerate(windows):
        outside = 3.0 if i == 10 else 0.0
        window.metrics["revenue"] = {"count": 20.0, "mean": 100.0 + i, "out_of_range": outside}
    add(redis_client, keys, windows)
    drain(new_loop(redis_client, keys))

    history = alerts(redis_client, keys)
    assert [a["status"] for a in history] == ["open"]
    assert (history[0]["scope"], history[0]["target"]) == ("metric", "revenue")
    assert history[0]["explanation"][0]["feature"] == "business_out_of_range"
    assert "revenue" in history[0]["business_impact"]
    assert redis_client.hexists(keys.metric_detectors, "revenue")


def test_alert_like_a_marked_false_alarm_is_kept_but_not_announced(
    redis_client: redis.Redis, keys: Keys
) -> None:
    memory = IncidentMemory(redis_client, keys)
    loop = new_loop(redis_client, keys, memory=memory)
    windows = fingerprints(60, seed=3, plant=ERROR_SPIKE)
    add(redis_client, keys, windows[:50])
    drain(loop)
    first = alerts(redis_client, keys)[0]
    memory.mark(first, "false_alarm")
    live = redis_client.pubsub(ignore_subscribe_messages=True)
    live.subscribe(keys.alerts)
    again = fingerprints(60, seed=4, plant=Plant("checkout", 55, 55, {"error_rate_5xx": 0.31}))
    add(redis_client, keys, again[50:])
    drain(loop)

    second = [a for a in alerts(redis_client, keys) if a["status"] == "open"][1]
    assert second["suppressed_by"].startswith(
        f"suppressed: like false alarm {first['incident_id']}"
    )
    assert second["similar"][0]["incident_id"] == first["incident_id"]
    assert second["similar"][0]["outcome"] == "false_alarm"
    assert second["id"] not in [a["id"] for a in received(live, 2)]


class BrokenDetector(IsolationForestDetector):
    """A per-metric detector with a bug: scoring raises."""

    def _score(self, x: Features) -> float:
        raise RuntimeError("boom")


def test_a_window_that_trips_a_bug_is_logged_skipped_and_the_loop_goes_on(
    redis_client: redis.Redis, keys: Keys, caplog: pytest.LogCaptureFixture
) -> None:
    windows = fingerprints(3, seed=3)
    windows[1].metrics["revenue"] = {"count": 3.0, "mean": 10.0, "out_of_range": 0.0}
    add(redis_client, keys, windows)
    loop = DetectorLoop(redis_client, keys, CONFIG, new_metric_detector=BrokenDetector)
    loop.ensure_group()

    assert drain(loop) == 3

    assert "failed on fingerprint" in caplog.text
    assert redis_client.xpending(keys.fingerprints, keys.detector_group)["pending"] == 0
    assert int(redis_client.hget(keys.detector_state, "processed") or 0) == 2


def test_metric_state_stays_whole_when_detectors_take_turns(
    redis_client: redis.Redis, keys: Keys
) -> None:
    windows = fingerprints(12, seed=3)
    for i, window in enumerate(windows):
        window.metrics["revenue"] = {"count": 9.0, "mean": 100.0 + i % 3, "out_of_range": 0.0}
    add(redis_client, keys, windows)
    small = DetectorConfig(**{**CONFIG.__dict__, "batch": 5})
    first, second = new_loop(redis_client, keys, small), new_loop(redis_client, keys, small)

    taken = [first.run_once(0), second.run_once(0), first.run_once(0)]

    assert taken == [5, 5, 2]
    stored = json.loads(redis_client.hget(keys.metric_detectors, "revenue") or "{}")
    assert stored["detector"]["state"]["seen"] == 12


def test_a_window_marked_as_false_alarm_joins_the_training_data(
    redis_client: redis.Redis, keys: Keys
) -> None:
    memory = IncidentMemory(redis_client, keys)
    loop = new_loop(redis_client, keys, memory=memory)
    add(redis_client, keys, fingerprints(47, seed=3, plant=ERROR_SPIKE))
    drain(loop)
    (opened,) = alerts(redis_client, keys)
    normal = {w.window_start for w in loop.store.normal_windows(1_000)}
    assert opened["window_start"] not in normal

    memory.mark(opened, "acknowledged")
    assert loop.learn_false_alarms() == 0
    memory.mark(opened, "false_alarm")
    assert loop.learn_false_alarms() == 1

    assert opened["window_start"] in {w.window_start for w in loop.store.normal_windows(1_000)}
    assert redis_client.xpending(keys.feedback_stream, keys.detector_group)["pending"] == 0
