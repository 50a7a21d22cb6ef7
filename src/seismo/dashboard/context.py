"""What every dashboard route shares: the Redis client, names, memory and search indexer.

The HTTP routes are plain functions that Starlette runs in its thread pool, so they use a
synchronous client and share ``IncidentMemory`` with the detector; only the WebSocket,
which waits on Redis for long stretches, uses ``redis.asyncio``.

The server's optional features (RediSearch, vector sets) are checked on first use and again
after a failure, so a dashboard started while Redis was down works once Redis is back.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import redis

from seismo.alert.memory import IncidentMemory
from seismo.config import cluster_nodes
from seismo.dashboard.objectives import Objective
from seismo.dashboard.search import SearchIndexer
from seismo.engine.connection import Capabilities, check_capabilities, connect
from seismo.engine.keys import Keys


def url_host(url: str) -> str:
    """``host:port`` of a Redis URL (a cluster's: its seed nodes), never its password."""
    if (nodes := cluster_nodes(url)) is not None:
        return ",".join(f"{host}:{port}" for host, port in nodes)
    parts = urlsplit(url)
    return f"{parts.hostname or ''}:{parts.port or 6379}"


@dataclass
class Context:
    """A dashboard's view of one Seismo installation."""

    url: str
    keys: Keys
    clock: Callable[[], float] = time.time
    known: Capabilities | None = None
    """What the server offers when the caller already checked it; else checked on first use."""
    window_ms: int = 5000
    file_objectives: dict[str, Objective] = field(default_factory=dict)
    """The objectives of ``SEISMO_OBJECTIVES_FILE`` (those set in the UI are in Redis)."""
    client: redis.Redis = field(init=False)
    started: float = field(init=False)
    _indexer: SearchIndexer | None = field(default=None, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)

    def __post_init__(self) -> None:
        self.client = connect(self.url, decode_responses=True)
        self.started = self.clock()
        self.memory = IncidentMemory(self.client, self.keys, clock=self.clock)

    def capabilities(self) -> Capabilities:
        """What the server offers (checked once it answers; raises while it is down)."""
        with self._lock:
            if self.known is None:
                self.known = self._check()
            return self.known

    def _check(self) -> Capabilities:
        """``check_capabilities`` on a client of its own: it reads replies as bytes."""
        client = connect(self.url)
        try:
            return check_capabilities(client)
        finally:
            client.close()

    def indexer(self) -> SearchIndexer:
        """The search indexer, its indices created on first use."""
        with self._lock:
            indexer = self._indexer
        if indexer is None:
            search = self.capabilities().search
            indexer = SearchIndexer(self.client, self.keys, search=search, clock=self.clock)
            indexer.ensure_indices()
            with self._lock:
                self._indexer = indexer
        return indexer

    def close(self) -> None:
        self.client.close()
