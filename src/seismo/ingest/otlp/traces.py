"""``ExportTraceServiceRequest`` -> Seismo request events: pure, given known span services.

Each server span is one request its service handled, at its end (when the answer left):
endpoint ``METHOD:route`` (the span name for non-HTTP servers), latency its duration,
status its HTTP status (500 when the span failed without one). Its caller is the service
of its parent span, looked up in the same export or among the spans recent exports named
(the collector keeps those briefly).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from seismo.ingest.normalize import FieldError, application_event
from seismo.ingest.otlp import attributes as attrs
from seismo.ingest.otlp.metrics import Mapped
from seismo.ingest.otlp.timing import Arrival

SERVER = 2
STATUS_ERROR = 2


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


def map_request(request: Any, known: dict[str, str], arrival: Arrival) -> Mapped:
    """A request event per server span; ``known`` names the services of earlier spans."""
    services = {**known, **span_services(request)}
    mapped = Mapped()
    for where, service, span in spans(request):
        if span.kind != SERVER:
            continue
        try:
            mapped.events.append(_request_event(service, span, services, arrival))
        except FieldError as exc:
            mapped.refuse(where, f"{exc.field}: {exc.message}")
    return mapped


def _request_event(service: str, span: Any, services: dict[str, str], arrival: Arrival) -> Any:
    found = attrs.as_dict(span.attributes)
    failed = span.status.code == STATUS_ERROR
    method = attrs.http_method(found)
    route = attrs.first(found, "http.route", "url.path", "http.target")
    endpoint = f"{method}:{str(route).split('?')[0]}" if method and route else span.name
    if span.end_time_unix_nano < span.start_time_unix_nano:
        raise FieldError("endTimeUnixNano", "the span ends before it starts")
    raw = {
        "service": service,
        "endpoint": endpoint,
        "response_time": (span.end_time_unix_nano - span.start_time_unix_nano) / 1e6,
        "status_code": attrs.http_status(found, failed),
        "timestamp": arrival.event_ms(span.end_time_unix_nano),
    }
    caller = services.get(span.parent_span_id.hex())
    if caller and caller != service:
        raw["caller"] = caller
    return application_event(raw, arrival.now_ms)
