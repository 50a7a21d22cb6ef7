"""Explicit-bucket histograms, as OpenTelemetry and Prometheus export them: pure functions.

Both sources send cumulative bucket counts that must become the requests of one interval
(the difference from the previous scrape or export) and, for Seismo's request events, a
latency per request: each request is given the middle of its bucket, the best a histogram
can tell.
"""

from __future__ import annotations

from collections.abc import Sequence


def bucket_values(bounds: Sequence[float], counts: Sequence[int]) -> list[tuple[float, int]]:
    """(representative value, count) of each non-empty bucket.

    ``counts`` has one more entry than ``bounds`` (the last bucket is above every bound);
    a bucket is represented by its middle, the first by half its upper bound, the last by
    its lower bound (nothing says how far above it the values were).
    """
    values = []
    for index, count in enumerate(counts):
        if count <= 0:
            continue
        if index == len(bounds):
            value = bounds[-1] if bounds else 0.0
        else:
            lower = bounds[index - 1] if index else min(0.0, bounds[0])
            value = (lower + bounds[index]) / 2
        values.append((value, count))
    return values


def difference(now: Sequence[int], before: Sequence[int]) -> list[int] | None:
    """Per-bucket counts added since ``before``; ``None`` when a count went down (a reset)."""
    if len(now) != len(before):
        return None
    added = [a - b for a, b in zip(now, before, strict=True)]
    return None if any(n < 0 for n in added) else added


def quantile(bounds: Sequence[float], counts: Sequence[int], q: float) -> float | None:
    """The ``q`` quantile, interpolated inside its bucket (as Prometheus' histogram_quantile).

    ``counts`` are per bucket, not cumulative; ``None`` when there is nothing to rank.
    """
    total = sum(counts)
    if total <= 0 or not bounds:
        return None
    rank = q * total
    seen = 0
    for index, count in enumerate(counts):
        if count > 0 and seen + count >= rank:
            if index == len(bounds):
                return bounds[-1]
            lower = bounds[index - 1] if index else min(0.0, bounds[0])
            return lower + (bounds[index] - lower) * (rank - seen) / count
        seen += count
    return bounds[-1]
