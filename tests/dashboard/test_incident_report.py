"""The report's cost totals: overlapping incidents see one drop, counted once per group."""

from __future__ import annotations

from seismo.dashboard.incident_report import Incident, Report


def costed(name: str, start: int, end: int | None, impact: float) -> Incident:
    cost = {"metric": "revenue", "unit": "EUR", "impact": impact}
    return Incident(name, "service:web", "critical", "", start + 1000, start, resolved=end,
                    cost=cost)  # fmt: skip


def test_overlapping_incidents_count_their_largest_figure_once_per_direction() -> None:
    """A surge seen by three overlapping incidents (+75, +40, +32) counts +75; a separate
    surge +125 and a separate drop -25 count on their own."""
    rows = [
        costed("surge-1", 0, 60_000, 125.0),
        costed("drop", 100_000, 160_000, -25.0),
        costed("surge-2", 200_000, 270_000, 75.0),
        costed("gw-1", 210_000, 225_000, 40.0),
        costed("gw-2", 230_000, None, 32.0),
    ]
    totals = Report(0, 300_000, rows).figures()["cost"]
    assert sorted((t["direction"], t["impact"], t["incidents"]) for t in totals) == [
        ("above", 200.0, 4), ("below", -25.0, 1)]  # fmt: skip
