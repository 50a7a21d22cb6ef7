"""``seismo bench nab``: replay the per-metric detector over NAB data and score it.

The replay is ``seismo replay``'s (the production detector, fresh per file, no look-ahead);
the scoring is ``seismo.bench.nab_score``, NAB's rules reimplemented. Prints each profile's
normalised score with the threshold that maximised it, and writes them as JSON on request.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from bisect import bisect_left, bisect_right
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from seismo.bench.nab_score import ProfileResult, ScoredFile, score_corpus
from seismo.bench.report import print_table, write_json
from seismo.detect.replay import ReplayError, Series, find_inputs, replay

Windows = Mapping[str, Sequence[Sequence[str]]]


def progress_replay(input_dir: Path, workers: int) -> Iterator[tuple[Series, list[float]]]:
    """``replay`` with a progress bar counting files as they finish."""
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, TimeElapsedColumn(), transient=True) as progress:
        task = progress.add_task("replaying", total=len(find_inputs(input_dir)))
        for result in replay(input_dir, workers=workers):
            progress.update(task, advance=1, description=str(result[0].relative))
            yield result


def window_rows(
    timestamps: Sequence[str], windows: Sequence[Sequence[str]]
) -> list[tuple[int, int]]:
    """Labelled windows ``[start, end]`` (timestamps) as inclusive row ranges."""
    times = [datetime.fromisoformat(t) for t in timestamps]
    rows = []
    for start, end in windows:
        first = bisect_left(times, datetime.fromisoformat(start))
        last = bisect_right(times, datetime.fromisoformat(end)) - 1
        if first <= last:
            rows.append((first, last))
    return rows


def scored_file(series: Series, scores: list[float], windows: Windows) -> ScoredFile:
    """Pair a replayed series with its labels; a file without labels is an error."""
    key = series.relative.as_posix()
    if key not in windows:
        raise ReplayError(f"{key} has no entry in the windows file")
    return ScoredFile(key, scores, window_rows(series.timestamps, windows[key]))


def run(data: Path, windows: Windows, workers: int) -> tuple[list[ProfileResult], int, float]:
    """Replay and score every file: (per-profile results, rows replayed, seconds taken)."""
    started = time.perf_counter()
    files = [scored_file(s, scores, windows) for s, scores in progress_replay(data, workers)]
    elapsed = time.perf_counter() - started
    return score_corpus(files), sum(len(f.scores) for f in files), elapsed


def handle(args: argparse.Namespace) -> int:
    """Run the benchmark, print the table, write the JSON."""
    if not args.data.is_dir() or not args.windows.is_file():
        print("seismo bench nab: --data must be a folder and --windows a file", file=sys.stderr)
        return 2
    try:
        windows = json.loads(args.windows.read_text())
        results, rows, elapsed = run(args.data, windows, args.workers)
    except (ReplayError, ValueError) as exc:
        print(f"seismo bench nab: {exc}", file=sys.stderr)
        return 2
    print_table(
        f"NAB scores ({rows} rows replayed in {elapsed:.1f} s)",
        ["profile", "score", "threshold", "raw", "null", "perfect"],
        [
            (
                r.profile,
                f"{r.score:.2f}",
                f"{r.threshold:.6f}",
                f"{r.raw:.3f}",
                f"{r.null:.3f}",
                f"{r.perfect:.3f}",
            )
            for r in results
        ],
    )
    write_json(args.json, _payload(results, rows, elapsed, args.data))
    return 0


def _payload(results: list[ProfileResult], rows: int, elapsed: float, data: Path) -> dict[str, Any]:
    return {
        "benchmark": "nab",
        "data": str(data),
        "rows": rows,
        "replay_seconds": round(elapsed, 2),
        "profiles": {
            r.profile: {"score": round(r.score, 3), "threshold": r.threshold, "raw": r.raw}
            for r in results
        },
    }


def register(benches: Any) -> None:
    parser: argparse.ArgumentParser = benches.add_parser(
        "nab", help="replay the per-metric detector over NAB data and score it"
    )
    parser.add_argument("--data", type=Path, required=True, help="folder of NAB CSV files")
    parser.add_argument("--windows", type=Path, required=True, help="labelled windows JSON")
    parser.add_argument("--json", type=Path, default=None, help="also write results here")
    parser.add_argument(
        "--workers", type=int, default=os.cpu_count() or 1, help="processes replaying files"
    )
    parser.set_defaults(handler=handle)
