"""``seismo repair-aof``: cut the embedded Redis's damaged append-only file at its first
bad record (after a backup), so the engine starts again. Stop every role first."""

from __future__ import annotations

import argparse
from typing import Any

from seismo.config import load_settings
from seismo.engine.server import repair_aof


def register(commands: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "repair-aof", help="repair a damaged append-only file in SEISMO_DATA_DIR (keeps a backup)"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    settings = load_settings()
    print(f"seismo repair-aof: {repair_aof(settings.data_dir)}")
    return 0
