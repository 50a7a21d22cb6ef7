"""What an incident cost: a business KPI's amount during the incident against its normal.

A KPI is read as additive: each observation is an amount (an order's value, one sign-up), so
a window's total is its mean times its observations, and an incident's impact is the sum of
its windows' totals minus what the KPI's normal would have brought in as many windows. The
normal is learned from the KPI's own windows just before the incident (``BASELINE_S``): their
mean total per window, and their spread, from which the uncertainty follows. With ``n``
incident windows and ``m`` baseline windows of variance ``s^2``, the sum's noise has
variance ``n s^2 k`` and the baseline mean's error adds ``n^2 s^2 k / m``, where ``k``
(``inflation``) is how much more the baseline's own sums of ``n`` consecutive windows vary
than independent windows would (a daily swing, a drift). The interval shown is ``1.96``
standard errors (95 %).

Nothing is claimed unless the impact is ``CLAIM_Z`` standard errors from zero (the KPI
measurably moved), nor with fewer than ``MIN_BASELINE`` baseline windows. Pure: the caller
reads the windows.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

BASELINE_S = 30 * 60
"""How long before an incident its KPIs' normal is learned from."""
MIN_BASELINE = 12
"""Fewest baseline windows with which a normal is trusted."""
Z95 = 1.96
CLAIM_Z = 3.0
"""A cost is claimed only when the impact is this many standard errors from zero (about one
chance in 700 when the KPI did not move); the interval shown is the 95 % one."""


@dataclass(frozen=True)
class KpiWindow:
    """One window of one KPI: its start (epoch ms), observations and mean."""

    start: int
    count: float
    mean: float

    @property
    def total(self) -> float:
        return self.count * self.mean


@dataclass(frozen=True)
class Cost:
    """An incident's estimated impact on one KPI."""

    metric: str
    unit: str
    impact: float
    """Observed minus normal over the incident's windows (negative: below normal)."""
    uncertainty: float
    """Half-width of the 95 % interval around ``impact``."""
    normal: float
    """What the normal would have brought over those windows."""
    minutes: float
    windows: int

    @property
    def text(self) -> str:
        """``about 1,240 EUR of revenue below normal over 14 minutes (± 310 EUR)``."""
        direction = "below" if self.impact < 0 else "above"
        amount, spread = _money(abs(self.impact)), _money(self.uncertainty)
        unit = f" {self.unit}" if self.unit else ""
        minutes = f"{self.minutes:.0f}" if self.minutes >= 2 else f"{self.minutes:.1f}"
        return (
            f"about {amount}{unit} of {self.metric} {direction} normal over {minutes} minutes "
            f"(± {spread}{unit})"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "metric": self.metric,
            "unit": self.unit,
            "impact": round(self.impact, 2),
            "uncertainty": round(self.uncertainty, 2),
            "normal": round(self.normal, 2),
            "minutes": round(self.minutes, 2),
            "windows": self.windows,
            "text": self.text,
        }


def _money(value: float) -> str:
    """Two significant-ish figures a business reads: 1,240 / 86 / 4.5."""
    if value >= 100:
        return f"{round(value, -1 if value < 10_000 else -2):,.0f}"
    return f"{value:,.0f}" if value >= 10 else f"{value:.1f}"


def estimate(
    metric: str,
    unit: str,
    baseline: Sequence[KpiWindow],
    during: Sequence[KpiWindow],
    window_ms: int,
) -> Cost | None:
    """The impact of the ``during`` windows against the ``baseline``; None when nothing can
    be claimed (too little baseline, no window, or an interval that contains zero).

    A window of ``baseline`` or ``during`` without observations counts as a total of 0: a KPI
    that stopped arriving lost all of its amount."""
    m, n = len(baseline), len(during)
    if m < MIN_BASELINE or n == 0:
        return None
    totals = [w.total for w in baseline]
    mean = sum(totals) / m
    variance = _variance(totals) * inflation(totals, n)
    impact = sum(w.total for w in during) - n * mean
    error = math.sqrt(variance * (n + n * n / m))
    if abs(impact) <= CLAIM_Z * error:
        return None
    uncertainty = Z95 * error
    return Cost(metric, unit, impact, uncertainty, n * mean, n * window_ms / 60_000, n)


def _variance(values: Sequence[float]) -> float:
    """The sample variance (0 for fewer than two values)."""
    if len(values) < 2:
        return 0.0
    mean = sum(values) / len(values)
    return sum((v - mean) ** 2 for v in values) / (len(values) - 1)


def inflation(totals: Sequence[float], n: int) -> float:
    """How much more a sum of ``n`` consecutive windows varies than ``n`` independent ones
    would, measured on the baseline's own consecutive sums (of ``n`` windows, or of half the
    baseline when it is shorter than ``2 n``); never below 1. A KPI with a daily swing or
    slow drifts has neighbouring windows alike, and its sums vary far more than ``n s^2``."""
    block = max(1, min(n, len(totals) // 2))
    per_window = _variance(totals)
    if block == 1 or per_window <= 0:
        return 1.0
    sums = [sum(totals[i : i + block]) for i in range(len(totals) - block + 1)]
    return max(1.0, _variance(sums) / (block * per_window))


def filled(windows: Sequence[KpiWindow], starts: Sequence[int]) -> list[KpiWindow]:
    """One window per start of ``starts``: the KPI's own where it had one, else an empty one."""
    by_start = {w.start: w for w in windows}
    return [by_start.get(s, KpiWindow(s, 0.0, 0.0)) for s in starts]
