"""``seismo bench <name>``: every module of ``seismo.bench`` with ``register`` is a benchmark."""

from __future__ import annotations

import argparse
from typing import Any

import seismo.bench
from seismo.cli import registering_modules


def register(commands: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "bench", help="measure throughput, memory and detection quality"
    )
    benches = parser.add_subparsers(dest="bench", required=True, metavar="BENCHMARK")
    for module in registering_modules(seismo.bench):
        module.register(benches)
