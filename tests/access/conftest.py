"""Access fixtures: the collector and the dashboard with SEISMO_AUTH=required on one Redis,
and a key of each scope made the way ``seismo keys create`` makes them."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import redis

from seismo.access.scopes import SCOPES, Scope
from seismo.access.store import KeyStore
from seismo.bench.serving import serving
from seismo.config import Settings
from seismo.dashboard.app import create_app as create_dashboard
from seismo.engine import prepare
from seismo.engine.connection import connect
from seismo.engine.keys import Keys
from seismo.engine.server import EmbeddedRedis
from seismo.ingest.app import create_app as create_collector


def secured(redis_url: str, **overrides: Any) -> Settings:
    """Settings with API keys required (and whatever the test overrides)."""
    return Settings(redis_url=redis_url, auth="required", **overrides)


def make_key(client: redis.Redis, scope: Scope, name: str, expires_ms: int | None = None) -> str:
    """A new key of ``scope``, as ``seismo keys create`` makes it."""
    token, _ = KeyStore(client, Keys()).create(name, scope, int(time.time() * 1000), expires_ms)
    return token


@dataclass(frozen=True)
class Stack:
    """Both apps served with keys required, and a key of each scope."""

    collector: str
    dashboard: str
    tokens: dict[str, str]
    client: redis.Redis


@pytest.fixture(scope="module")
def stack(redis_server: EmbeddedRedis, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """Module-wide (the matrix makes many requests): a flushed, prepared Redis of its own
    module, a key per scope named after it, the collector and the dashboard."""
    client = connect(redis_server.url)
    client.flushall()
    prepare(client, Keys())
    tokens = {scope: make_key(client, scope, f"{scope}-key") for scope in SCOPES}
    settings = secured(redis_server.url)
    with (
        serving(create_collector(settings)) as collector,
        serving(create_dashboard(settings, background=False)) as dashboard,
    ):
        yield Stack(collector, dashboard, tokens, client)
    client.close()
