"""``seismo bench nab``: replay the per-metric detector over NAB data and score it.

The replay is ``seismo replay``'s (the production detector, fresh per file, no look-ahead);
the scoring is ``seismo.bench.nab_score``, NAB's rules reimplemented. Prints each profile's
normalised score with the threshold that maximised it, and writes them as JSON on request.

``--folds 2`` guards against fitting the detector to these files: the files are split in two
by a hash of their path (stratified by category), settings are chosen on fold A only and
fold B's score is the honest estimate of how they do on files never looked at.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import statistics
import sys
import time
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Any

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from seismo.bench.nab_score import (
    PROFILES,
    ProfileResult,
    ScoredFile,
    best_threshold,
    fixed_threshold,
    score_corpus,
)
from seismo.bench.report import print_table, write_json
from seismo.config import load_settings
from seismo.detect.base import metric_detector_class
from seismo.detect.replay import (
    DetectorFactory,
    Replayed,
    ReplayError,
    Series,
    find_inputs,
    replay_measured,
)

Windows = Mapping[str, Sequence[Sequence[str]]]


def progress_replay(
    input_dir: Path, workers: int, factory: DetectorFactory
) -> Iterator[tuple[Series, list[float]]]:
    """``replay`` with a progress bar counting files as they finish."""
    for replayed in progress_measured(input_dir, workers, factory):
        yield replayed.series, replayed.scores


def progress_measured(
    input_dir: Path, workers: int, factory: DetectorFactory
) -> Iterator[Replayed]:
    """``replay_measured`` with a progress bar counting files as they finish."""
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, TimeElapsedColumn(), transient=True) as progress:
        task = progress.add_task("replaying", total=len(find_inputs(input_dir)))
        for replayed in replay_measured(input_dir, factory, workers):
            progress.update(task, advance=1, description=str(replayed.series.relative))
            yield replayed


def split_folds(
    names: Sequence[str], folds: int = 2, order: Callable[[str], Any] | None = None
) -> dict[str, str]:
    """Each file's fold ("A", "B", ...): stratified by category folder, fixed by a hash.

    Within a category, files are ordered by the SHA-256 of their relative path (or by
    ``order``) and dealt to the folds in turn; the dealing carries on from one category to
    the next (in name order), so fold sizes differ by at most one overall and within each
    category. The split depends only on the names, never on the data or the labels.
    """
    labels = [chr(ord("A") + i) for i in range(folds)]
    categories: dict[str, list[str]] = {}
    for name in names:
        categories.setdefault(PurePosixPath(name).parent.as_posix(), []).append(name)
    fold_of: dict[str, str] = {}
    turn = 0
    for category in sorted(categories):
        for name in sorted(categories[category], key=order or _stable_hash):
            fold_of[name] = labels[turn % folds]
            turn += 1
    return fold_of


def _stable_hash(name: str) -> str:
    return hashlib.sha256(name.encode()).hexdigest()


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


@dataclass(frozen=True)
class Run:
    """A replayed and scored corpus: files with their labels, state sizes, seconds taken."""

    files: list[ScoredFile]
    state_bytes: list[int]
    seconds: float

    @property
    def rows(self) -> int:
        return sum(len(f.scores) for f in self.files)


@dataclass(frozen=True)
class FoldResult:
    """One fold's files and results; ``at_tuned`` is at the tuned fold's thresholds."""

    fold: str
    files: list[str]
    results: list[ProfileResult]
    at_tuned: list[ProfileResult] | None


def run(data: Path, windows: Windows, workers: int, factory: DetectorFactory) -> Run:
    """Replay and score every file with the detectors ``factory`` makes."""
    started = time.perf_counter()
    files, sizes = [], []
    for replayed in progress_measured(data, workers, factory):
        files.append(scored_file(replayed.series, replayed.scores, windows))
        sizes.append(replayed.state_bytes)
    return Run(files, sizes, time.perf_counter() - started)


def fold_results(files: Sequence[ScoredFile], folds: int) -> list[FoldResult]:
    """Scores per fold (threshold chosen on each fold, as NAB would), then over all files.

    Fold A is the one to tune on; the others are also scored at fold A's thresholds.
    """
    if folds <= 1:
        return [FoldResult("all", [f.name for f in files], score_corpus(files), None)]
    fold_of = split_folds([f.name for f in files], folds)
    results: list[FoldResult] = []
    for fold in sorted(set(fold_of.values())):
        members = [f for f in files if fold_of[f.name] == fold]
        tuned = results[0].results if results else None
        at_tuned = None
        if tuned is not None:
            at_tuned = [
                fixed_threshold(members, p, r.threshold)
                for p, r in zip(PROFILES, tuned, strict=True)
            ]
        results.append(FoldResult(fold, [f.name for f in members], score_corpus(members), at_tuned))
    return [*results, *fold_results(files, 1)]


@dataclass(frozen=True)
class Halves:
    """Standard-profile scores over random stratified halves of the files: of the half the
    threshold was tuned on, and of the other half at that threshold."""

    seed: int
    tuned: list[float]
    held_out: list[float]

    def summary(self) -> dict[str, Any]:
        def stats(scores: list[float]) -> dict[str, float]:
            mean, sd = statistics.fmean(scores), statistics.pstdev(scores)
            return {"mean": round(mean, 2), "sd": round(sd, 2), "min": round(min(scores), 2)}

        return {"count": len(self.tuned), "seed": self.seed, "tuned": stats(self.tuned),
                "held_out": stats(self.held_out)}  # fmt: skip


def random_halves(files: Sequence[ScoredFile], count: int, seed: int = 0) -> Halves:
    """``count`` random splits in two, stratified as the folds are: one fixed split says
    little (a detection landing on the other side of a window moves a fold by several
    points), the spread over many says how far the tuned threshold carries to files it
    was not tuned on."""
    rng = random.Random(seed)
    standard, names = PROFILES[0], [f.name for f in files]
    tuned, held_out = [], []
    columns = (TextColumn("random halves"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, TimeElapsedColumn(), transient=True) as progress:
        task = progress.add_task("halves", total=count)
        for _ in range(count):
            half = split_folds(names, 2, order=lambda _: rng.random())
            best = best_threshold([f for f in files if half[f.name] == "A"], standard)
            other = [f for f in files if half[f.name] == "B"]
            tuned.append(best.score)
            held_out.append(fixed_threshold(other, standard, best.threshold).score)
            progress.advance(task)
    return Halves(seed, tuned, held_out)


def handle(args: argparse.Namespace) -> int:
    """Run the benchmark, print the table, write the JSON."""
    if not args.data.is_dir() or not args.windows.is_file():
        print("seismo bench nab: --data must be a folder and --windows a file", file=sys.stderr)
        return 2
    try:
        windows = json.loads(args.windows.read_text())
        outcome = run(args.data, windows, args.workers, metric_detector_class(load_settings()))
    except (ReplayError, ValueError) as exc:
        print(f"seismo bench nab: {exc}", file=sys.stderr)
        return 2
    folds = fold_results(outcome.files, args.folds)
    _print(outcome, folds)
    diagnostics = per_file(outcome, folds) if args.per_file else None
    if diagnostics is not None:
        _print_per_file(diagnostics, folds[0].results[0].threshold)
    payload = _payload(outcome, folds, args.data)
    if args.random_halves > 0:
        halves = random_halves(outcome.files, args.random_halves).summary()
        _print_halves(halves)
        payload["random_halves"] = halves
    write_json(args.json, payload if diagnostics is None else {**payload, "files": diagnostics})
    return 0


def per_file(outcome: Run, folds: Sequence[FoldResult]) -> list[dict[str, Any]]:
    """Per file, from its scores only (never its labels): rows, highest score, detections.

    Detections are the scored rows (after the probationary period) at or above the first
    fold's standard-profile threshold, so a file that fires too often stands out.
    """
    threshold = folds[0].results[0].threshold
    fold_of = {name: fold.fold for fold in folds[:-1] or folds for name in fold.files}
    return [
        {
            "file": f.name,
            "fold": fold_of[f.name],
            "rows": len(f.scores),
            "max_score": round(max(f.scores, default=0.0), 4),
            "detections": sum(s >= threshold for s in f.scores[f.probation :]),
            "state_bytes": size,
        }
        for f, size in zip(outcome.files, outcome.state_bytes, strict=True)
    ]


def _print_per_file(rows: Sequence[Mapping[str, Any]], threshold: float) -> None:
    columns = ("file", "fold", "rows", "max score", f"scores >= {threshold:.4f}", "state KB")
    print_table(
        "Per file (scores only, no labels)",
        columns,
        [
            (
                PurePosixPath(r["file"]).stem,
                r["fold"],
                r["rows"],
                f"{r['max_score']:.4f}",
                r["detections"],
                f"{r['state_bytes'] / 1000:.1f}",
            )
            for r in rows
        ],
    )


COLUMNS = ("fold", "files", "profile", "score", "threshold", "at A's threshold")


def _print_halves(halves: Mapping[str, Any]) -> None:
    print_table(
        f"standard profile over {halves['count']} random stratified halves (seed {halves['seed']})",
        ("half", "mean", "sd", "min"),
        [(label, *(f"{halves[key][s]:.2f}" for s in ("mean", "sd", "min")))
         for label, key in (("tuned on", "tuned"), ("other, at its threshold", "held_out"))],
    )  # fmt: skip


def _print(outcome: Run, folds: list[FoldResult]) -> None:
    rows = []
    for fold in folds:
        at_a = [f"{t.score:.2f}" for t in fold.at_tuned or []] or [""] * len(fold.results)
        for r, tuned in zip(fold.results, at_a, strict=True):
            score, threshold = f"{r.score:.2f}", f"{r.threshold:.6f}"
            rows.append((fold.fold, len(fold.files), r.profile, score, threshold, tuned))
    sizes = sorted(outcome.state_bytes)
    print_table(
        f"NAB scores ({outcome.rows} rows replayed in {outcome.seconds:.1f} s; detector state"
        f" after to_dict: median {sizes[len(sizes) // 2] / 1000:.1f} KB,"
        f" largest {sizes[-1] / 1000:.1f} KB)",
        COLUMNS,
        rows,
    )


def _profiles(results: Sequence[ProfileResult]) -> dict[str, Any]:
    return {
        r.profile: {
            "score": round(r.score, 3),
            "threshold": r.threshold,
            "raw": r.raw,
            "null": r.null,
            "perfect": r.perfect,
        }
        for r in results
    }


def _payload(outcome: Run, folds: list[FoldResult], data: Path) -> dict[str, Any]:
    total, sizes = folds[-1], sorted(outcome.state_bytes)
    payload: dict[str, Any] = {
        "benchmark": "nab",
        "data": str(data),
        "rows": outcome.rows,
        "replay_seconds": round(outcome.seconds, 2),
        "state_bytes": {"median": sizes[len(sizes) // 2], "max": sizes[-1]},
        "profiles": _profiles(total.results),
    }
    if len(folds) > 1:
        payload["folds"] = {
            fold.fold: {
                "files": fold.files,
                "profiles": _profiles(fold.results),
                **(
                    {}
                    if fold.at_tuned is None
                    else {"at_fold_a_threshold": _profiles(fold.at_tuned)}
                ),
            }
            for fold in folds[:-1]
        }
    return payload


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
    parser.add_argument(
        "--folds",
        type=int,
        default=1,
        help="also score the files split into this many folds by a hash of their path "
        "(tune on fold A, report the others)",
    )
    parser.add_argument(
        "--random-halves",
        type=int,
        default=0,
        help="also tune the threshold on this many random stratified halves and score the "
        "other half at it (mean, sd, min)",
    )
    parser.add_argument(
        "--per-file",
        action="store_true",
        help="also print each file's highest score and detections at fold A's threshold (all "
        "files' without --folds) "
        "(scores only, no labels)",
    )
    parser.set_defaults(handler=handle)
