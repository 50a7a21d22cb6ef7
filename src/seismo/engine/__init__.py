"""Redis as Seismo's engine: the embedded server, connections, names and Lua Functions.

``running_engine(settings)`` is the one entry point the roles use: it starts the embedded
server when no ``SEISMO_REDIS_URL`` is given, checks the server, loads the Function library
and creates the sketches, then yields an ``Engine`` describing it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import redis

from seismo.config import Settings
from seismo.engine.connection import Capabilities, check_capabilities, connect
from seismo.engine.functions import load_library
from seismo.engine.keys import Keys
from seismo.engine.server import EmbeddedRedis
from seismo.engine.structures import ensure_structures


@dataclass
class Engine:
    """A ready Redis: client, names, what the server offers, the embedded process if any."""

    url: str
    client: redis.Redis
    keys: Keys
    capabilities: Capabilities
    library_version: str
    embedded: EmbeddedRedis | None = None


def prepare(client: redis.Redis, keys: Keys) -> tuple[Capabilities, str]:
    """Check the server, load the Function library and create missing structures."""
    capabilities = check_capabilities(client)
    version = load_library(client)
    ensure_structures(client, keys)
    return capabilities, version


@contextmanager
def running_engine(settings: Settings) -> Iterator[Engine]:
    """The engine for ``settings``, embedded or external, ready to use; stopped on exit."""
    embedded = None
    url = settings.redis_url
    if url is None:
        embedded = EmbeddedRedis(settings.redis_host, settings.redis_port, settings.data_dir)
        embedded.start()
        url = embedded.url
    try:
        client = connect(url)
        keys = Keys(settings.namespace)
        capabilities, version = prepare(client, keys)
        yield Engine(url, client, keys, capabilities, version, embedded)
        client.close()
    finally:
        if embedded is not None:
            embedded.stop()
