"""A real collector served over loopback HTTP, on the session's embedded Redis."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
import redis

from seismo.bench.serving import serving
from seismo.config import Settings
from seismo.engine.server import EmbeddedRedis
from seismo.ingest.app import create_app

MAX_BODY = 64 * 1024


def collector_settings(redis_url: str, **overrides: object) -> Settings:
    values: dict[str, object] = {"max_body_bytes": MAX_BODY, **overrides}
    return Settings(redis_url=redis_url, **values)  # type: ignore[arg-type]


@pytest.fixture
def collector(redis_server: EmbeddedRedis, redis_client: redis.Redis) -> Iterator[httpx.Client]:
    """An HTTP client bound to a running collector; the database is empty and prepared."""
    app = create_app(collector_settings(redis_server.url))
    with serving(app) as url, httpx.Client(base_url=url, timeout=10) as client:
        yield client
