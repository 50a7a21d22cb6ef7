"""``GET /forward/<service>/<path>``: the demo proxy that forwards a call and records it.

service-a of the demo reaches service-b through here, so every call between them becomes an
application metric (with its caller, for the service graph) without an SDK in either. A
target that is down answers 502 and is still recorded, as the error it is.
"""

from __future__ import annotations

import time

import httpx
from starlette.requests import Request
from starlette.responses import Response

from seismo.ingest.normalize import Event

CALLER_HEADER = "x-seismo-caller"
UPSTREAM_TIMEOUT_S = 10.0


def call_event(service: str, path: str, request: Request, status: int, elapsed_ms: float) -> Event:
    """The application event recording one forwarded call."""
    event: Event = {
        "type": "app",
        "timestamp": int(time.time() * 1000),
        "service": service,
        "endpoint": f"GET:/{path}",
        "response_time": round(elapsed_ms, 3),
        "status_code": status,
    }
    caller = request.headers.get(CALLER_HEADER) or request.query_params.get("caller")
    if caller:
        event["caller"] = caller[:256]
    return event


async def forward_call(
    http: httpx.AsyncClient, base_url: str, path: str, request: Request
) -> tuple[Response, int, float]:
    """Forward the GET; return the response to send, its status and the time it took."""
    params = {k: v for k, v in request.query_params.items() if k != "caller"}
    started = time.perf_counter()
    try:
        upstream = await http.get(f"{base_url.rstrip('/')}/{path}", params=params)
    except httpx.HTTPError as exc:
        elapsed = (time.perf_counter() - started) * 1000
        body = f'{{"error": "upstream unreachable: {type(exc).__name__}"}}'
        return Response(body, status_code=502, media_type="application/json"), 502, elapsed
    elapsed = (time.perf_counter() - started) * 1000
    media = upstream.headers.get("content-type", "application/octet-stream")
    response = Response(upstream.content, status_code=upstream.status_code, media_type=media)
    return response, upstream.status_code, elapsed
