"""NAB's scoring rules, reimplemented from the benchmark's description (pure, no I/O).

A detector's per-row scores become detections at one threshold shared by every file. Inside a
labelled window only the earliest detection counts, worth more the earlier it comes; a window
with none costs a false negative; a detection outside every window costs a false positive,
less when it comes just after a window. Rows of the probationary period (the first 15 % of a
file) are not scored. Each profile's threshold is the one that maximises its total over the
corpus, and the total is normalised between a detector that never detects (0) and one that
detects every window at its first row (100).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

PROBATION_FRACTION = 0.15


@dataclass(frozen=True)
class Profile:
    """Weights of one NAB profile: reward of a true positive, costs of a FP and a FN."""

    name: str
    tp: float
    fp: float
    fn: float


PROFILES = (
    Profile("standard", 1.0, 0.11, 1.0),
    Profile("reward_low_fp", 1.0, 0.22, 1.0),
    Profile("reward_low_fn", 1.0, 0.11, 2.0),
)


@dataclass(frozen=True)
class ScoredFile:
    """One file's anomaly scores and its labelled windows as inclusive row ranges."""

    name: str
    scores: Sequence[float]
    windows: Sequence[tuple[int, int]]

    @property
    def probation(self) -> int:
        """Number of leading rows that are not scored."""
        return math.floor(PROBATION_FRACTION * len(self.scores))


@dataclass(frozen=True)
class ProfileResult:
    """A profile's best threshold, its raw total and the normalised score."""

    profile: str
    threshold: float
    raw: float
    null: float
    perfect: float

    @property
    def score(self) -> float:
        """100 * (raw - null) / (perfect - null): 0 for never detecting, 100 for perfect."""
        span = self.perfect - self.null
        return 100.0 * (self.raw - self.null) / span if span else 0.0


def sigma(y: float) -> float:
    """NAB's scaled sigmoid: ~0.987 at y = -1, 0 at y = 0, towards -1 for large y."""
    return 2.0 / (1.0 + math.exp(min(5.0 * y, 700.0))) - 1.0


def row_values(file: ScoredFile, profile: Profile) -> list[tuple[int | None, float]]:
    """For each row: (index of its window or None, what a detection there is worth).

    A row inside a window is worth ``tp * sigma(y)`` if it is that window's earliest
    detection; a row outside costs ``fp * sigma(y)`` (negative) at distance ``y`` after the
    preceding window, or the full ``fp`` when no window precedes it.
    """
    values: list[tuple[int | None, float]] = []
    for row in range(len(file.scores)):
        window, value = None, -profile.fp
        for index, (start, end) in enumerate(file.windows):
            length = end - start + 1
            if start <= row <= end:
                window, value = index, profile.tp * sigma(-(end - row + 1) / length)
                break
            if end < row:
                value = profile.fp * sigma((row - end) / length)
        values.append((window, value))
    return values


def score_at_threshold(file: ScoredFile, profile: Profile, threshold: float) -> float:
    """Raw NAB score of one file when every score >= ``threshold`` is a detection."""
    detected: dict[int, float] = {}
    total = 0.0
    values = row_values(file, profile)
    for row in range(file.probation, len(file.scores)):
        if file.scores[row] < threshold:
            continue
        window, value = values[row]
        if window is None:
            total += value
        elif window not in detected:
            detected[window] = value
    return total + sum(detected.values()) - profile.fn * (len(file.windows) - len(detected))


def null_and_perfect(files: Sequence[ScoredFile], profile: Profile) -> tuple[float, float]:
    """Totals of a detector that never detects and of one that hits every window first."""
    windows = sum(len(f.windows) for f in files)
    return -profile.fn * windows, profile.tp * sigma(-1.0) * windows


def best_threshold(files: Sequence[ScoredFile], profile: Profile) -> ProfileResult:
    """Sweep every distinct score as a threshold, highest first, and keep the best total.

    Lowering the threshold adds detections one score at a time: a row outside windows adds
    its false-positive cost, a row inside a window replaces that window's value when it is
    earlier than the window's current earliest detection. So one pass over the sorted rows
    gives the total at every threshold.
    """
    null, perfect = null_and_perfect(files, profile)
    candidates: list[tuple[float, int, int | None, float]] = []
    for number, file in enumerate(files):
        values = row_values(file, profile)
        for row in range(file.probation, len(file.scores)):
            window, value = values[row]
            key = None if window is None else number * 1_000_000 + window
            candidates.append((float(file.scores[row]), row, key, value))
    candidates.sort(key=lambda c: -c[0])
    earliest: dict[int, tuple[int, float]] = {}
    total = null
    best = ProfileResult(profile.name, math.inf, null, null, perfect)
    for position, (score, row, key, value) in enumerate(candidates):
        if key is None:
            total += value
        elif key not in earliest:
            earliest[key] = (row, value)
            total += value + profile.fn
        elif row < earliest[key][0]:
            total += value - earliest[key][1]
            earliest[key] = (row, value)
        last_of_tie = position + 1 == len(candidates) or candidates[position + 1][0] < score
        if last_of_tie and total > best.raw:
            best = ProfileResult(profile.name, score, total, null, perfect)
    return best


def fixed_threshold(
    files: Sequence[ScoredFile], profile: Profile, threshold: float
) -> ProfileResult:
    """``profile``'s result over ``files`` at a threshold chosen elsewhere (another fold)."""
    null, perfect = null_and_perfect(files, profile)
    raw = sum(score_at_threshold(file, profile, threshold) for file in files)
    return ProfileResult(profile.name, threshold, raw, null, perfect)


def score_corpus(files: Sequence[ScoredFile]) -> list[ProfileResult]:
    """The best-threshold result of every NAB profile over ``files``."""
    return [best_threshold(files, profile) for profile in PROFILES]
