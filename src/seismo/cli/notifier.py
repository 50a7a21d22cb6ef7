"""``seismo notifier``: deliver alerts to the receivers of the routing file.

Safe to run several against one Redis (they share the ``notifiers`` consumer group). The
routing file is read and checked before anything starts: a bad one stops the role with a
line naming the field or line. Metrics are served on ``SEISMO_NOTIFY_METRICS_PORT`` when it
is free (a second notifier on the same machine logs that and runs without).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import secrets
import socket
import threading
from typing import Any

import redis.asyncio as aioredis
from prometheus_client import CollectorRegistry

from seismo.alert.channels import ChannelEnv, RetryPolicy
from seismo.alert.routing import Routing, RoutingError, load_routing
from seismo.cli.metrics_port import serve_metrics
from seismo.cli.roles import run_role
from seismo.config import ConfigError, Settings, cluster_nodes
from seismo.engine import Engine
from seismo.engine.connection import connect_async
from seismo.loops.notifier import Notifier, NotifierConfig
from seismo.loops.notify_metrics import NotifyMetrics

log = logging.getLogger("seismo.notifier")
STOP_POLL_S = 0.1
REDIS_CONNECTIONS = 64
"""Connections of one notifier: deliveries in flight beyond this wait their turn for Redis
rather than fail."""
REDIS_WAIT_S = 30


def register(commands: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "notifier", help="deliver alerts to Slack, PagerDuty, webhooks, e-mail, Alertmanager"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    return run_role(notify)


def routing_of(settings: Settings) -> Routing:
    """The routing file of the settings, its problems as a ``ConfigError``."""
    try:
        return load_routing(settings.notify_routing_file)
    except RoutingError as exc:
        raise ConfigError(f"SEISMO_NOTIFY_ROUTING_FILE: {exc}") from None


def channel_env(settings: Settings) -> ChannelEnv:
    policy = RetryPolicy(
        timeout_s=settings.notify_timeout_seconds,
        attempts=settings.notify_attempts,
        backoff_s=settings.notify_backoff_seconds,
        backoff_cap_s=settings.notify_backoff_cap_seconds,
    )
    return ChannelEnv(policy, settings.notify_dashboard_url, settings.notify_webhook_secret)


def notify(settings: Settings, engine: Engine, stop: threading.Event) -> None:
    """Run a notifier on the engine until ``stop`` is set."""
    routing = routing_of(settings)
    if not routing.receivers:
        log.info("no receivers (SEISMO_NOTIFY_ROUTING_FILE unset): alerts stay in the dashboard")
    metrics = NotifyMetrics(CollectorRegistry())
    serve_metrics(settings.notify_metrics_port, "SEISMO_NOTIFY_METRICS_PORT", metrics.registry)
    asyncio.run(_serve(settings, engine, routing, metrics, stop))


async def _serve(
    settings: Settings,
    engine: Engine,
    routing: Routing,
    metrics: NotifyMetrics,
    stop: threading.Event,
) -> None:
    if cluster_nodes(engine.url) is not None:  # a cluster client keeps a pool per node
        client = connect_async(engine.url, max_connections=REDIS_CONNECTIONS, decode_responses=True)
    else:
        pool = aioredis.BlockingConnectionPool.from_url(
            engine.url,
            max_connections=REDIS_CONNECTIONS,
            timeout=REDIS_WAIT_S,
            decode_responses=True,
        )
        client = aioredis.Redis(connection_pool=pool)
    config = NotifierConfig(
        settings.notify_claim_idle_ms, settings.notify_poll_ms, settings.notify_deliveries_maxlen
    )
    consumer = f"{socket.gethostname()}-{os.getpid()}-{secrets.token_hex(3)}"
    notifier = Notifier(
        client, engine.keys, routing, channel_env(settings), config, consumer, metrics
    )
    stopping = asyncio.Event()

    async def watch_stop() -> None:
        while not stop.is_set():
            await asyncio.sleep(STOP_POLL_S)
        stopping.set()

    watcher = asyncio.create_task(watch_stop())
    try:
        await notifier.run(stopping)
    finally:
        watcher.cancel()
        await client.aclose()
