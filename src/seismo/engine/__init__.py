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
    EngineUnavailable,
    check_capabilities,
    connect,
    is_cluster,
    member_urls,
    wait_until_ready,
)
from seismo.engine.functions import load_library
from seismo.engine.keys import Keys, installation_keys
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
    missing structures (each shard's, on a cluster on every node)."""
    if is_cluster(client):
        capabilities, version = prepare_cluster(client, wait_s)
    else:
        wait_until_ready(client, wait_s)
        capabilities = check_capabilities(client)
        version = load_library(client)
    for shard in keys.all_shards:
        ensure_structures(client, shard)
    return capabilities, version


def prepare_cluster(client: redis.Redis, wait_s: float) -> tuple[Capabilities, str]:
    """Check every node of a cluster (naming the one that lacks something) and load the
    Function library on every primary (replicas receive it by replication)."""
    primaries = set(member_urls(client, primaries_only=True))
    found: list[tuple[Capabilities, str]] = []
    for url in member_urls(client):
        node = connect(url)
        try:
            wait_until_ready(node, wait_s)
            capabilities = check_capabilities(node)
            if url in primaries:
                found.append((capabilities, load_library(node)))
        except EngineUnavailable as exc:
            raise EngineUnavailable(f"cluster node {url}: {exc}") from None
        finally:
            node.close()
    if not found:
        raise EngineUnavailable("the cluster lists no healthy primary")
    return found[0]


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
        keys = installation_keys(settings)
        capabilities, version = prepare(client, keys, settings.redis_wait_seconds)
        yield Engine(url, client, keys, capabilities, version, embedded)
        client.close()
    finally:
        if embedded is not None:
            embedded.stop()
