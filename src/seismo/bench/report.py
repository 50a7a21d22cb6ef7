"""Shared output of the benchmarks: a rich table on the terminal, JSON on request."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table


def print_table(title: str, columns: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    """Print ``rows`` under ``columns`` as one table."""
    table = Table(title=title)
    for column in columns:
        table.add_column(column, justify="right" if column != columns[0] else "left")
    for row in rows:
        table.add_row(*(str(cell) for cell in row))
    Console().print(table)


def write_json(path: Path | None, payload: dict[str, Any]) -> None:
    """Write ``payload`` (plus the machine's CPU count) to ``path`` when one was given."""
    if path is None:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"cpu_count": os.cpu_count(), **payload}, indent=2) + "\n")
