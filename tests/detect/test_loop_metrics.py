"""Per-metric detection in the detector loop: range violations, learned baselines, state."""

from __future__ import annotations

import numpy as np
import pytest

from seismo.detect.explain import Finding, summary
from seismo.detect.fingerprint_model import IsolationForestDetector, ModelConfig
from seismo.detect.metric import default_metric_detector
from seismo.detect.metric_watch import (
    MIN_ALERT_POINT,
    MetricState,
    feature_names,
    metric_findings,
    on_alert_scale,
)
from seismo.fingerprint.entry import Fingerprint


def new_detector() -> IsolationForestDetector:
    return IsolationForestDetector(min_train=20, config=ModelConfig(n_estimators=30))


def window(i: int, metrics: dict[str, dict[str, float]]) -> Fingerprint:
    return Fingerprint(
        i * 5_000, (i + 1) * 5_000, {"request_count": 1.0}, {"checkout": {}}, metrics
    )


def test_out_of_range_alerts_at_once_and_is_not_learned() -> None:
    states: dict[str, MetricState] = {}
    summary = {"count": 4.0, "mean": 100.0, "out_of_range": 4.0}

    (found,) = metric_findings(window(0, {"revenue": summary}), states, new_detector, 0.9)

    assert (found.scope, found.target) == ("metric", "revenue")
    assert found.score >= 0.95
    assert found.moved[0].feature == "business_out_of_range"
    assert found.moved[0].current == 4.0
    assert states["revenue"].normal is None


def test_learned_baseline_flags_a_jump_and_explains_it_against_the_normal_value() -> None:
    rng = np.random.default_rng(0)
    states: dict[str, MetricState] = {}
    for i in range(40):
        mean = float(rng.normal(100, 2))
        metric_findings(
            window(i, {"revenue": {"count": 9.0, "mean": mean}}), states, new_detector, 0.9
        )

    (found,) = metric_findings(
        window(40, {"revenue": {"count": 9.0, "mean": 20.0}}), states, new_detector, 0.9
    )

    assert found.score >= 0.9
    assert found.moved[0].feature == "business_value"
    assert found.moved[0].normal == pytest.approx(100, abs=3)
    assert found.moved[0].deviation < -5


def test_custom_metric_of_a_service_is_not_a_business_metric() -> None:
    here = window(0, {})

    assert feature_names("checkout.queue_depth", here) == ("value", "out_of_range", "observations")
    assert feature_names("revenue", here) == (
        "business_value",
        "business_out_of_range",
        "business_observations",
    )


def test_metric_without_observations_gives_no_finding() -> None:
    assert metric_findings(window(0, {"revenue": {"count": 0.0}}), {}, new_detector, 0.9) == []


def test_metric_state_round_trips_with_identical_scores() -> None:
    state = MetricState(new_detector())
    for value in np.linspace(90, 110, 30):
        state.learn(float(value))

    restored = MetricState.from_dict(state.to_dict())

    assert (restored.normal, restored.spread) == (state.normal, state.spread)
    assert restored.detector.score_one({"value": 150.0}) == state.detector.score_one(
        {"value": 150.0}
    )


def test_a_lone_outlier_among_many_observations_is_left_to_the_baseline() -> None:
    summary = {"count": 25.0, "mean": 100.0, "out_of_range": 1.0}

    (found,) = metric_findings(window(0, {"revenue": summary}), {}, new_detector, 0.9)

    assert found.score < 0.9
    assert [d.feature for d in found.moved] == ["business_value"]


def test_the_metric_detectors_decision_point_becomes_the_alert_threshold() -> None:
    detector = default_metric_detector()

    assert on_alert_scale(detector, MIN_ALERT_POINT, 0.9) == pytest.approx(0.9)
    assert on_alert_scale(detector, MIN_ALERT_POINT / 2, 0.9) == pytest.approx(0.45)
    assert on_alert_scale(detector, 1.0, 0.9) == pytest.approx(1.0)
    assert on_alert_scale(new_detector(), 0.6, 0.9) == 0.6


