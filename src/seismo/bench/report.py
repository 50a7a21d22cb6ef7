"""Shared parts of the benchmarks: a rich table on the terminal, JSON on request, and the
options of a bench whose workload scales."""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Callable, Sequence
from dataclasses import asdict, astuple
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.table import Table

if TYPE_CHECKING:
    from _typeshed import DataclassInstance


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


def report_records(
    title: str,
    columns: Sequence[str],
    records: Sequence[DataclassInstance],
    path: Path | None,
    key: str,
    **context: Any,
) -> None:
    """Print one line per record, its fields in order under ``columns`` (a missing figure,
    None, as ``-``), and write the records under ``key``, after ``context``, to ``path``:
    for benches whose result records are their table."""
    rows = [["-" if value is None else value for value in astuple(r)] for r in records]
    print_table(title, columns, rows)
    write_json(path, {**context, key: [asdict(r) for r in records]})


def register_scaled(
    benches: Any, name: str, help_text: str, handler: Callable[[argparse.Namespace], int]
) -> None:
    """A bench whose only options are ``--json`` and ``--scale``: a fraction of its full
    workload, so that a quick run (or a test) takes the same code path."""
    parser: argparse.ArgumentParser = benches.add_parser(name, help=help_text)
    parser.add_argument("--json", type=Path, default=None, help="also write the results here")
    parser.add_argument(
        "--scale", type=float, default=1.0, help="fraction of the full workload (quick runs)"
    )
    parser.set_defaults(handler=handler)
