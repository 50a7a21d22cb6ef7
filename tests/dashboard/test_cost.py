"""The cost estimate on its own: a KPI that stopped, one that rose, too little baseline."""

from __future__ import annotations

from seismo.dashboard.cost import MIN_BASELINE, KpiWindow, estimate, filled

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
