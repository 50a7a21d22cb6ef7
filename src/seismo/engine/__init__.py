"""Redis as Seismo's engine: the embedded server, connections, names and Lua Functions.

``running_engine(settings)`` is the one entry point the roles use: it starts the embedded
server when no ``SEISMO_REDIS_URL`` is given, checks the server, loads the Function library
and creates the sketches, then yields an ``Engine`` describing it.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import redis

from seismo.config import Settings
from seismo.engine.connection import (
    WAIT_TIMEOUT_S,
    Capabilities,
    check_capabilities,
    connect,
    wait_until_ready,
)
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


def prepare(
    client: redis.Redis, keys: Keys, wait_s: float = WAIT_TIMEOUT_S
) -> tuple[Capabilities, str]:
    """Wait while the server loads its data, check it, load the Function library and create
    missing structures."""
    wait_until_ready(client, wait_s)
    capabilities = check_capabilities(client)
    version = load_library(client)
    ensure_structures(client, keys)
    return capabilities, version


def embedded_server(settings: Settings) -> EmbeddedRedis:
    """The embedded Redis ``settings`` describe (not started)."""
    return EmbeddedRedis(
        settings.redis_host,
        settings.redis_port,
        settings.data_dir,
        load_timeout_s=settings.redis_wait_seconds,
    )


def joined(server: EmbeddedRedis) -> bool:
    """True, saying so, when another command's embedded Redis already serves this data."""
    if not server.already_running():
        return False
    print(
        f"seismo: using the embedded Redis already serving {server.data_dir} on port {server.port}",
        file=sys.stderr,
        flush=True,
    )
    return True


@contextmanager
def running_engine(settings: Settings) -> Iterator[Engine]:
    """The engine for ``settings``, embedded or external, ready to use; stopped on exit."""
    embedded = None
    url = settings.redis_url
    if url is None:
        server = embedded_server(settings)
        url = server.url
        embedded = None if joined(server) else server
        if embedded is not None:
            embedded.start()
    try:
        client = connect(url)
        keys = Keys(settings.namespace)
        capabilities, version = prepare(client, keys, settings.redis_wait_seconds)
        yield Engine(url, client, keys, capabilities, version, embedded)
        client.close()
    finally:
        if embedded is not None:
            embedded.stop()
