"""Cumulative OTLP series: what was already counted, so each export adds only what is new.

A cumulative point carries everything since its ``start``; Seismo stores the previous point
of each series (its *baseline*) and counts the difference. A point no newer than the
baseline is a retried or reordered export and adds nothing; a point whose start moved or
whose counts went down comes from a restarted process and counts from zero.
"""

from __future__ import annotations

import msgspec

from seismo.ingest.histogram import difference

FIRST_POINT_SPAN_NS = 120 * 10**9
"""A series never seen before is counted whole only when it started this recently."""


class Baseline(msgspec.Struct, frozen=True):
    """The last counted point of one cumulative series."""

    start: int
    time: int
    counts: list[int]
    total: float


def series_key(service: str, metric: str, attributes: dict[str, object]) -> str:
    """One series: the service, the metric and its attributes, order-independent."""
    labels = msgspec.json.encode(dict(sorted(attributes.items()))).decode()
    return f"{service}\x1f{metric}\x1f{labels}"


def added(point: Baseline, before: Baseline | None) -> Baseline | None:
    """What ``point`` adds to ``before`` (counts and total); ``None`` when nothing.

    Whenever something is returned, ``point`` is the series' next baseline.
    """
    if before is not None and point.time <= before.time:
        return None
    if before is None:
        if point.time - point.start > FIRST_POINT_SPAN_NS:
            return Baseline(point.start, point.time, [0] * len(point.counts), 0.0)
        return point
    counts = difference(point.counts, before.counts)
    if point.start != before.start or counts is None or point.total < before.total:
        return point
    return Baseline(point.start, point.time, counts, point.total - before.total)


def decode(raw: bytes | str | None) -> Baseline | None:
    return None if raw is None else msgspec.json.decode(raw, type=Baseline)


def encode(baseline: Baseline) -> bytes:
    return msgspec.json.encode(baseline)