def test_production_metric_detector_alerts_on_a_jump_after_its_warm_up() -> None:
    rng = np.random.default_rng(1)
    states: dict[str, MetricState] = {}
    scores = []
    for i in range(400):
        mean = float(rng.normal(100, 3))
        summary = {"count": 9.0, "mean": mean}
        found = metric_findings(
            window(i, {"revenue": summary}), states, default_metric_detector, 0.9
        )
        scores.append(found[0].score)

    (jump,) = metric_findings(
        window(400, {"revenue": {"count": 9.0, "mean": 40.0}}), states, default_metric_detector, 0.9
    )

    assert max(scores[200:]) < 0.9
    assert jump.score >= 0.9
    assert jump.moved[0].feature == "business_value"


def test_one_order_of_a_handful_out_of_range_is_not_an_alert() -> None:
    summary = {"count": 6.0, "mean": 100.0, "out_of_range": 1.0}

    (found,) = metric_findings(window(0, {"revenue": summary}), {}, new_detector, 0.9)

    assert found.score < 0.9


def test_out_of_range_counts_are_judged_against_the_learned_share() -> None:
    states: dict[str, MetricState] = {}
    for i in range(300):
        summary = {"count": 20.0, "mean": 100.0, "out_of_range": float(i % 2 * 2)}
        metric_findings(window(i, {"kpi": summary}), states, new_detector, 0.9)

    usual = {"count": 20.0, "mean": 100.0, "out_of_range": 3.0}
    (found,) = metric_findings(window(300, {"kpi": usual}), states, new_detector, 0.9)
    most = {"count": 20.0, "mean": 100.0, "out_of_range": 15.0}
    (broken,) = metric_findings(window(301, {"kpi": most}), states, new_detector, 0.9)

    assert found.score < 0.9
    assert broken.score >= 0.9


def thin_orders(rng: np.random.Generator) -> dict[str, float]:
    """The mean of 2-7 orders with a long-tailed price: a noisy mean of a handful."""
    prices = rng.lognormal(np.log(40.0), 0.9, size=int(rng.integers(2, 8)))
    return {"count": float(len(prices)), "mean": float(prices.mean())}


def test_the_mean_of_a_handful_of_noisy_orders_never_pages() -> None:
    rng = np.random.default_rng(5)
    states: dict[str, MetricState] = {}
    scores = [
        metric_findings(
            window(i, {"order_value": thin_orders(rng)}), states, default_metric_detector, 0.9
        )[0].score
        for i in range(1500)
    ]

    assert max(scores[200:]) < 0.9


def test_a_material_move_of_a_thin_mean_still_pages() -> None:
    rng = np.random.default_rng(6)
    states: dict[str, MetricState] = {}
    for i in range(400):
        metric_findings(
            window(i, {"order_value": thin_orders(rng)}), states, default_metric_detector, 0.9
        )

    summary = {"count": 6.0, "mean": 1_000.0}
    (found,) = metric_findings(
        window(400, {"order_value": summary}), states, default_metric_detector, 0.9
    )

    assert found.score >= 0.9
    assert found.moved[0].deviation > 5


def steady_orders(rng: np.random.Generator, per_window: float) -> dict[str, float] | None:
    count = int(rng.poisson(per_window))
    return {"count": float(count), "mean": 40.0} if count else None


def run_windows(
    states: dict[str, MetricState], first: int, summaries: list[dict[str, float] | None]
) -> list[float]:
    """Each window's revenue score (0 when it gave no finding)."""
    scores = []
    for i, observed in enumerate(summaries, start=first):
        metrics = {"revenue": observed} if observed else {}
        found = metric_findings(window(i, metrics), states, default_metric_detector, 0.9)
        scores.append(max((f.score for f in found), default=0.0))
    return scores


def test_a_kpi_that_stops_arriving_alerts_within_a_few_windows_and_says_so() -> None:
    rng = np.random.default_rng(8)
    states: dict[str, MetricState] = {}
    before = run_windows(states, 0, [steady_orders(rng, 8.0) for _ in range(300)])

    stopped = run_windows(states, 300, [None] * 4)

    assert max(before[50:]) < 0.9
    assert stopped[0] < 0.9 <= stopped[2]
    (found,) = metric_findings(window(304, {}), states, default_metric_detector, 0.9)
    assert summary(found).startswith("revenue went silent")


