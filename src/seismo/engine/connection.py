"""Connecting to Redis and checking it can run Seismo.

Seismo needs Redis >= 7 (Functions) with the RedisBloom commands; RediSearch and vector
sets are optional and reported by ``capabilities`` so callers can say what they turn off.

Client policy: every client is made here (``connect``, ``connect_async``), with timeouts
that turn an outage into an error, and replies as ``bytes`` (``decode_responses`` off). The
hot paths hand replies straight to msgspec or json, which read bytes; ``text`` is the one
helper that turns a reply into ``str`` where text is wanted. The dashboard's clients are
the one exception still (``decode_responses=True``: its read models are written for str).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

import redis
import redis.asyncio as aioredis
from redis.asyncio.cluster import ClusterNode as AsyncClusterNode
from redis.asyncio.cluster import RedisCluster as AsyncRedisCluster
from redis.asyncio.retry import Retry as AsyncRetry
from redis.backoff import ExponentialBackoff
from redis.cluster import ClusterNode, RedisCluster
from redis.retry import Retry

from seismo.config import cluster_nodes

REQUIRED_COMMANDS = ("cf.insertnx", "cms.incrby", "topk.incrby", "tdigest.add", "fcall")
OPTIONAL_COMMANDS = {"search": "ft.search", "vector_sets": "vadd"}
WAIT_TIMEOUT_S = 60.0
"""How long a start waits for Redis to answer and load its data, unless told otherwise."""
POLL_S = 0.1


class EngineUnavailable(Exception):
    """The Redis Seismo was pointed at lacks something Seismo needs; the message says what."""


class RedisNotReady(EngineUnavailable):
    """Redis did not answer, or did not finish loading its data, in the time allowed."""


@dataclass(frozen=True)
class Capabilities:
    """What one Redis server offers Seismo."""

    redis_version: str
    modules: dict[str, str]
    search: bool
    vector_sets: bool


SOCKET_TIMEOUT_S = 5
CONNECT_TIMEOUT_S = 2


def connect(url: str, **options: Any) -> redis.Redis:
    """A client for ``url`` with timeouts that turn an outage into an error, not a hang."""
    if (nodes := cluster_nodes(url)) is not None:
        return connect_cluster(nodes, **options)
    return redis.Redis.from_url(
        url,
        socket_timeout=SOCKET_TIMEOUT_S,
        socket_connect_timeout=CONNECT_TIMEOUT_S,
        health_check_interval=10,
        **options,
    )


def connect_async(url: str, **options: Any) -> aioredis.Redis:
    """The asyncio twin of ``connect`` (same timeouts), for the web apps."""
    if (nodes := cluster_nodes(url)) is not None:
        return connect_cluster_async(nodes, **options)
    return aioredis.Redis.from_url(
        url, socket_timeout=SOCKET_TIMEOUT_S, socket_connect_timeout=CONNECT_TIMEOUT_S, **options
    )


def wait_until_ready(
    client: redis.Redis,
    timeout_s: float = WAIT_TIMEOUT_S,
    gone: Callable[[], bool] = lambda: False,
) -> None:
    """Block while Redis starts or loads its dataset, at most ``timeout_s`` seconds.

    A Redis restarted on a large append-only file accepts connections long before it can
    serve: until it has replayed the file, every command but a few (INFO among them) is
    answered ``LOADING``. Every path that connects at start calls this first, so a restart
    on existing data is a wait, not a crash. Gives up with ``EngineUnavailable`` saying why.
    """
    deadline = time.monotonic() + timeout_s
    problem = "no answer"
    while True:
        try:
            if not _loading(client):
                return
            problem = "still loading its data"
        except redis.BusyLoadingError:
            problem = "still loading its data"
        except (redis.ConnectionError, redis.TimeoutError) as exc:
            problem = f"not answering ({exc})"
        if gone():
            raise RedisNotReady(f"Redis exited while starting ({problem})")
        if time.monotonic() >= deadline:
            raise RedisNotReady(_wait_failure(client, problem, timeout_s))
        time.sleep(POLL_S)


def _loading(client: redis.Redis) -> bool:
    """True while the server replays its persistence files (``INFO persistence``)."""
    return str(client.info("persistence").get("loading", 0)) == "1"


def _wait_failure(client: redis.Redis, problem: str, timeout_s: float) -> str:
    where = client.get_connection_kwargs()
    address = f"{where.get('host', '?')}:{where.get('port', '?')}"
    if problem.startswith("still loading"):
        advice = "raise SEISMO_REDIS_WAIT_SECONDS for a large data set"
    elif "CERTIFICATE" in problem.upper():
        advice = "set SEISMO_REDIS_CA_CERT to the CA that signed its TLS certificate"
    else:
        advice = "start it, or unset SEISMO_REDIS_URL to use the embedded engine"
    return f"Redis at {address} is {problem} after {timeout_s:g} s: {advice}"


def _known_commands(client: redis.Redis) -> set[str]:
    """Every command name the server knows (module commands included), lower case."""
    return {text(name).lower() for name in client.command_list()}


def check_capabilities(client: redis.Redis) -> Capabilities:
    """Fail with ``EngineUnavailable`` naming what is missing; report the optional parts."""
    server = client.info("server")
    version = str(server.get("redis_version", "0"))
    if int(version.split(".")[0]) < 7:
        raise EngineUnavailable(f"Redis {version} has no Functions: Seismo needs Redis >= 7")
    known = _known_commands(client)
    missing = [name.upper() for name in REQUIRED_COMMANDS if name not in known]
    if missing:
        raise EngineUnavailable(
            "this Redis lacks " + ", ".join(missing) + ": load the RedisBloom module "
            "(--loadmodule redisbloom.so) or unset SEISMO_REDIS_URL to use the embedded engine"
        )
    modules = {text(_field(mod, "name")): text(_field(mod, "ver")) for mod in client.module_list()}
    return Capabilities(
        redis_version=version,
        modules=modules,
        search=OPTIONAL_COMMANDS["search"] in known,
        vector_sets=OPTIONAL_COMMANDS["vector_sets"] in known,
    )


def _field(entry: dict[Any, Any], name: str) -> Any:
    """A MODULE LIST entry's field, whether the client decodes replies or not."""
    return entry[name] if name in entry else entry[name.encode()]


