"""The per-metric streaming detector: finds spikes and shifts, stays quiet on noise, stores."""

from __future__ import annotations

import json
import math
import random

import numpy as np
import pytest

from seismo.detect.base import detector_from_dict
from seismo.detect.metric import (
    CANDIDATES,
    MIN_POINTS,
    HighQuantile,
    MetricDetector,
    RollingOrder,
    default_metric_detector,
    expected_range_violation,
    on_schedule,
)

DECIDE = 0.52


def noisy_daily(length: int, seed: int = 7) -> list[float]:
    """A daily-looking cycle (period 96) with Gaussian noise."""
    rng = random.Random(seed)
    return [50 + 10 * math.sin(2 * math.pi * i / 96) + rng.gauss(0, 1) for i in range(length)]


def replay(detector: MetricDetector, values: list[float]) -> list[float]:
    scores = []
    for value in values:
        scores.append(detector.score_one({"value": value}))
        detector.learn_one({"value": value})
    return scores


def test_planted_spike_is_the_one_detection() -> None:
    values = noisy_daily(900)
    values[700] += 40
    scores = replay(MetricDetector(), values)
    flagged = [i for i, s in enumerate(scores) if s >= DECIDE]
    assert flagged == [700]


def test_noise_alone_gives_no_detection_after_warm_up() -> None:
    scores = replay(MetricDetector(), noisy_daily(900, seed=3))
    assert max(scores[300:]) < DECIDE


def test_level_shift_is_detected_within_a_few_points() -> None:
    values = noisy_daily(900, seed=5)
    for i in range(650, 900):
        values[i] += 25
    scores = replay(MetricDetector(), values)
    first = next(i for i, s in enumerate(scores) if s >= DECIDE)
    assert 650 <= first <= 655


def spiked(spikes: dict[int, float]) -> list[float]:
    """A noisy daily series of 900 points with ``spikes`` (index -> height) added."""
    values = noisy_daily(900)
    for at, height in spikes.items():
        values[at] += height
    return values


def test_detection_damps_the_quiet_period_after_it() -> None:
    values = spiked({700: 40, 720: 40})
    scores = replay(MetricDetector(quiet=100), values)
    assert scores[700] >= DECIDE
    assert scores[720] < DECIDE


def test_a_long_shape_counts_once_its_calibration_holds_as_many_values_as_it_spans() -> None:
    detector = MetricDetector()
    replay(detector, noisy_daily(700))
    daily = detector.calibration[-1]  # shapes of 12 blocks of 24 points: 288 points
    assert MIN_POINTS <= len(daily) < 288
    ratios = detector._ratios(detector._raw(50.0))
    assert ratios[0] is not None and ratios[-1] is None
    replay(detector, noisy_daily(200, seed=8))
    assert len(daily) >= 288
    assert detector._ratios(detector._raw(50.0))[-1] is not None


