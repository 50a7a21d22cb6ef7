"""One keep-alive HTTP connection to the collector, from the standard library only.

The SDK must install into any application without pulling in an HTTP library that could
clash with the application's own, so it speaks HTTP/1.1 through ``http.client``. Only the
sender thread uses a ``Transport``, so it needs no lock.
"""

from __future__ import annotations

import http.client
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import SplitResult, urlsplit


@dataclass(frozen=True)
class Answer:
    """What the collector said: status, ``Retry-After`` and the decoded JSON body (if any)."""

    status: int
    retry_after: str | None
    body: Any


def port_of(parts: SplitResult) -> int | None:
    """The URL's port; None when absent or not a port, so a mistyped URL fails at sending
    (counted in the stats) rather than raising where the application builds its client."""
    try:
        return parts.port
    except ValueError:
        return None


class Transport:
    """POST and GET JSON to ``url``; a broken connection is reopened on the next call."""

    def __init__(self, url: str, api_key: str | None, timeout_s: float) -> None:
        parts = urlsplit(url if "://" in url else f"http://{url}")
        self._secure = parts.scheme == "https"
        self._host = parts.hostname or "127.0.0.1"
        self._port = port_of(parts) or (443 if self._secure else 80)
        self._base = parts.path.rstrip("/")
        self._timeout = timeout_s
        self._headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if api_key:
            self._headers["Authorization"] = f"Bearer {api_key}"
        self._connection: http.client.HTTPConnection | None = None

    def _connect(self) -> http.client.HTTPConnection:
        if self._connection is None:
            kind = http.client.HTTPSConnection if self._secure else http.client.HTTPConnection
            self._connection = kind(self._host, self._port, timeout=self._timeout)
        return self._connection

    def request(self, method: str, path: str, payload: Any = None) -> Answer:
        """Send one request; raises ``OSError`` or ``http.client.HTTPException`` on failure."""
        body = None if payload is None else json.dumps(payload, default=str).encode()
        connection = self._connect()
        try:
            connection.request(method, self._base + path, body, self._headers)
            response = connection.getresponse()
            raw = response.read()
        except (OSError, http.client.HTTPException):
            self.close()
            raise
        try:
            decoded = json.loads(raw) if raw else None
        except ValueError:
            decoded = None
        return Answer(response.status, response.getheader("Retry-After"), decoded)

    def forget(self) -> None:
        """Drop the connection without closing it: after a fork, the parent still uses it."""
        self._connection = None

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None
