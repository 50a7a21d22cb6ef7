"""``seismo replay``: score NAB-style CSV files offline with the per-metric detector the
settings select (``SEISMO_METRIC_DETECTOR``), as the detector role runs it."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from seismo.bench.nab import progress_replay
from seismo.config import load_settings
from seismo.detect.base import metric_detector_class
from seismo.detect.replay import ReplayError, find_inputs, output_path, write_scores


def handle(args: argparse.Namespace) -> int:
    """Replay every CSV under --input and write one result file per input under --output."""
    if not args.input.is_dir() or not find_inputs(args.input):
        print(f"seismo replay: --input {args.input} holds no CSV files", file=sys.stderr)
        return 2
    try:
        factory = metric_detector_class(load_settings())
        for series, scores in progress_replay(args.input, args.workers, factory):
            write_scores(output_path(args.output, series.relative), series, scores)
    except ReplayError as exc:
        print(f"seismo replay: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {len(find_inputs(args.input))} result files under {args.output}")
    return 0


def register(commands: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "replay", help="score timestamp,value CSV files offline (NAB results layout)"
    )
    parser.add_argument("--input", type=Path, required=True, help="folder of CSV files")
    parser.add_argument("--output", type=Path, required=True, help="results folder")
    parser.add_argument(
        "--workers", type=int, default=os.cpu_count() or 1, help="processes replaying files"
    )
    parser.set_defaults(handler=handle)
