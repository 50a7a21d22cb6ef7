"""The pure fingerprint model: robust scaling, calibration, both views, the streaming wrapper."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.ensemble import IsolationForest

from seismo.detect.base import REGISTRY, detector_from_dict
from seismo.detect.fingerprint_model import (
    FingerprintModel,
    ForestPaths,
    IsolationForestDetector,
    ModelConfig,
    RobustScale,
    TailCalibrator,
)
from tests.detect.fingerprint_synth import Plant, fingerprints

CONFIG = ModelConfig(n_estimators=50)


def checkout_rows(count: int, seed: int, plant: Plant | None = None) -> list[dict[str, float]]:
    return [w.services["checkout"] for w in fingerprints(count, seed, plant)]


def test_forest_paths_equal_scikit_learn_score_samples() -> None:
    rng = np.random.default_rng(0)
    forest = IsolationForest(n_estimators=30, random_state=0).fit(rng.normal(size=(40, 6)))
    probe = rng.normal(size=(25, 6)) * 3

    assert np.allclose(ForestPaths(forest).raw(probe), -forest.score_samples(probe))


def test_spread_is_floored_for_a_feature_that_never_moved_in_training() -> None:
    matrix = np.array([[0.0, 100.0], [0.0, 101.0], [0.0, 99.0]])
    scale = RobustScale.fit(["error_rate_5xx", "request_count"], matrix)

    assert scale.spread[0] == pytest.approx(0.01)
    assert scale.spread[1] == pytest.approx(5.0)


def test_calibration_maps_the_training_median_to_zero_and_its_tail_to_one_half() -> None:
    raw = np.arange(101, dtype=float)
    calibrate = TailCalibrator.fit(raw, spread_min=1.0)

    assert calibrate(50.0) == 0.0
    assert calibrate(99.0) == pytest.approx(0.5)
    assert calibrate(148.0) == pytest.approx(0.75)


def test_single_feature_jump_scores_high_and_is_the_top_deviation() -> None:
    model = FingerprintModel(checkout_rows(40, seed=1), CONFIG)
    spike = checkout_rows(1, seed=9, plant=Plant("checkout", 0, 0, {"error_rate_5xx": 0.31}))[0]

    scored = model.score(spike)

    assert scored.score > 0.99
    top = scored.moved()[0]
    assert top.feature == "error_rate_5xx"
    assert top.current == pytest.approx(0.31)
    assert top.normal < 0.02
    assert top.deviation > 20


def test_normal_windows_score_below_the_default_alert_threshold() -> None:
    model = FingerprintModel(checkout_rows(60, seed=1), CONFIG)

    scores = [model.score(row).score for row in checkout_rows(200, seed=2)]

    assert max(scores) < 0.9
    assert float(np.median(scores)) < 0.5


def test_refit_from_the_same_windows_gives_identical_scores() -> None:
    rows = checkout_rows(40, seed=1)
    probes = checkout_rows(20, seed=4)

    first, second = FingerprintModel(rows, CONFIG), FingerprintModel(rows, CONFIG)

    assert [first.score(p).score for p in probes] == [second.score(p).score for p in probes]


def test_missing_feature_counts_as_normal_and_unknown_ones_are_ignored() -> None:
    rows = checkout_rows(40, seed=1)
    model = FingerprintModel(rows, CONFIG)
    partial = {k: v for k, v in rows[0].items() if k != "latency_p95"} | {"brand_new": 1e9}

    deviations = {d.feature: d for d in model.score(partial).deviations}

    assert deviations["latency_p95"].deviation == 0.0
    assert "brand_new" not in deviations


def test_training_needs_two_windows_with_a_shared_feature() -> None:
    with pytest.raises(ValueError, match="two"):
        FingerprintModel([{"a": 1.0}], CONFIG)
    with pytest.raises(ValueError, match="share"):
        FingerprintModel([{"a": 1.0}, {"b": 2.0}], CONFIG)


def test_streaming_detector_is_registered_buffers_then_scores() -> None:
    assert REGISTRY["isolation_forest"] is IsolationForestDetector
    detector = IsolationForestDetector(min_train=20, config=CONFIG)
    rows = checkout_rows(40, seed=1)
    for row in rows[:19]:
        detector.learn_one(row)
    assert detector.model is None and detector.score_one(rows[20]) == 0.0

    for row in rows[19:]:
        detector.learn_one(row)

    assert detector.model is not None
    assert detector.score_one({**rows[0], "latency_p99": 5_000.0}) > 0.99


def test_streaming_detector_round_trips_with_identical_scores() -> None:
    detector = IsolationForestDetector(min_train=20, refit_every=8, config=CONFIG)
    for row in checkout_rows(35, seed=1):
        detector.learn_one(row)
    probes = checkout_rows(10, seed=4)

    restored = detector_from_dict(detector.to_dict())

    assert isinstance(restored, IsolationForestDetector)
    assert restored.pending == detector.pending
    assert [restored.score_one(p) for p in probes] == [detector.score_one(p) for p in probes]


def test_streaming_detector_refits_on_its_recent_window() -> None:
    detector = IsolationForestDetector(min_train=10, window=16, refit_every=5, config=CONFIG)
    for row in checkout_rows(30, seed=1):
        detector.learn_one(row)

    assert len(detector.fitted_on) == 16
    assert len(detector.pending) == 30 - 10 - 5 * 4


def test_error_rate_spread_is_at_least_one_request_of_a_quiet_service() -> None:
    matrix = np.array([[0.0, 25.0], [0.0, 27.0], [0.0, 29.0]])
    scale = RobustScale.fit(["error_rate_5xx", "request_count"], matrix)

    assert scale.spread[0] == pytest.approx(1 / 27)


def test_one_error_among_two_requests_is_weak_evidence_six_among_seventeen_is_not() -> None:
    rng = np.random.default_rng(3)
    rows = [
        {"request_count": float(n), "error_rate_5xx": 0.0, "latency_p50": float(rng.normal(40, 2))}
        for n in rng.poisson(16, 60)
    ]
    model = FingerprintModel(rows, CONFIG)

    quiet_window = model.score({"request_count": 2.0, "error_rate_5xx": 0.5, "latency_p50": 40.0})
    failing = model.score({"request_count": 17.0, "error_rate_5xx": 6 / 17, "latency_p50": 40.0})

    errors = {d.feature: d for d in quiet_window.deviations}["error_rate_5xx"]
    assert (errors.spread, errors.deviation) == (pytest.approx(0.5), pytest.approx(1.0))
    assert failing.score >= 0.9 > quiet_window.score


def test_a_window_without_requests_is_no_evidence_about_latency_or_error_shares() -> None:
    rng = np.random.default_rng(3)
    rows = [
        {
            "request_count": float(rng.poisson(6)),
            "error_rate_5xx": 0.0,
            "latency_p50": float(rng.normal(124, 5)),
        }
        for _ in range(60)
    ]
    model = FingerprintModel(rows, CONFIG, forest=False)

    scored = model.score({"request_count": 0.0, "error_rate_5xx": 0.0, "latency_p50": 0.0})

    latency = {d.feature: d for d in scored.deviations}["latency_p50"]
    assert latency.deviation == 0.0
    assert scored.moved()[0].feature == "request_count"


def test_a_service_idle_in_most_windows_learns_the_latency_of_the_windows_it_served() -> None:
    rng = np.random.default_rng(5)
    rows = []
    for calls in rng.poisson(0.4, 120):
        latency = float(rng.normal(25, 4)) if calls else 0.0
        endpoints = 1.0 if calls else 0.0
        rows.append(
            {"request_count": float(calls), "latency_p50": latency, "distinct_endpoints": endpoints}
        )
    model = FingerprintModel(rows, CONFIG, forest=False)

    one_call = model.score({"request_count": 1.0, "latency_p50": 27.0, "distinct_endpoints": 1.0})

    assert model.normal("latency_p50") == pytest.approx(25, abs=3)
    assert model.normal("distinct_endpoints") == 1.0
    assert one_call.score < 0.5


def test_a_log_count_alone_supports_a_finding_but_never_makes_one() -> None:
    rows = checkout_rows(120, seed=3)
    model = FingerprintModel(rows, CONFIG, forest=False)
    chatty = {**rows[-1], "log_count": 400.0, "log_warnings": 300.0}
    failing = {**chatty, "latency_p95": 50 * rows[-1]["latency_p95"]}

    assert 0.6 <= model.score(chatty).score < 0.9
    assert model.score(failing).score >= 0.9


def test_a_burst_of_business_events_alone_supports_a_finding_but_never_makes_one() -> None:
    """More orders come with more users; each KPI's own moves are the per-metric watch's."""
    rng = np.random.default_rng(4)
    rows = [
        {**row, "business_observations": float(rng.poisson(6))}
        for row in checkout_rows(120, seed=3)
    ]
    model = FingerprintModel(rows, CONFIG, forest=False)

    busy = {**rows[-1], "business_observations": 40.0}

    assert 0.6 <= model.score(busy).score < 0.9


def test_a_burst_of_requests_alone_supports_a_finding_but_never_makes_one() -> None:
    """Traffic is judged on a log scale and against its recent level (count_model, drift):
    its distance from a constant training median fires at every peak of a swing."""
    rows = checkout_rows(120, seed=3)
    model = FingerprintModel(rows, CONFIG, forest=False)
    count = rows[-1]["request_count"]

    busy = {**rows[-1], "request_count": 2.6 * count, "request_rate": 2.6 * count}

    assert 0.6 <= model.score(busy).score < 0.9
    assert model.score(busy).moved()[0].feature.startswith("request_")


@pytest.mark.parametrize("forest", [False, True])
def test_a_latency_below_normal_is_no_fault_but_stays_in_the_explanation(forest: bool) -> None:
    rows = checkout_rows(120, seed=4)
    model = FingerprintModel(rows, CONFIG, forest=forest)
    base = rows[-1]
    faster = {
        **base,
        "latency_p50": base["latency_p50"] / 4,
        "latency_p95": base["latency_p95"] / 4,
    }
    slower = {
        **base,
        "latency_p50": base["latency_p50"] * 4,
        "latency_p95": base["latency_p95"] * 4,
    }

    fell = model.score(faster)

    assert fell.score < 0.6 <= 0.9 <= model.score(slower).score
    moved = {d.feature: d.deviation for d in fell.deviations}
    assert moved["latency_p50"] < -3


def test_fewer_distinct_endpoints_is_no_fault_more_still_is() -> None:
    rng = np.random.default_rng(5)
    rows = [
        {"request_count": float(rng.poisson(80)), "distinct_endpoints": float(rng.integers(13, 15))}
        for _ in range(120)
    ]
    model = FingerprintModel(rows, CONFIG, forest=False)

    fewer = model.score({"request_count": 80.0, "distinct_endpoints": 9.0})
    more = model.score({"request_count": 80.0, "distinct_endpoints": 24.0})

    assert fewer.score < 0.6 <= 0.9 <= more.score
    assert {d.feature: d.deviation for d in fewer.deviations}["distinct_endpoints"] < -3
