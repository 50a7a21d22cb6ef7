"""The cost estimate on its own: a KPI that stopped, one that rose, too little baseline."""

from __future__ import annotations

import math

from seismo.dashboard.cost import MIN_BASELINE, KpiWindow, estimate, filled, inflation

WINDOW_MS = 5000


def steady(count: int, first: int = 0) -> list[KpiWindow]:
    """Windows of 4 orders, alternately 25 and 30 EUR a piece (totals 100 and 120)."""
    return [KpiWindow(first + i * WINDOW_MS, 4, 25.0 if i % 2 else 30.0) for i in range(count)]


def test_a_kpi_that_stopped_arriving_lost_all_of_its_normal_amount() -> None:
    """Windows without an observation count as 0: 12 of them lose 12 x 110 = 1,320."""
    starts = [100_000 + i * WINDOW_MS for i in range(12)]
    cost = estimate("revenue", "EUR", steady(24), filled([], starts), WINDOW_MS)
    assert cost is not None
    assert (cost.impact, cost.windows, cost.minutes) == (-1320.0, 12, 1.0)
    assert cost.text.startswith("about 1,320 EUR of revenue below normal over 1.0 minutes")


def test_a_kpi_above_normal_is_said_to_be_above() -> None:
    during = [KpiWindow(200_000 + i * WINDOW_MS, 8, 30.0) for i in range(3)]
    cost = estimate("signups", "", steady(24), during, WINDOW_MS)
    assert cost is not None and cost.impact == 3 * 240 - 3 * 110
    assert cost.text.startswith("about 390 of signups above normal")


def test_no_claim_without_enough_baseline_or_without_a_window() -> None:
    during = [KpiWindow(0, 0, 0.0)]
    assert estimate("revenue", "EUR", steady(MIN_BASELINE - 1), during, WINDOW_MS) is None
    assert estimate("revenue", "EUR", steady(24), [], WINDOW_MS) is None


def test_a_kpi_at_the_top_of_its_usual_swing_is_not_claimed_to_have_moved() -> None:
    """A daily-like swing of +-50 around 100 per window over 96 windows (s = 35.5): twelve
    windows near its top sum to 584.5 above the mean, 4.5 standard errors out if windows were
    independent (SE 35.5 x sqrt(12 + 144 / 96) = 130.6). The baseline's own 12-window sums
    vary 12.8 times more than that assumes, which leaves it 1.25 standard errors out."""
    swing = [100 + 50 * math.sin(2 * math.pi * i / 96) for i in range(96)]
    baseline = [KpiWindow(i * WINDOW_MS, 1, total) for i, total in enumerate(swing)]
    top = [KpiWindow((96 + i) * WINDOW_MS, 1, swing[18 + i]) for i in range(12)]
    assert inflation(swing, 12) > 12
    assert estimate("revenue", "EUR", baseline, top, WINDOW_MS) is None
