"""Shared fixtures: a real embedded Redis (with RedisBloom) started once per test session.

Each test gets the same server with an empty database, the Function library loaded and the
sketches created, like a freshly started Seismo. The port is a free one, so several test
runs can share the machine.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from seismo.engine import prepare
from seismo.engine.connection import connect
from seismo.engine.keys import Keys
from seismo.engine.server import EmbeddedRedis, free_port

__all__ = ["free_port"]  # tests import it from here


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedRedis]:
    server = EmbeddedRedis("127.0.0.1", free_port(), Path(tmp_path_factory.mktemp("redis")))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def keys() -> Keys:
    return Keys()


@pytest.fixture
def redis_client(redis_server: EmbeddedRedis, keys: Keys) -> Iterator[redis.Redis]:
    client = connect(redis_server.url)
    client.flushall()
    prepare(client, keys)
    yield client
    client.close()