def test_a_kpi_sent_in_batches_is_not_silent_between_its_batches() -> None:
    """Sixty orders once a minute at 1-s windows: a full minute of empty windows is its
    rhythm, not a silence."""
    states: dict[str, MetricState] = {}
    batches = [{"count": 60.0, "mean": 40.0} if i % 60 == 0 else None for i in range(4_000)]

    scores = run_windows(states, 0, batches)

    assert states["revenue"].filled > 60
    assert max(scores[200:]) < 0.9


def test_a_kpi_with_about_one_order_a_window_that_stops_is_caught() -> None:
    rng = np.random.default_rng(11)
    states: dict[str, MetricState] = {}
    before = run_windows(states, 0, [steady_orders(rng, 1.0) for _ in range(3_000)])

    stopped = run_windows(states, 3_000, [None] * 40)

    assert max(before[100:]) < 0.9
    assert next(i for i, score in enumerate(stopped) if score >= 0.9) < 30


def long_tailed_orders(rng: np.random.Generator, factor: float = 1.0) -> dict[str, float]:
    prices = rng.lognormal(np.log(95.0), 0.74, size=int(rng.poisson(10)) + 1) * factor
    return {"count": float(len(prices)), "mean": float(prices.mean())}


def test_a_long_tailed_kpi_falling_to_a_twentieth_pages_within_two_windows() -> None:
    rng = np.random.default_rng(7)
    states: dict[str, MetricState] = {}
    normal = [
        metric_findings(
            window(i, {"order_value": long_tailed_orders(rng)}),
            states,
            default_metric_detector,
            0.9,
        )[0].score
        for i in range(600)
    ]
    fallen = [
        metric_findings(
            window(i, {"order_value": long_tailed_orders(rng, 0.05)}),
            states,
            default_metric_detector,
            0.9,
        )[0]
        for i in range(600, 602)
    ]

    assert max(normal[200:]) < 0.9
    assert all(found.score >= 0.9 for found in fallen)
    assert fallen[0].moved[0].current < 0.1 * fallen[0].moved[0].normal


def one_or_two_orders(rng: np.random.Generator, factor: float = 1.0) -> dict[str, float]:
    prices = rng.lognormal(np.log(150.0), 0.8, size=int(rng.integers(1, 3))) * factor
    return {"count": float(len(prices)), "mean": float(prices.mean())}


def test_a_kpi_of_one_or_two_orders_a_window_falling_to_a_twentieth_pages_on_the_pooled_run() -> (
    None
):
    # One window of one order at a twentieth is three standard errors of this KPI: not sure,
    # and before pooling the run's next windows were measured against a level that had sunk
    # with the first one, so it never paged. Windows that keep falling are judged as one
    # window of their pooled orders, against the level before the run.
    rng = np.random.default_rng(12)
    states: dict[str, MetricState] = {}

    def judged(i: int, factor: float = 1.0) -> Finding:
        observed = {"order_value": one_or_two_orders(rng, factor)}
        return metric_findings(window(i, observed), states, default_metric_detector, 0.9)[0]

    normal = [judged(i) for i in range(3_000)]
    fallen = [judged(i, 0.05) for i in range(3_000, 3_003)]

    assert not any(f.held and f.score >= 0.9 for f in normal)
    assert any(f.held and f.score >= 0.9 for f in fallen)


def test_the_fall_watch_stops_for_a_metric_that_reaches_zero_and_round_trips() -> None:
    state = MetricState(default_metric_detector())
    for value in (10.0, 12.0, 0.0, 11.0):
        state.learn(value, 5.0)

    restored = MetricState.from_dict(state.to_dict())

    assert restored.fall == state.fall
    assert not restored.fall.positive
    assert restored.fall.score(0.5, 5.0) == 0.0
