"""``SeismoClient``: queue events for the background sender; never raise, never wait.

Every public method returns at once: it builds a small dict and appends it to a bounded
queue. Any exception inside the client is swallowed and counted in ``stats.errors``, since
a monitoring library that breaks the application it monitors does more harm than good.
"""

from __future__ import annotations

import functools
import http.client
from collections.abc import Callable, Mapping, Sequence
from typing import Any, ParamSpec, TypeVar

from seismo_client import events
from seismo_client.retry import RetryPolicy
from seismo_client.sender import Sender, SenderSettings, Stats
from seismo_client.transport import Transport

P = ParamSpec("P")
R = TypeVar("R")

DEFAULT_URL = "http://localhost:4000"


def quiet(default: Any = None) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Run the method; on any exception count it and return ``default`` instead."""

    def wrap(method: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(method)
        def guarded(*args: P.args, **kwargs: P.kwargs) -> R:
            try:
                return method(*args, **kwargs)
            except Exception:
                client = args[0]
                if isinstance(client, SeismoClient):
                    client.stats.errors += 1
                return default  # type: ignore[no-any-return]

        return guarded

    return wrap


class SeismoClient:
    """Sends requests, business metrics and logs to the collector at ``url``."""

    def __init__(
        self,
        url: str = DEFAULT_URL,
        api_key: str | None = None,
        *,
        batch_size: int = 500,
        flush_interval: float = 1.0,
        max_queue: int = 10_000,
        timeout: float = 5.0,
        retry: RetryPolicy | None = None,
        exit_timeout: float = 5.0,
    ) -> None:
        settings = SenderSettings(
            batch_size, flush_interval, max_queue, retry or RetryPolicy(), exit_timeout
        )
        self.url = url
        self._api_key = api_key
        self._timeout = timeout
        self._sender = Sender(Transport(url, api_key, timeout), settings)

    @property
    def stats(self) -> Stats:
        """Counts of sent, dropped, rejected and failed events, retries and swallowed errors."""
        return self._sender.stats

    @quiet()
    def send_metric(self, data: Mapping[str, Any] | None = None, **fields: Any) -> None:
        """One request a service handled: ``{'service', 'endpoint', 'metrics': {...}}`` or flat."""
        self._sender.put(events.metric_item(data, fields))

    @quiet()
    def send_business_metric(
        self,
        name: str,
        value: float,
        expected_range: Sequence[float] | None = None,
        metadata: Mapping[str, Any] | None = None,
        **fields: Any,
    ) -> None:
        """One observation of a business KPI, with the range it is expected in."""
        self._sender.put(events.business_item(name, value, expected_range, metadata, fields))

    @quiet()
    def send_log(self, message: str, level: str = "info", **fields: Any) -> None:
        """One log event; ``service``, ``trace_id``, ``context`` ... go in ``fields``."""
        self._sender.put(events.log_item(message, level, fields))

    @quiet()
    def record_request(
        self,
        service: str,
        endpoint: str,
        latency_ms: float,
        status: int,
        payload_size: int | None = None,
        caller: str | None = None,
    ) -> None:
        """A request served by an instrumented application (what the middleware calls)."""
        self._sender.put(
            events.request_item(service, endpoint, latency_ms, status, payload_size, caller)
        )

    @quiet(default={"status": "error"})
    def health_check(self) -> dict[str, Any]:
        """The collector's ``/health``, or ``{"status": "unreachable"}``.

        It waits for the network (on a connection of its own, the sender's being busy), so
        call it at start-up or from a probe, not on a request path.
        """
        transport = Transport(self.url, self._api_key, self._timeout)
        try:
            answer = transport.request("GET", "/health")
        except (OSError, http.client.HTTPException) as error:
            return {"status": "unreachable", "error": str(error)}
        finally:
            transport.close()
        body = answer.body if isinstance(answer.body, dict) else {}
        return {"http_status": answer.status, **body}

    @quiet(default=False)
    def flush(self, timeout: float = 5.0) -> bool:
        """Send what is queued; True when all of it left within ``timeout`` seconds."""
        return self._sender.flush(timeout)

    @quiet()
    def close(self, timeout: float = 5.0) -> None:
        """Flush for at most ``timeout`` seconds and stop sending."""
        self._sender.close(timeout)

    def flask(self, app: Any, service: str) -> None:
        """Record every request of the Flask ``app`` as ``service``, in place."""
        from seismo_client.wsgi import instrument_flask

        instrument_flask(app, self, service)

    def django(self, application: Any, service: str) -> Any:
        """The Django WSGI ``application`` recording every request as ``service``."""
        from seismo_client.wsgi import WSGIMiddleware, django_route

        return WSGIMiddleware(application, self, service, django_route)

    def asgi(self, app: Any, service: str) -> Any:
        """The ASGI ``app`` (FastAPI, Starlette) recording every request as ``service``."""
        from seismo_client.asgi import ASGIMiddleware

        return ASGIMiddleware(app, self, service)

    def __enter__(self) -> SeismoClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
