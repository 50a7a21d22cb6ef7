"""Offline replay: run the production per-metric detector over NAB-style CSV time series.

Each input file (``timestamp,value`` rows) is read row by row through a fresh detector, the
same object production uses, scoring each row before learning it, so nothing looks ahead.
The result file keeps every input row in order and adds its ``anomaly_score``.
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from seismo.detect.base import Detector
from seismo.detect.metric import default_metric_detector

DetectorFactory = Callable[[], Detector]
DETECTOR_NAME = "seismo"


class ReplayError(ValueError):
    """An input file is not a ``timestamp,value`` CSV."""


@dataclass(frozen=True)
class Series:
    """One input time series: its path relative to the input folder, rows in file order.

    ``texts`` are the values as written, so the result file repeats them unchanged.
    """

    relative: Path
    timestamps: list[str]
    texts: list[str]

    @property
    def values(self) -> list[float]:
        """The values as numbers; an unreadable one is NaN (scored 0, not learned)."""
        return [_number(text) for text in self.texts]


def read_series(path: Path, relative: Path) -> Series:
    """Read a ``timestamp,value`` CSV, keeping every row in order."""
    with path.open(newline="") as handle:
        rows = csv.reader(handle)
        header = next(rows, None)
        if header is None or [h.strip() for h in header[:2]] != ["timestamp", "value"]:
            raise ReplayError(f"{path}: the header must start with 'timestamp,value'")
        timestamps, texts = [], []
        for row in rows:
            if row:
                timestamps.append(row[0])
                texts.append(row[1] if len(row) > 1 else "")
    return Series(relative, timestamps, texts)


def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return math.nan


def score_series(values: Sequence[float], factory: DetectorFactory) -> list[float]:
    """Score every value before learning it, with one fresh detector (state reset per file)."""
    return run_detector(values, factory)[0]


def run_detector(values: Sequence[float], factory: DetectorFactory) -> tuple[list[float], Detector]:
    """``score_series``, also returning the detector as it ends (to measure its state)."""
    detector = factory()
    scores = []
    for value in values:
        point = {"value": value}
        scores.append(detector.score_one(point))
        detector.learn_one(point)
    return scores, detector


def find_inputs(input_dir: Path) -> list[Path]:
    """Every CSV file under ``input_dir``, relative to it, in a stable order."""
    return sorted(p.relative_to(input_dir) for p in input_dir.rglob("*.csv") if p.is_file())


def output_path(output_dir: Path, relative: Path) -> Path:
    """``OUTPUT/seismo/<category>/seismo_<name>.csv``, NAB's results layout."""
    category = relative.parent
    return output_dir / DETECTOR_NAME / category / f"{DETECTOR_NAME}_{relative.name}"


def write_scores(path: Path, series: Series, scores: Sequence[float]) -> None:
    """Write ``timestamp,value,anomaly_score``, one row per input row, in input order."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["timestamp", "value", "anomaly_score"])
        for timestamp, text, score in zip(series.timestamps, series.texts, scores, strict=True):
            writer.writerow([timestamp, text, f"{score:.9f}"])


@dataclass(frozen=True)
class Replayed:
    """One replayed series: its scores and the size of its detector's final state as JSON."""

    series: Series
    scores: list[float]
    state_bytes: int


def _replay_one(task: tuple[Path, Path, DetectorFactory]) -> Replayed:
    input_dir, relative, factory = task
    series = read_series(input_dir / relative, relative)
    scores, detector = run_detector(series.values, factory)
    return Replayed(series, scores, len(json.dumps(detector.to_dict())))


def replay_measured(
    input_dir: Path,
    factory: DetectorFactory = default_metric_detector,
    workers: int = 1,
) -> Iterator[Replayed]:
    """Score every CSV under ``input_dir``, yielding each series with its scores as done.

    Files are independent (state is reset per file), so ``workers`` processes share them;
    ``factory`` must then be a module-level function so it can be sent to them.
    """
    tasks = [(input_dir, relative, factory) for relative in find_inputs(input_dir)]
    if workers <= 1:
        yield from map(_replay_one, tasks)
        return
    with ProcessPoolExecutor(max_workers=workers) as pool:
        yield from pool.map(_replay_one, tasks)


def replay(
    input_dir: Path,
    factory: DetectorFactory = default_metric_detector,
    workers: int = 1,
) -> Iterator[tuple[Series, list[float]]]:
    """``replay_measured`` without the state sizes: each series with its scores."""
    for replayed in replay_measured(input_dir, factory, workers):
        yield replayed.series, replayed.scores
