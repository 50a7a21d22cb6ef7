"""What both web apps answer alike: one JSON error shape, and one 503 while Redis is down.

The collector and the dashboard are separate Starlette apps, but their clients (the SDKs,
the UI, scripts) read errors one way: ``{"error": message, "field": name or null}``, and a
503 carries ``Retry-After`` so a client knows when to come back. Both are built by a
``create_app(settings, engine=None)`` and find their Redis the same way (``redis_url``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import msgspec
from redis.exceptions import BusyLoadingError, ConnectionError, TimeoutError
from starlette.responses import Response

from seismo.config import ConfigError, Settings

if TYPE_CHECKING:
    from seismo.engine import Engine

REDIS_DOWN = (ConnectionError, TimeoutError, BusyLoadingError)
"""The errors that mean Redis cannot answer now (down, too slow, still loading its data)."""
RETRY_AFTER_S = "2"


class JSON(Response):
    """A JSON response encoded by msgspec (structs, dicts and lists alike)."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return msgspec.json.encode(content)


def error(status: int, message: str, field: str | None = None, **headers: str) -> JSON:
    """The one error answer: what is wrong, and the field it is about when there is one."""
    body = {"error": message} if field is None else {"error": message, "field": field}
    return JSON(body, status_code=status, headers=headers)


def redis_unavailable(exc: Exception) -> JSON:
    """503 with ``Retry-After``: the data was not stored or read; the client may retry."""
    return error(503, f"Redis is unreachable ({exc}); retry later", None, **retry_later())


def retry_later() -> dict[str, str]:
    return {"Retry-After": RETRY_AFTER_S}


def redis_url(settings: Settings, engine: Engine | None) -> str:
    """The Redis a web app uses: the running ``engine``'s, else ``SEISMO_REDIS_URL``'s.

    ``engine`` is the ``seismo.engine.Engine`` of the process that started and prepared
    Redis (tests, benchmarks); a server's worker process has none and is given the URL.
    """
    if engine is not None:
        return engine.url
    if settings.redis_url is None:
        raise ConfigError("SEISMO_REDIS_URL: a web app needs the Redis it serves")
    return settings.redis_url