def test_the_quiet_period_lasts_as_long_as_the_alarm_s_signal_spans(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    detector = MetricDetector()
    values = noisy_daily(1200)
    replay(detector, values[:900])
    monkeypatch.setattr(detector, "_leading", lambda raw: len(raw) - 1)  # the daily shape
    assert detector.score_one({"value": values[900] + 40}) >= DECIDE
    detector.learn_one({"value": values[900] + 40})
    scores = replay(detector, [*values[901:1050], values[1050] + 40])
    assert max(scores) < DECIDE  # 150 points on, the same spike is still damped


def test_a_far_more_unusual_point_in_the_quiet_period_alarms_anew() -> None:
    # One incident, one alarm, unless it grows to twice the alarm's ratio: a spike ten times
    # the first one, 20 points after it, is news; its twin 20 points later is not.
    values = spiked({700: 40, 720: 400, 740: 400})
    scores = replay(MetricDetector(quiet=100), values)
    assert scores[700] >= DECIDE
    assert scores[720] >= DECIDE
    assert scores[740] < DECIDE


def scripted(monkeypatch: pytest.MonkeyPatch, fused: dict[int, float]) -> MetricDetector:
    """A detector whose fused score at point ``i`` is ``fused.get(i, 0.3)``."""
    detector = MetricDetector(quiet=100)
    monkeypatch.setattr(detector, "_calibrated", lambda raw: fused.get(detector.seen, 0.3))
    return detector


def test_an_incident_still_above_its_bar_stays_quiet_until_it_falls_under_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # After an alarm at 700 the metric stays above its bar (0.51) past the 100 quiet points;
    # its next small rise, at 850, is the same incident. Once a point is back under every
    # bar, after the quiet period, a rise alarms again.
    above = dict.fromkeys(range(701, 850), 0.51)
    fused = {700: 0.6, **above, 850: 0.53, 851: 0.4, 900: 0.53}
    scores = replay(scripted(monkeypatch, fused), noisy_daily(950))
    assert scores[700] >= DECIDE
    assert scores[850] < DECIDE
    assert scores[900] >= DECIDE


def test_a_quiet_period_under_the_bar_ends_after_its_points(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    scores = replay(scripted(monkeypatch, {700: 0.6, 801: 0.53}), noisy_daily(850))
    assert scores[801] >= DECIDE


def test_state_stored_during_an_incident_stays_quiet(monkeypatch: pytest.MonkeyPatch) -> None:
    fused = {700: 0.6, **dict.fromkeys(range(701, 850), 0.51), 850: 0.53}
    original = scripted(monkeypatch, fused)
    values = noisy_daily(900)
    replay(original, values[:820])
    restored = detector_from_dict(json.loads(json.dumps(original.to_dict())))
    assert isinstance(restored, MetricDetector)
    monkeypatch.setattr(restored, "_calibrated", lambda raw: fused.get(restored.seen, 0.3))
    assert replay(restored, values[820:])[30] < DECIDE


def led_by(monkeypatch: pytest.MonkeyPatch, signal: int, fused: dict[int, float]) -> list[float]:
    """Scores of a scripted detector (``scripted``) whose leading signal is ``signal``."""
    detector = scripted(monkeypatch, fused)
    monkeypatch.setattr(detector, "_leading", lambda raw: signal)
    return replay(detector, noisy_daily(750))


EPISODE = {700: 0.51, 701: 0.51}
"""Two points above the bar (a ratio of 1, score 0.5), not alarms: an episode under way."""


def test_a_spike_crossing_the_decision_within_an_older_episode_is_not_news(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A one-point signal is news at the start of an episode above the bar; two points into
    # it, its crossing is the episode creeping on: scored as in a quiet period
    assert led_by(monkeypatch, 0, {702: 0.55})[702] >= DECIDE
    assert led_by(monkeypatch, 0, {**EPISODE, 702: 0.55})[702] < DECIDE


def test_a_spike_twice_its_bar_within_an_older_episode_alarms(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert led_by(monkeypatch, 0, {**EPISODE, 702: 0.7})[702] >= DECIDE


def test_a_long_shape_crossing_the_decision_early_in_an_episode_alarms(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The daily shape spans 288 points: an episode two points old is young for it
    assert led_by(monkeypatch, -1, {**EPISODE, 702: 0.55})[702] >= DECIDE


def test_state_stored_before_escalation_keeps_its_quiet_period() -> None:
    # Without the alarm's score, nothing escalates until the quiet period is over
    values = spiked({700: 40, 720: 400})
    original = MetricDetector(quiet=100)
    replay(original, values[:710])
    data = json.loads(json.dumps(original.to_dict()))
    del data["state"]["alarm"]
    restored = detector_from_dict(data)
    assert isinstance(restored, MetricDetector)
    assert replay(restored, values[710:])[10] < DECIDE
    assert replay(original, values[710:])[10] >= DECIDE


def test_a_detected_point_does_not_hide_the_next_anomaly() -> None:
    # Learned into the calibration, the first spike would make an equal second one look
    # ordinary; kept out, the second is detected too once the quiet period is over.
    values = noisy_daily(1200)
    values[600] += 40
    values[900] += 40
    scores = replay(MetricDetector(quiet=100), values)
    assert scores[600] >= DECIDE
    assert scores[900] >= DECIDE


def flat_noisy(length: int, spikes: dict[int, float]) -> list[float]:
    """A flat metric with Gaussian noise and ``spikes`` (index -> height) added."""
    rng = random.Random(7)
    values = [50 + rng.gauss(0, 1) for _ in range(length)]
    for at, height in spikes.items():
        values[at] += height
    return values


def irregular(start: int, end: int) -> list[int]:
    """Points from ``start`` to ``end`` at intervals of 200 and 330 in turn: no schedule."""
    points, gaps = [start], (200, 330)
    while points[-1] + gaps[len(points) % 2] < end:
        points.append(points[-1] + gaps[len(points) % 2])
    return points


def test_a_recurring_spike_becomes_ordinary_instead_of_alarming_forever() -> None:
    # A job's spike at irregular hours: kept out of the calibration at every occurrence, it
    # alarmed at full strength forever (0.92 each time). Once as many were kept out as the
    # quantile's rank, it is learned and fades to "as unusual as the rare unusual points
    # lately" (about 0.5).
    spikes = irregular(500, 9000)
    scores = replay(MetricDetector(), flat_noisy(9000, dict.fromkeys(spikes, 40.0)))
    assert min(scores[at] for at in spikes[:6]) >= 0.9
    assert max(scores[at] for at in spikes[-5:]) < 0.6


def test_a_spike_that_keeps_a_schedule_is_expected_from_its_third_occurrence() -> None:
    # A nightly job: every 250 points, give or take 10. The first two are news; from the
    # third, the intervals agree and it is expected. Kept out of the calibration, it leaves
    # the bar where it was, so the same spike off the schedule still alarms in full.
    spikes = [500 + 250 * n + (10 if n % 2 else -10) for n in range(12)]
    off_schedule = spikes[-1] + 140
    values = flat_noisy(3600, {**dict.fromkeys(spikes, 40.0), off_schedule: 40.0})
    scores = replay(MetricDetector(), values)
    assert min(scores[at] for at in spikes[:2]) >= 0.9
    assert max(scores[at] for at in spikes[2:]) < DECIDE
    assert scores[off_schedule] >= 0.9


@pytest.mark.parametrize(
    ("past_spikes", "expected"),
    [
        ([100, 350], True),  # intervals 250 and 250
        ([100, 370], True),  # 270 and 230: 16 % of their mean apart
        ([100, 380], False),  # 280 and 220: 24 % apart
        ([100, 300], False),  # 200 and 300
        ([350], False),  # one interval: no schedule yet
        ([590, 595], False),  # a burst, not a schedule
    ],
)
def test_on_schedule_needs_the_last_two_intervals_to_agree(
    past_spikes: list[int], expected: bool
) -> None:
    past = [10.0] * 600
    for at in past_spikes:
        past[at] = 50.0
    assert on_schedule(past, 52.0, 10.0) is expected


def test_a_step_that_keeps_a_schedule_is_read_from_the_steps() -> None:
    # A shift that starts every 250 points: the level rises by 30 and stays 100 points. The
    # values stay up for a while, so they do not mark occurrences; the steps do.
    values = [20.0] * 600
    for start in (100, 350):
        values[start : start + 100] = [50.0] * 100
    steps = np.diff(values)
    assert on_schedule(steps, 30.0, 0.0)  # the rise at 600, 250 after the last
    assert not on_schedule(steps, -30.0, 0.0)  # a fall now is 150 after the last fall


def test_a_spike_on_the_other_side_is_not_the_schedule() -> None:
    past = [10.0] * 600
    for at in (100, 350):
        past[at] = 50.0
    assert not on_schedule(past, -30.0, 10.0)


SIX_SPIKES = dict.fromkeys((600, 680, 820, 880, 1040, 1100), 60.0)
"""Six alarms kept out (the rank of the 0.999 quantile of 6000 points), off any schedule."""


@pytest.mark.parametrize(("kept_out", "learned"), [(SIX_SPIKES, True), ({600: 60.0}, False)])
def test_an_alarm_is_learned_once_as_many_as_unusual_were_kept_out_as_the_quantile_rank(
    kept_out: dict[int, float], learned: bool
) -> None:
    values = flat_noisy(1300, kept_out)
    detector = MetricDetector(quiet=50)
    replay(detector, values[:1200])
    before = detector.to_dict()["state"]
    smaller = {"value": values[1200] + 40}
    assert detector.score_one(smaller) >= DECIDE  # an alarm either way
    detector.learn_one(smaller)
    after = detector.to_dict()["state"]
    assert (after["calibration"] != before["calibration"]) is learned
    assert len(after["excluded"]) == len(before["excluded"]) + (not learned)
    assert after["since"] == 0


def test_a_new_extreme_is_kept_out_even_after_many_alarms() -> None:
    values = flat_noisy(1300, SIX_SPIKES)
    detector = MetricDetector(quiet=50)
    replay(detector, values[:1200])
    before = detector.to_dict()["state"]
    bigger = {"value": values[1200] + 120}
    assert detector.score_one(bigger) >= DECIDE
    detector.learn_one(bigger)
    after = detector.to_dict()["state"]
    assert after["calibration"] == before["calibration"]
    assert len(after["excluded"]) == len(before["excluded"]) + 1


def test_stored_state_remembers_the_alarms_kept_out() -> None:
    values = spiked({600: 60, 800: 40})
    original = MetricDetector(quiet=100)
    replay(original, values[:700])
    stored = json.loads(json.dumps(original.to_dict()))
    assert len(stored["state"]["excluded"]) == 1
    restored = detector_from_dict(stored)
    assert isinstance(restored, MetricDetector)
    assert replay(restored, values[700:]) == replay(original, values[700:])
    assert restored.to_dict() == original.to_dict()


def test_a_typical_move_of_a_mostly_flat_metric_is_a_small_jump() -> None:
    # A counter that moves by one in a fifth of its steps: its median step is zero, so
    # against the median a typical move was a jump of ~70 "typical steps" (the rounding
    # floor's scale); against the 0.9 quantile of steps it is about one.
    rng = random.Random(3)
    values, x = [], 10.0
    for _ in range(600):
        x += rng.choice([-1.0, 1.0]) if rng.random() < 0.2 else 0.0
        values.append(x)
    detector = MetricDetector()
    replay(detector, values)
    jump = detector._raw(values[-1] + 1.0)[1]
    assert jump is not None
    assert 0.5 <= jump <= 2.0


def test_warm_up_scores_zero() -> None:
    scores = replay(MetricDetector(warmup=150), noisy_daily(200))
    assert scores[:150] == [0.0] * 150


def test_missing_or_non_finite_value_scores_zero_and_is_not_learned() -> None:
    detector = MetricDetector()
    replay(detector, noisy_daily(300))
    before = json.dumps(detector.to_dict())
    assert detector.score_one({}) == 0.0
    assert detector.score_one({"value": math.nan}) == 0.0
    detector.learn_one({"value": math.inf})
    detector.learn_one({})
    assert json.dumps(detector.to_dict()) == before


def test_stored_state_resumes_with_identical_scores() -> None:
    values = noisy_daily(1500)
    values[1300] += 30
    original = MetricDetector()
    replay(original, values[:1100])
    stored = json.loads(json.dumps(original.to_dict()))
    restored = detector_from_dict(stored)
    assert isinstance(restored, MetricDetector)
    assert replay(restored, values[1100:]) == replay(original, values[1100:])


def test_stored_state_is_bounded() -> None:
    detector = MetricDetector(history=500)
    replay(detector, noisy_daily(3000))
    state = detector.to_dict()["state"]
    assert len(state["values"]) == 2 * 288 + 1000
    assert all(len(kept) <= CANDIDATES for _, kept in state["calibration"])


def test_stored_state_is_compact() -> None:
    # The budget: well under 50 KB of JSON per metric, once warm (was ~300 KB)
    detector = MetricDetector()
    replay(detector, noisy_daily(8000, seed=2))
    assert len(json.dumps(detector.to_dict())) < 50_000


def test_stored_params_rebuild_the_configuration() -> None:
    data = MetricDetector(long=500, quiet=20).to_dict()
    assert set(data) == {"name", "params", "state"}
    assert MetricDetector(**data["params"]).config == data["params"]


def test_state_stored_with_seen_beside_it_still_loads() -> None:
    # The layout before the one detector shape: ``seen`` at the top, not in the state
    original = MetricDetector()
    replay(original, noisy_daily(400))
    data = json.loads(json.dumps(original.to_dict()))
    earlier = {**data, "state": dict(data["state"]), "seen": data["state"].pop("seen")}
    restored = detector_from_dict(earlier)
    assert restored.to_dict() == original.to_dict()


def test_a_flagged_point_is_kept_out_of_the_calibration_only() -> None:
    values = noisy_daily(800)
    detector = MetricDetector()
    replay(detector, values[:700])
    before = detector.to_dict()["state"]
    spike = {"value": values[700] + 40}
    assert detector.score_one(spike) >= detector.threshold
    detector.learn_one(spike)
    after = detector.to_dict()["state"]
    assert after["calibration"] == before["calibration"]
    assert after["values"][-1] == spike["value"]
    assert (after["seen"], after["since"]) == (before["seen"] + 1, 0)


def test_high_quantile_is_the_sliding_window_s() -> None:
    rng = random.Random(5)
    compact, exact = HighQuantile(700, 0.99), RollingOrder(700)
    for i in range(4000):
        value = round(rng.expovariate(1.0) * (1 + i // 1000), 3)  # with ties and a drift
        compact.add(value)
        exact.add(value)
        assert compact.quantile() == exact.quantile(0.99)
    assert len(compact.kept) < 100


def test_default_detector_is_the_metric_detector() -> None:
    assert isinstance(default_metric_detector(), MetricDetector)


@pytest.mark.parametrize(
    ("value", "expected_range", "violated"),
    [
        (5.0, [1.0, 10.0], False),
        (0.5, [1.0, 10.0], True),
        (10.5, [1.0, 10.0], True),
        (10.0, [1.0, 10.0], False),
        (99.0, [1.0, None], False),
        (-5.0, [None, 10.0], False),
        (5.0, None, False),
        (math.nan, [1.0, 10.0], False),
    ],
)
def test_expected_range_violation(
    value: float, expected_range: list[float | None] | None, violated: bool
) -> None:
    assert expected_range_violation(value, expected_range) is violated


def test_state_stored_in_the_earlier_layout_still_loads() -> None:
    # Redis may hold states written before the compact layout: whole calibration histories
    values = noisy_daily(400)
    histories = [[float((7 * i + k) % 97) for i in range(250)] for k in range(6)]
    earlier = {
        "name": "metric",
        "config": MetricDetector().config,
        "values": values[:300],
        "calibration": histories,
        "seen": 300,
        "since": 100,
    }
    restored = detector_from_dict(json.loads(json.dumps(earlier)))
    assert isinstance(restored, MetricDetector)
    for history, items in zip(restored.calibration, histories, strict=True):
        exact = RollingOrder(6000)
        for item in items:
            exact.add(item)
        assert len(history) == 250
        assert history.quantile() == exact.quantile(0.999)
    assert all(0.0 <= s <= 1.0 for s in replay(restored, values[300:]))