def text(value: object) -> str:
    """A reply as ``str``, whether the client decodes replies or not."""
    return value.decode() if isinstance(value, bytes) else str(value)


# --- Redis Cluster (``redis+cluster://host:port[,host:port]``) -----------------------

CLUSTER_RETRIES = 10
"""Tries of a command while the cluster moves a slot or fails a primary over to its
replica (redis-py refreshes the slot map between tries)."""


def connect_cluster(nodes: list[tuple[str, int]], **options: Any) -> redis.Redis:
    """A ``RedisCluster`` client seeded with ``nodes``, same timeouts as ``connect``.

    Typed as ``redis.Redis``: a ``RedisCluster`` answers the same command methods (it
    routes each by its keys), so every role keeps one client type whether Seismo runs on
    one Redis or on a cluster; ``is_cluster`` tells the few places that must differ.
    """
    client = RedisCluster(
        startup_nodes=[ClusterNode(host, port) for host, port in nodes],
        socket_timeout=SOCKET_TIMEOUT_S,
        socket_connect_timeout=CONNECT_TIMEOUT_S,
        retry=Retry(ExponentialBackoff(cap=1.0, base=0.05), CLUSTER_RETRIES),
        **options,
    )
    return cast(redis.Redis, client)


def connect_cluster_async(nodes: list[tuple[str, int]], **options: Any) -> aioredis.Redis:
    """The asyncio twin of ``connect_cluster``."""
    client = AsyncRedisCluster(
        startup_nodes=[AsyncClusterNode(host, port) for host, port in nodes],
        socket_timeout=SOCKET_TIMEOUT_S,
        socket_connect_timeout=CONNECT_TIMEOUT_S,
        retry=AsyncRetry(ExponentialBackoff(cap=1.0, base=0.05), CLUSTER_RETRIES),
        **options,
    )
    return cast(aioredis.Redis, client)


def is_cluster(client: object) -> bool:
    """True for a cluster client (sync or asyncio)."""
    return isinstance(client, RedisCluster | AsyncRedisCluster)


def member_urls(client: redis.Redis, primaries_only: bool = False) -> list[str]:
    """``redis://host:port/0`` of every healthy node of the cluster behind ``client`` (from
    ``CLUSTER NODES``: primaries and replicas, or primaries only)."""
    listing: dict[str, dict[str, Any]] = client.cluster_nodes()  # type: ignore[attr-defined]
    urls = []
    for address, node in listing.items():
        flags = str(node.get("flags", ""))
        if "fail" in flags or "noaddr" in flags or (primaries_only and "master" not in flags):
            continue
        urls.append(f"redis://{address.split('@', 1)[0]}/0")
    return urls
