"""Dashboard fixtures: the app on the shared test Redis, and writers of stream entries.

Entries are written in the formats of the common contract (fingerprint stream entries,
alerts appended to ``anomalies`` and published on ``alerts``, log events as the ingest
Function writes them), so the dashboard is tested against what the other roles produce.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import redis
from starlette.applications import Starlette

from seismo.bench.serving import serving
from seismo.config import Settings
from seismo.dashboard.app import create_app
from seismo.engine.keys import Keys
from seismo.engine.server import EmbeddedRedis
from seismo.fingerprint.entry import Fingerprint
from tests import builders
from tests.conftest import free_port

NAMES = ["request_count", "request_rate", "error_rate_5xx", "latency_p95"]


def add_fingerprint(
    client: redis.Redis, keys: Keys, window_end: int, values: list[float], **extra: Any
) -> str:
    """XADD one fingerprint entry for the window ending at ``window_end``."""
    window = Fingerprint(
        window_end - 5000,
        window_end,
        dict(zip(NAMES, values, strict=True)),
        extra.get("services", {}),
        extra.get("metrics", {}),
    )
    return builders.add_fingerprint(client, keys, window)


SEARCH_SLOW = {
    "target": "search",
    "summary": "p95 latency of search rose: upstream timeouts",
    "explanation": [{"feature": "latency_p95", "normal": 80, "current": 900, "deviation": 30.0}],
    "remediation": ["check the index of search"],
}
"""Overrides for an alert that shares no word of its text with the default checkout one."""


def add_log(
    client: redis.Redis,
    keys: Keys,
    message: str,
    *,
    level: str = "error",
    service: str = "api",
    timestamp: int | None = None,
) -> str:
    """XADD one log event with the fields the ingest Function writes (``timestamp``: now)."""
    fields = {
        "timestamp": str(int(time.time() * 1000) if timestamp is None else timestamp),
        "level": level,
        "message": message,
        "service": service,
        "trace_id": "t-1",
    }
    return str(client.xadd(keys.log_stream, fields))


class ServerThread:
    """The app served (``seismo.bench.serving``) on a free 127.0.0.1 port, in a thread."""

    def __init__(self, app: Starlette) -> None:
        self.port = free_port()
        self.serving = serving(app, self.port)

    def __enter__(self) -> ServerThread:
        self.serving.__enter__()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.serving.__exit__(None, None, None)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def dashboard_settings(url: str, keys: Keys) -> Settings:
    return Settings(redis_url=url, namespace=keys.namespace)


@pytest.fixture
def server(redis_server: EmbeddedRedis, redis_client: redis.Redis, keys: Keys) -> Iterator[str]:
    """The dashboard on a free port, with its background indexer."""
    with ServerThread(create_app(dashboard_settings(redis_server.url, keys))) as running:
        yield running.url


@pytest.fixture
def api(
    redis_server: EmbeddedRedis, redis_client: redis.Redis, keys: Keys
) -> Iterator[httpx.Client]:
    """An HTTP client of a dashboard without the background indexer (requests catch up)."""
    with (
        ServerThread(
            create_app(dashboard_settings(redis_server.url, keys), background=False)
        ) as running,
        httpx.Client(base_url=running.url, timeout=10) as client,
    ):
        yield client
