"""``ExportTraceServiceRequest`` -> Seismo request events: pure, given known span services.

Each server span is one request its service handled, at its end (when the answer left):
endpoint ``METHOD:route`` (the span name for non-HTTP servers), latency its duration,
status its HTTP status (500 when the span failed without one). Its caller is the service
of its parent span, looked up in the same export or among the spans recent exports named
(the collector keeps those briefly); a span whose parent is not known yet waits for it
(``seismo.ingest.otlp.waiting``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from seismo.ingest.normalize import Event, FieldError, application_event
from seismo.ingest.otlp import attributes as attrs
from seismo.ingest.otlp.metrics import Mapped
from seismo.ingest.otlp.timing import Arrival

SERVER = 2
STATUS_ERROR = 2
Raw = dict[str, Any]


def spans(request: Any) -> Iterator[tuple[str, str, Any]]:
    """(where, service, span) for every span, ``where`` naming it in the request."""
    for r, resource_spans in enumerate(request.resource_spans):
        service = attrs.service_of(resource_spans.resource)
        for s, scope in enumerate(resource_spans.scope_spans):
            for i, span in enumerate(scope.spans):
                yield f"resourceSpans[{r}].scopeSpans[{s}].spans[{i}]", service, span


def span_services(request: Any) -> dict[str, str]:
    """Hex span id -> service of every span of the request."""
    return {span.span_id.hex(): service for _, service, span in spans(request)}


def remote_parents(request: Any) -> list[str]:
    """Parent ids of server spans whose parent is not in the request itself."""
    own = span_services(request)
    parents = {span.parent_span_id.hex() for _, _, span in spans(request) if span.kind == SERVER}
    return sorted(p for p in parents if p and p not in own)


@dataclass
class TraceMapped(Mapped):
    """Also the server spans waiting for their parent: parent id -> span id -> request."""

    waiting: dict[str, dict[str, Raw]] = field(default_factory=dict)


def map_request(request: Any, known: dict[str, str], arrival: Arrival) -> TraceMapped:
    """A request event per server span whose parent's service is known (``known``: the
    services of earlier spans) or that has no parent; the others wait for their parent."""
    services = {**known, **span_services(request)}
    mapped = TraceMapped()
    for where, service, span in spans(request):
        if span.kind != SERVER:
            continue
        parent = span.parent_span_id.hex()
        try:
            raw = _request(service, span)
            event = request_event(raw, services.get(parent), arrival)
        except FieldError as exc:
            mapped.refuse(where, f"{exc.field}: {exc.message}")
            continue
        if parent and parent not in services:
            mapped.waiting.setdefault(parent, {})[span.span_id.hex()] = raw
        else:
            mapped.events.append(event)
    return mapped


def request_event(raw: Raw, caller: str | None, arrival: Arrival) -> Event:
    """The event of a server span's request, called by ``caller`` (none for itself)."""
    fields = {**raw, "timestamp": arrival.at(raw["timestamp"])}
    if caller and caller != raw["service"]:
        fields["caller"] = caller
    return application_event(fields, arrival.now_ms)


def _request(service: str, span: Any) -> Raw:
    """The request of a server span, in the ``/api/metrics`` shape (time: its end, ms)."""
    found = attrs.as_dict(span.attributes)
    failed = span.status.code == STATUS_ERROR
    method = attrs.http_method(found)
    route = attrs.first(found, "http.route", "url.path", "http.target")
    endpoint = f"{method}:{str(route).split('?')[0]}" if method and route else span.name
    if span.end_time_unix_nano < span.start_time_unix_nano:
        raise FieldError("endTimeUnixNano", "the span ends before it starts")
    return {
        "service": service,
        "endpoint": endpoint,
        "response_time": (span.end_time_unix_nano - span.start_time_unix_nano) / 1e6,
        "status_code": attrs.http_status(found, failed),
        "timestamp": span.end_time_unix_nano // 1_000_000,
    }
