"""Evidence sized to the data: tail probabilities and their place on the alert scale."""

from __future__ import annotations

import math

import pytest

from seismo.detect.evidence import (
    agreeing_score,
    binomial_tail,
    count_change_tail,
    poisson_tail,
    score_tail,
    smoothed_rate,
    tail_score,
    z_score,
)


def test_binomial_tail_matches_its_closed_form() -> None:
    assert binomial_tail(1, 6, 0.01) == pytest.approx(1 - 0.99**6)
    assert binomial_tail(6, 6, 0.5) == pytest.approx(0.5**6)
    assert binomial_tail(0, 6, 0.5) == 1.0
    assert binomial_tail(7, 6, 0.5) == 0.0


def test_poisson_tail_matches_its_closed_form() -> None:
    assert poisson_tail(1, 2.0) == pytest.approx(1 - math.exp(-2.0))
    assert poisson_tail(3, 0.5) == pytest.approx(1 - math.exp(-0.5) * (1 + 0.5 + 0.125), rel=1e-9)


def test_few_errors_of_few_requests_are_weak_evidence_many_are_strong() -> None:
    normal = 0.005
    assert tail_score(binomial_tail(1, 4, normal)) < 0.5
    assert tail_score(binomial_tail(4, 6, normal)) >= 0.9
    assert tail_score(binomial_tail(40, 100, normal)) > 0.99


def test_the_alert_scale_puts_the_alerting_tail_at_the_threshold() -> None:
    assert tail_score(1e-6) == pytest.approx(0.9)
    assert tail_score(1e-12) == pytest.approx(0.99)
    assert tail_score(1.0) == pytest.approx(0.0, abs=1e-9)
    assert z_score(5.0) == pytest.approx(0.9)
    assert z_score(-6.0) == pytest.approx(0.95)
    assert z_score(1.0) == 0.0


def test_a_move_far_below_an_astronomical_bar_scores_nothing_instead_of_overflowing() -> None:
    """A near-constant metric learns tiny standard errors, so its bar can reach thousands."""
    assert z_score(3.0, alert_z=5_000.0) == 0.0


def test_a_smoothed_rate_starts_at_its_prior() -> None:
    assert smoothed_rate(0, 0, 0.01, 100) == pytest.approx(0.01)
    assert smoothed_rate(500, 1000, 0.01, 100) == pytest.approx(501 / 1100)


def test_a_count_change_is_judged_on_its_side_of_normal() -> None:
    assert count_change_tail(0, 6.0) == pytest.approx(math.exp(-6.0))
    assert count_change_tail(9, 3.0) == pytest.approx(poisson_tail(9, 3.0))
    assert count_change_tail(6, 6.0) > 0.5


def test_a_score_stands_for_the_tail_it_was_made_from() -> None:
    for p in (1e-9, 1e-6, 1e-3, 0.05):
        assert score_tail(tail_score(p)) == pytest.approx(p)


def test_two_tests_short_of_the_alert_that_agree_alert_and_a_weak_one_adds_nothing() -> None:
    assert agreeing_score(0.89, 0.78) >= 0.9
    assert agreeing_score(0.85, 0.39) < 0.86
    assert agreeing_score(0.6, 0.6) < 0.9
