"""NAB scoring rules, checked against cases computed by hand.

Every file here has 100 rows, so rows 0-14 are the probationary period, and one window on
rows 40-49 (length 10). sigma(y) = 2 / (1 + exp(5 y)) - 1.
"""

from __future__ import annotations

import math

import pytest

from seismo.bench.nab_score import (
    PROFILES,
    ScoredFile,
    best_threshold,
    score_at_threshold,
    sigma,
)

STANDARD, LOW_FP, LOW_FN = PROFILES
WINDOW = (40, 49)


def detections(*rows: int, length: int = 100) -> list[float]:
    """Scores of 1.0 on ``rows`` and 0.0 elsewhere."""
    return [1.0 if row in rows else 0.0 for row in range(length)]


def file_with(*rows: int, windows: tuple[tuple[int, int], ...] = (WINDOW,)) -> ScoredFile:
    return ScoredFile("f.csv", detections(*rows), windows)


def test_sigma_matches_the_documented_end_points() -> None:
    assert sigma(-1.0) == pytest.approx(0.9866142981514305)
    assert sigma(0.0) == 0.0
    assert sigma(5.0) == pytest.approx(-1.0, abs=1e-10)


def test_detection_at_window_start_earns_almost_full_reward() -> None:
    assert score_at_threshold(file_with(40), STANDARD, 0.5) == pytest.approx(0.9866142981514305)


def test_late_detection_earns_little() -> None:
    # row 49: y = -(49 - 49 + 1) / 10 = -0.1, sigma = 2 / (1 + e^-0.5) - 1
    assert score_at_threshold(file_with(49), STANDARD, 0.5) == pytest.approx(0.24491866240370913)


def test_only_the_earliest_detection_in_a_window_counts() -> None:
    assert score_at_threshold(file_with(40, 45, 49), STANDARD, 0.5) == pytest.approx(
        0.9866142981514305
    )


def test_missed_window_costs_a_false_negative() -> None:
    assert score_at_threshold(file_with(), STANDARD, 0.5) == -1.0
    assert score_at_threshold(file_with(), LOW_FN, 0.5) == -2.0


def test_false_positive_just_after_a_window_costs_little() -> None:
    # row 50: y = (50 - 49) / 10 = 0.1, sigma = -0.2449..., cost 0.11 * sigma
    expected = 0.9866142981514305 + 0.11 * -0.24491866240370913
    assert score_at_threshold(file_with(40, 50), STANDARD, 0.5) == pytest.approx(expected)


def test_false_positive_far_from_a_window_costs_the_full_weight() -> None:
    # row 99: y = 5.0, sigma ~ -1
    expected = 0.9866142981514305 - 0.11
    assert score_at_threshold(file_with(40, 99), STANDARD, 0.5) == pytest.approx(expected)
    assert score_at_threshold(file_with(40, 99), LOW_FP, 0.5) == pytest.approx(expected - 0.11)


def test_false_positive_before_any_window_costs_the_full_weight() -> None:
    assert score_at_threshold(file_with(20), STANDARD, 0.5) == pytest.approx(-1.11)


def test_probationary_period_is_not_scored() -> None:
    assert score_at_threshold(file_with(5, 14), STANDARD, 0.5) == -1.0
    assert score_at_threshold(file_with(15), STANDARD, 0.5) == pytest.approx(-1.11)


def test_file_without_windows_costs_only_its_false_positives() -> None:
    clean = file_with(30, 60, windows=())
    assert score_at_threshold(clean, STANDARD, 0.5) == pytest.approx(-0.22)


def test_perfect_detector_scores_100_and_silent_one_0() -> None:
    perfect = best_threshold([file_with(40)], STANDARD)
    silent = best_threshold([file_with()], STANDARD)
    assert perfect.score == pytest.approx(100.0)
    assert silent.score == 0.0
    assert math.isinf(silent.threshold)


def test_best_threshold_maximises_the_total_over_files() -> None:
    # scores: the true detection at 0.6 and a far false positive at 0.9 in another file.
    hit = ScoredFile("a.csv", [0.6 if r == 40 else 0.0 for r in range(100)], (WINDOW,))
    noise = ScoredFile("b.csv", [0.9 if r == 90 else 0.0 for r in range(100)], ())
    result = best_threshold([hit, noise], STANDARD)
    assert result.threshold == 0.6
    assert result.raw == pytest.approx(0.9866142981514305 - 0.11)
    low_fp = best_threshold([hit, noise], LOW_FP)
    assert low_fp.raw == pytest.approx(0.9866142981514305 - 0.22)


def test_threshold_sweep_agrees_with_direct_scoring() -> None:
    scores = [((row * 37) % 101) / 101 for row in range(100)]
    file = ScoredFile("c.csv", scores, ((40, 49), (70, 79)))
    result = best_threshold([file], STANDARD)
    assert result.raw == pytest.approx(score_at_threshold(file, STANDARD, result.threshold))
    for threshold in sorted(set(scores)):
        assert score_at_threshold(file, STANDARD, threshold) <= result.raw + 1e-12
