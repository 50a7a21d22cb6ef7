"""The HTTP channels' shared try: POST a JSON body, read the answer as a ``Try``.

Each HTTP channel builds its request (``_request``: URL, body, headers) from the alert; this
class posts it on its own ``httpx.AsyncClient`` and classifies the answer: 2xx delivered,
408/429/5xx and network errors retried (``Retry-After`` in seconds or as an HTTP date), any
other 4xx final (the receiver rejects this message, sending it again will not help).
"""

from __future__ import annotations

import email.utils
import json
import time
from abc import abstractmethod
from dataclasses import dataclass, field
from typing import Any

import httpx

from seismo.alert.channels.base import CONCURRENCY, Channel, ChannelEnv, Try
from seismo.alert.model import AlertRecord

RETRYABLE_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})


@dataclass(frozen=True)
class HttpRequest:
    """One POST: where, what, with which headers (the content type is JSON)."""

    url: str
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


def json_body(document: Any) -> bytes:
    """``document`` as compact JSON bytes (what a signature is computed over)."""
    return json.dumps(document, separators=(",", ":")).encode()


def retry_after_s(value: str | None, now: float | None = None) -> float | None:
    """A ``Retry-After`` header in seconds: delta seconds or an HTTP date; None if absent."""
    if not value:
        return None
    if value.strip().isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError):
        return None
    return max(0.0, when - (time.time() if now is None else now))


def classify(response: httpx.Response) -> Try:
    """A receiver's answer as a ``Try``."""
    status = response.status_code
    if 200 <= status < 300:
        return Try(ok=True, status=status, detail=response.text[:200])
    return Try(
        ok=False,
        status=status,
        error=f"HTTP {status}: {response.text[:200]}",
        retryable=status in RETRYABLE_STATUSES,
        retry_after_s=retry_after_s(response.headers.get("retry-after")),
    )


class HttpChannel(Channel):
    """A channel that POSTs one JSON document per notice."""

    def __init__(self, env: ChannelEnv) -> None:
        super().__init__(env)
        limits = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY)
        self.http = httpx.AsyncClient(timeout=env.policy.timeout_s, limits=limits)

    async def _attempt(self, alert: AlertRecord) -> Try:
        request = self._request(alert)
        headers = {"content-type": "application/json", **request.headers}
        try:
            response = await self.http.post(request.url, content=request.body, headers=headers)
        except httpx.TimeoutException:
            return Try(ok=False, error=f"no answer within {self.policy.timeout_s:g} s")
        except httpx.HTTPError as exc:
            return Try(ok=False, error=f"{type(exc).__name__}: {exc}")
        return classify(response)

    @abstractmethod
    def _request(self, alert: AlertRecord) -> HttpRequest:
        """The POST that says ``alert`` to this receiver."""

    async def close(self) -> None:
        await self.http.aclose()
