"""Prometheus exposition -> Seismo events: the pure part of ``seismo agent scrape``.

Counters become rates (per second, between two scrapes), histograms quantiles of what they
counted between two scrapes, gauges their value: business metrics named after the series,
under the target's service, labels as metadata. The histogram named in ``requests`` becomes
request events instead, one per request counted (see ``seismo.ingest.histogram``), so the
target's service shows in the call graph like any instrumented one. A first scrape only
sets the baselines; a series first seen later, or a counter that went down (a restart),
counts from zero.
"""

from __future__ import annotations

import math
from collections import defaultdict
from typing import Any

from prometheus_client.parser import text_string_to_metric_families

from seismo.agent.config import Target
from seismo.ingest.histogram import bucket_values, difference, quantile

Labels = tuple[tuple[str, str], ...]
Item = dict[str, Any]


class Scraper:
    """One target's previous values, turning each scrape into batch items."""

    def __init__(self, target: Target) -> None:
        self.target = target
        self.counters: dict[tuple[str, Labels], float] = {}
        self.buckets: dict[tuple[str, Labels], list[int]] = {}
        self.last_s: float | None = None
        self.first = True

    def items(self, exposition: str, now_s: float) -> list[Item]:
        """The batch items of one scrape taken at ``now_s``."""
        elapsed = None if self.last_s is None else now_s - self.last_s
        self.first = self.last_s is None
        self.last_s = now_s
        wanted = set(self.target.series)
        requests = self.target.requests.histogram if self.target.requests else None
        found: list[Item] = []
        for family in text_string_to_metric_families(exposition):
            if family.name == requests:
                found += self._requests(family, now_s)
            elif family.name in wanted or any(s.name in wanted for s in family.samples[:1]):
                found += self._series(family, elapsed, now_s)
        return found

    def _series(self, family: Any, elapsed: float | None, now_s: float) -> list[Item]:
        if family.type == "histogram":
            return self._quantiles(family, now_s)
        found = []
        for sample in family.samples:
            value = float(sample.value)
            if family.type == "counter" and sample.name.endswith("_total"):
                value = self._rate(sample.name, _labels(sample.labels), value, elapsed)
            if math.isfinite(value):
                found.append(self._business(sample.name, value, sample.labels, now_s))
        return found

    def _rate(self, name: str, labels: Labels, value: float, elapsed: float | None) -> float:
        before = self.counters.get((name, labels), None if self.first else 0.0)
        self.counters[(name, labels)] = value
        if before is None or not elapsed:
            return math.nan
        return (value - before if value >= before else value) / elapsed

    def _quantiles(self, family: Any, now_s: float) -> list[Item]:
        found = []
        for labels, (bounds, counts) in self._bucket_deltas(family).items():
            for q in self.target.quantiles:
                value = quantile(bounds, counts, q)
                if value is not None:
                    name = f"{family.name}:p{q * 100:g}"
                    found.append(self._business(name, value, dict(labels), now_s))
        return found

    def _requests(self, family: Any, now_s: float) -> list[Item]:
        spec = self.target.requests
        assert spec is not None
        scale = 1000.0 if family.name.endswith("_seconds") else 1.0
        found = []
        for labels, (bounds, counts) in self._bucket_deltas(family).items():
            named = dict(labels)
            method = named.get(spec.method_label, "GET").upper()
            status = named.get(spec.status_label, "200")
            item = {
                "type": "application",
                "service": self.target.service,
                "endpoint": f"{method}:{named.get(spec.route_label, '*')}",
                "status_code": int(status) if status.isdigit() else 200,
                "timestamp": now_s,
            }
            for value, n in bucket_values(bounds, counts):
                found += [{**item, "response_time": round(value * scale, 3)} for _ in range(n)]
        return found

    def _bucket_deltas(self, family: Any) -> dict[Labels, tuple[list[float], list[int]]]:
        """Per label set: bucket bounds and the per-bucket counts added since last scrape."""
        cumulative: dict[Labels, list[tuple[float, int]]] = defaultdict(list)
        for sample in family.samples:
            if sample.name.endswith("_bucket"):
                rest = {k: v for k, v in sample.labels.items() if k != "le"}
                cumulative[_labels(rest)].append((float(sample.labels["le"]), int(sample.value)))
        deltas = {}
        for labels, points in cumulative.items():
            points.sort()
            totals = [count for _, count in points]
            per_bucket = [b - a for a, b in zip([0, *totals], totals, strict=False)]
            zeros = None if self.first else [0] * len(per_bucket)
            before = self.buckets.get((family.name, labels), zeros)
            self.buckets[(family.name, labels)] = per_bucket
            if before is not None:
                added = difference(per_bucket, before)
                bounds = [le for le, _ in points if math.isfinite(le)]
                deltas[labels] = (bounds, per_bucket if added is None else added)
        return deltas

    def _business(self, name: str, value: float, labels: dict[str, str], now_s: float) -> Item:
        item: Item = {"type": "business_metric", "metric_name": name, "value": value}
        item.update({"service": self.target.service, "timestamp": now_s})
        if labels:
            item["metadata"] = labels
        return item


def _labels(labels: dict[str, str]) -> Labels:
    return tuple(sorted(labels.items()))
