"""``ExportMetricsServiceRequest`` -> Seismo events: pure, given the stored baselines.

``http.server.request.duration`` (and the older ``http.server.duration``) histograms become
one request event per request of the interval, under the resource's ``service.name``, with
the endpoint ``METHOD:route`` and the latency of its bucket. Other histograms, sums and
gauges become business (custom) metrics: a histogram its mean, a monotonic sum what it
added, anything else its value. Exponential histograms and summaries are refused by name.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from seismo.ingest.histogram import bucket_values
from seismo.ingest.normalize import Event, FieldError, application_event, business_event
from seismo.ingest.otlp import attributes as attrs
from seismo.ingest.otlp.baseline import Baseline, added, series_key
from seismo.ingest.otlp.timing import Arrival

DURATION_METRICS = {"http.server.request.duration", "http.server.duration"}
TO_MS = {"s": 1000.0, "ms": 1.0, "us": 0.001}
CUMULATIVE = 2
MAX_EVENTS = 50_000
"""Request events one export may turn into; points beyond are refused (and reported)."""


@dataclass
class Mapped:
    """The events of one export, the baselines to save once they are stored, the refusals."""

    events: list[Event] = field(default_factory=list)
    baselines: dict[str, Baseline] = field(default_factory=dict)
    rejected: int = 0
    errors: list[str] = field(default_factory=list)

    def refuse(self, where: str, reason: str) -> None:
        self.rejected += 1
        if len(self.errors) < 5:
            self.errors.append(f"{where}: {reason}")


@dataclass(frozen=True)
class Point:
    """One data point with what it needs to be mapped."""

    where: str
    service: str
    metric: Any
    point: Any
    attributes: dict[str, Any]

    @property
    def key(self) -> str:
        return series_key(self.service, self.metric.name, self.attributes)


def points(request: Any) -> Iterator[Point]:
    """Every data point of the request, named ``resourceMetrics[i]...dataPoints[k]``."""
    for r, resource_metrics in enumerate(request.resource_metrics):
        service = attrs.service_of(resource_metrics.resource)
        for s, scope in enumerate(resource_metrics.scope_metrics):
            for m, metric in enumerate(scope.metrics):
                kind = metric.WhichOneof("data")
                where = f"resourceMetrics[{r}].scopeMetrics[{s}].metrics[{m}]({metric.name})"
                for p, point in enumerate(getattr(metric, kind).data_points if kind else []):
                    yield Point(f"{where}.dataPoints[{p}]", service, metric, point,
                                attrs.as_dict(point.attributes))  # fmt: skip


def cumulative_keys(request: Any) -> list[str]:
    """The series whose baselines the mapping needs."""
    return [p.key for p in points(request) if _is_cumulative(p.metric)]


def _is_cumulative(metric: Any) -> bool:
    kind = metric.WhichOneof("data")
    return kind in ("histogram", "sum") and getattr(metric, kind).aggregation_temporality == (
        CUMULATIVE
    )


def map_request(request: Any, baselines: dict[str, Baseline], arrival: Arrival) -> Mapped:
    """The events of every point; refused points are counted and named, the rest map.

    A later point of a series in the same export counts from the earlier one.
    """
    mapped = Mapped()
    for point in points(request):
        before = mapped.baselines.get(point.key) or baselines.get(point.key)
        try:
            _map_point(point, before, mapped, arrival)
        except FieldError as exc:
            mapped.refuse(point.where, f"{exc.field}: {exc.message}")
    return mapped


def _map_point(p: Point, before: Baseline | None, mapped: Mapped, arrival: Arrival) -> None:
    kind = p.metric.WhichOneof("data")
    if kind not in ("histogram", "sum", "gauge"):
        raise FieldError(kind or "data", f"{kind} points are not mapped to Seismo events")
    now = _as_baseline(p.point, kind)
    delta = now
    if _is_cumulative(p.metric) and (kind == "histogram" or p.metric.sum.is_monotonic):
        new = added(now, before)
        if new is None:
            return
        delta = new
        mapped.baselines[p.key] = now
    if kind == "histogram" and p.metric.name in DURATION_METRICS:
        _request_events(p, delta, mapped, arrival)
    else:
        _business_event(p, kind, delta, mapped, arrival)


def _as_baseline(point: Any, kind: str) -> Baseline:
    if kind == "histogram":
        total = point.sum
        counts = list(point.bucket_counts) or [point.count]
    else:
        total = float(getattr(point, point.WhichOneof("value") or "as_double"))
        counts = []
    return Baseline(point.start_time_unix_nano, point.time_unix_nano, counts, total)


def _request_events(p: Point, delta: Baseline, mapped: Mapped, arrival: Arrival) -> None:
    scale = TO_MS.get(p.metric.unit)
    if scale is None:
        raise FieldError("unit", f"duration unit {p.metric.unit!r} is not one of s, ms, us")
    count = sum(delta.counts)
    if not count:
        return
    if len(mapped.events) + count > MAX_EVENTS:
        raise FieldError("count", f"more than {MAX_EVENTS} requests in one export")
    method = attrs.http_method(p.attributes) or "GET"
    route = p.attributes.get("http.route") or "*"
    status = attrs.http_status(p.attributes, "error.type" in p.attributes)
    at = arrival.event_ms(p.point.time_unix_nano)
    raw = {"service": p.service, "endpoint": f"{method}:{route}", "response_time": 0.0,
           "status_code": status, "timestamp": at}  # fmt: skip
    template = application_event(raw, arrival.now_ms)
    bounds = list(p.point.explicit_bounds)
    values = bucket_values(bounds, delta.counts) if bounds else [(delta.total / count, count)]
    for value, n in values:
        latency = round(value * scale, 3)
        mapped.events.extend({**template, "response_time": latency} for _ in range(n))


def _business_event(p: Point, kind: str, delta: Baseline, mapped: Mapped, arrival: Arrival) -> None:
    if kind == "histogram":
        count = sum(delta.counts)
        if not count:
            return
        value = delta.total / count
    else:
        value = delta.total
    raw = {
        "metric_name": p.metric.name,
        "value": value,
        "service": p.service,
        "timestamp": arrival.event_ms(p.point.time_unix_nano),
        "metadata": p.attributes or None,
    }
    event = business_event({k: v for k, v in raw.items() if v is not None}, arrival.now_ms)
    mapped.events.append(event)
