"""Rates measured in interleaved rounds: the rows of the ingest, access and SDK benches.

Each of these benches runs every row once per round, so that a noisy moment of a shared
machine hits them all, and reports a row as its median rate and its median ratio to a
baseline row, each ratio taken within its round (side by side, not across rounds).
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from seismo.bench.report import print_table, write_json


@dataclass(frozen=True)
class RateTable:
    """What a bench calls its rate and its ratio (the keys of its JSON rows), how many
    digits its table gives the ratio, and its ``extra`` figures shown to one decimal."""

    rate: str
    ratio: str
    ratio_digits: int = 2
    extra: tuple[str, ...] = ()

    def row(
        self, name: str, rates: Sequence[float], baselines: Sequence[float], **extra: float
    ) -> dict[str, Any]:
        """One row: the median of ``rates``, the median of each round's rate over that
        round's baseline, the ``extra`` figures, then every round's rate."""
        ratios = [rate / baseline for rate, baseline in zip(rates, baselines, strict=True)]
        return {
            "name": name,
            self.rate: round(statistics.median(rates)),
            self.ratio: round(statistics.median(ratios), 3),
            **extra,
            "rounds": [round(rate) for rate in rates],
        }

    def cells(self, row: Mapping[str, Any]) -> tuple[str, ...]:
        """A ``row`` as the cells of a table line, in the order ``row`` builds it."""
        return (
            row["name"],
            f"{row[self.rate]:,}",
            f"{row[self.ratio]:.{self.ratio_digits}f}",
            *(f"{row[name]:.1f}" for name in self.extra),
            " / ".join(f"{rate:,}" for rate in row["rounds"]),
        )

    def report(
        self,
        title: str,
        columns: Sequence[str],
        rows: Sequence[Mapping[str, Any]],
        path: Path | None,
        **context: Any,
    ) -> None:
        """Print ``rows`` as a table and write them, then ``context``, as JSON to ``path``."""
        print_table(title, columns, [self.cells(row) for row in rows])
        write_json(path, {"rows": rows, **context})
