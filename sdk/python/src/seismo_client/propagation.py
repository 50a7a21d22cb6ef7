"""Who called: the service name travels in a request header so the callee can record it.

Seismo's service-call graph needs the caller of every request. An instrumented service
adds ``X-Seismo-Caller: <its name>`` to its outgoing calls (``caller_headers``); the
middleware of the service called reads it back. Services already propagating W3C trace
context can instead carry ``seismo=<name>`` in ``tracestate``, which is read too.
While the middleware handles a request, ``caller_headers()`` knows the current service.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextvars import ContextVar

CALLER_HEADER = "X-Seismo-Caller"
TRACESTATE_KEY = "seismo"

current_service: ContextVar[str | None] = ContextVar("seismo_current_service", default=None)


def caller_headers(
    service: str | None = None, headers: Mapping[str, str] | None = None
) -> dict[str, str]:
    """``headers`` plus the caller header naming ``service`` (default: the one being served)."""
    merged = dict(headers or {})
    name = service or current_service.get()
    if name:
        merged[CALLER_HEADER] = name
    return merged


def caller_from(caller: str | None, tracestate: str | None) -> str | None:
    """The caller named by the caller header, else by the ``seismo`` member of tracestate."""
    if caller:
        return caller.strip()[:256] or None
    for member in (tracestate or "").split(","):
        key, _, value = member.strip().partition("=")
        if key == TRACESTATE_KEY and value:
            return value[:256]
    return None
