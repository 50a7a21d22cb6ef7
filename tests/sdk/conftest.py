"""A real collector on loopback, on the session's embedded Redis, for the SDK's tests.

The SDK is a separate package (``sdk/python``) that knows nothing of the server; these
tests put the two together as a user does: the client sends over HTTP to a collector
that writes to Redis, and the tests read what Redis holds.
"""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import redis
from werkzeug.serving import make_server

from seismo.bench.serving import serving
from seismo.config import Settings
from seismo.engine import prepare
from seismo.engine.connection import connect
from seismo.engine.keys import Keys
from seismo.engine.server import EmbeddedRedis, free_port
from seismo.fingerprint.entry import Fingerprint
from seismo.ingest.app import create_app
from seismo.loops.aggregator import close_windows

SDK_JS = Path(__file__).parents[2] / "sdk" / "js"


@pytest.fixture
def node_tests_ready() -> None:
    if shutil.which("node") is None or not (SDK_JS / "node_modules" / "express").exists():
        pytest.fail("sdk/js is not installed: run `make sdkjs` (npm ci in sdk/js)")


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[EmbeddedRedis]:
    """A Redis of this test's own, so stopping it disturbs no other test."""
    server = EmbeddedRedis("127.0.0.1", free_port(), tmp_path)
    server.start()
    client = connect(server.url)
    prepare(client, Keys())
    client.close()
    yield server
    server.stop()


@pytest.fixture
def collector_url(redis_server: EmbeddedRedis, redis_client: redis.Redis) -> Iterator[str]:
    """The base URL of a running collector; the database is empty and prepared."""
    with serving(create_app(Settings(redis_url=redis_server.url))) as url:
        yield url


def entries(client: redis.Redis, stream: str) -> list[dict[str, str]]:
    """The entries of ``stream``, oldest first, decoded."""
    rows: Any = client.xrange(stream)
    return [{key.decode(): value.decode() for key, value in fields.items()} for _, fields in rows]


def service_counts(client: redis.Redis, keys: Keys) -> dict[str, float]:
    """Close every window up to a minute from now; requests per service in the fingerprints."""
    close_windows(client, keys, Settings(), now_ms=int(time.time() * 1000) + 60_000)
    counts: dict[str, float] = {}
    rows: Any = client.xrange(keys.fingerprints)
    for _, fields in rows:
        for service, vector in Fingerprint.from_entry(fields).services.items():
            counts[service] = counts.get(service, 0) + vector["request_count"]
    return counts


def by_endpoint(rows: list[dict[str, str]]) -> dict[str, list[dict[str, Any]]]:
    """Request entries grouped by endpoint."""
    grouped: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        grouped.setdefault(row["endpoint"], []).append(row)
    return grouped


@contextmanager
def wsgi_serving(app: Any) -> Iterator[str]:
    """Serve a WSGI app with Werkzeug's threaded server on a free loopback port."""
    server = make_server("127.0.0.1", free_port(), app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join()
        server.server_close()
