"""Agent fixtures: a real collector on loopback (on the session's Redis) for agents to feed,
and the dashboard whose call graph must show what they sent."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
import redis

from seismo.bench.serving import serving
from seismo.config import Settings
from seismo.dashboard.app import create_app as create_dashboard
from seismo.engine.keys import Keys
from seismo.engine.server import EmbeddedRedis
from seismo.ingest.app import create_app
from tests.dashboard.conftest import ServerThread, dashboard_settings


@pytest.fixture
def collector_url(redis_server: EmbeddedRedis, redis_client: redis.Redis) -> Iterator[str]:
    """The URL of a running collector; the database is empty and prepared."""
    with serving(create_app(Settings(redis_url=redis_server.url))) as url:
        yield url


@pytest.fixture
def dashboard(redis_server: EmbeddedRedis, keys: Keys) -> Iterator[httpx.Client]:
    app = create_dashboard(dashboard_settings(redis_server.url, keys), background=False)
    with ServerThread(app) as running, httpx.Client(base_url=running.url, timeout=10) as client:
        yield client


def stored_requests(client: redis.Redis, keys: Keys) -> list[dict[str, str]]:
    """Every request event in the ``detailed-metrics`` stream, as text."""
    entries = client.xrange(keys.detailed_metrics)
    return [{k.decode(): v.decode() for k, v in fields.items()} for _, fields in entries]
