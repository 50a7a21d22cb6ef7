"""Alerts published after the transaction on a Redis Cluster.

On one Redis the detector's ``MULTI`` holds an alert's ``PUBLISH`` with its marker and its
``anomalies`` entry (``seismo.alert.publish``). A cluster's transaction must stay in one
slot and redis-py's cluster pipeline refuses ``PUBLISH`` (a channel has no slot), so there
the messages are kept aside and sent once ``EXEC`` has succeeded: the alert is durable in
``anomalies`` either way, and a retried transaction (``WATCH`` failed) starts a fresh list.
"""

from __future__ import annotations

from typing import Any

import redis

from seismo.engine.connection import is_cluster


class DeferredPublish:
    """A transaction pipeline whose ``publish`` calls wait for ``send`` after ``EXEC``."""

    def __init__(self, pipe: Any) -> None:
        self._pipe = pipe
        self.messages: list[tuple[Any, Any]] = []

    def publish(self, channel: Any, message: Any) -> None:
        self.messages.append((channel, message))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._pipe, name)

    def send(self, client: redis.Redis) -> None:
        """Publish what the committed transaction held back."""
        for channel, message in self.messages:
            client.publish(channel, message)


def for_transaction(client: redis.Redis, pipe: Any) -> Any:
    """``pipe`` itself on one Redis; on a cluster, a ``DeferredPublish`` around it."""
    return DeferredPublish(pipe) if is_cluster(client) else pipe


def send_deferred(client: redis.Redis, pipe: Any) -> None:
    """Send the messages a committed ``DeferredPublish`` kept (nothing for a plain pipe)."""
    if isinstance(pipe, DeferredPublish):
        pipe.send(client)
