"""A local Redis Cluster from the embedded server's wheels, for tests, the demo and benches.

Each node is an ``EmbeddedRedis`` (the same ``redis-server`` and RedisBloom/RediSearch
modules) started with ``--cluster-enabled yes``. The slots are split evenly over the
primaries (``CLUSTER ADDSLOTSRANGE``), the nodes are introduced to each other (``CLUSTER
MEET``), each replica follows its primary (``CLUSTER REPLICATE``), and ``start`` returns
once every node reports ``cluster_state:ok`` with the same view of the slots, the way
``redis-cli --cluster create`` would, without needing that tool.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import redis

from seismo.config import CLUSTER_SCHEME
from seismo.engine.connection import EngineUnavailable, connect, text
from seismo.engine.server import MODULES, EmbeddedRedis, free_port

SLOTS = 16384
NODE_TIMEOUT_MS = 1000
"""How long a primary may be silent before its replica takes over (short: a local test)."""
FORM_TIMEOUT_S = 30.0


def slot_ranges(primaries: int) -> list[tuple[int, int]]:
    """The 16384 hash slots split into ``primaries`` contiguous inclusive ranges."""
    bounds = [SLOTS * i // primaries for i in range(primaries + 1)]
    return [(bounds[i], bounds[i + 1] - 1) for i in range(primaries)]


@dataclass
class LocalCluster:
    """``primaries`` primaries, each with ``replicas`` replicas, on loopback ports."""

    data_dir: Path
    primaries: int = 3
    replicas: int = 0
    host: str = "127.0.0.1"
    node_timeout_ms: int = NODE_TIMEOUT_MS
    restart: bool = False
    modules: tuple[Path, ...] = MODULES
    nodes: list[EmbeddedRedis] = field(default_factory=list, init=False)

    @property
    def url(self) -> str:
        """``redis+cluster://`` with every primary as a seed node."""
        seeds = ",".join(f"{n.host}:{n.port}" for n in self.nodes[: self.primaries])
        return CLUSTER_SCHEME + seeds

    def _node(self, index: int) -> EmbeddedRedis:
        options = (
            "--cluster-enabled", "yes",
            "--cluster-config-file", "nodes.conf",
            "--cluster-node-timeout", str(self.node_timeout_ms),
            "--cluster-require-full-coverage", "no",
            "--cluster-port", str(free_port(self.host)),  # not port + 10000: may be > 65535
        )  # fmt: skip
        folder = self.data_dir / f"node-{index}"
        return EmbeddedRedis(
            self.host,
            free_port(self.host),
            folder,
            modules=self.modules,
            extra_args=options,
            restart=self.restart,
        )

    def start(self) -> None:
        """Start every node and form the cluster; stops what started if it cannot."""
        total = self.primaries * (1 + self.replicas)
        try:
            for index in range(total):
                node = self._node(index)
                self.nodes.append(node)
                node.start()
            self._form()
        except BaseException:
            self.stop()
            raise

    def _form(self) -> None:
        clients = [connect(node.url) for node in self.nodes]
        try:
            for client, (first, last) in zip(clients, slot_ranges(self.primaries), strict=False):
                client.execute_command("CLUSTER", "ADDSLOTSRANGE", first, last)
            seed = self.nodes[0]
            bus_port = seed.extra_args[seed.extra_args.index("--cluster-port") + 1]
            for client in clients[1:]:
                client.execute_command("CLUSTER", "MEET", seed.host, seed.port, bus_port)
            self._wait(clients, lambda c: _known_nodes(c) == len(clients), "meet")
            for index, client in enumerate(clients[self.primaries :]):
                primary = clients[index % self.primaries]
                client.execute_command("CLUSTER", "REPLICATE", _node_id(primary))
            self._wait(clients, _ok, "reach cluster_state:ok")
            self._wait(clients[self.primaries :], _in_sync, "sync its replicas")
        finally:
            for client in clients:
                client.close()

    def _wait(self, clients: list[redis.Redis], ready: object, what: str) -> None:
        deadline = time.monotonic() + FORM_TIMEOUT_S
        while not all(ready(c) for c in clients):  # type: ignore[operator]
            if time.monotonic() > deadline:
                raise EngineUnavailable(f"the local cluster did not {what} in {FORM_TIMEOUT_S:g} s")
            time.sleep(0.1)

    def primary_of(self, port: int) -> bool:
        """True when the node on ``port`` is a primary now."""
        client = connect(f"redis://{self.host}:{port}/0")
        try:
            return text(client.info("replication")["role"]) == "master"
        finally:
            client.close()

    def stop(self) -> None:
        """Stop every node at once (the ones killed already are skipped): each waits for
        its own clean shutdown."""
        with ThreadPoolExecutor(max(1, len(self.nodes))) as pool:
            list(pool.map(EmbeddedRedis.stop, self.nodes))

    def __enter__(self) -> LocalCluster:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def _node_id(client: redis.Redis) -> str:
    return text(client.execute_command("CLUSTER", "MYID"))


def _known_nodes(client: redis.Redis) -> int:
    return len(text(client.execute_command("CLUSTER", "NODES")).strip().splitlines())


def _in_sync(client: redis.Redis) -> bool:
    """A replica has loaded its primary's data and follows it."""
    return text(client.info("replication").get("master_link_status", "")) == "up"


def _ok(client: redis.Redis) -> bool:
    """The node sees the whole cluster healthy: every slot served, no node failing."""
    info = text(client.execute_command("CLUSTER", "INFO"))
    fields = dict(line.split(":", 1) for line in info.split() if ":" in line)
    nodes = text(client.execute_command("CLUSTER", "NODES"))
    settled = "fail" not in nodes and "handshake" not in nodes and "noaddr" not in nodes
    covered = fields.get("cluster_slots_ok") == str(SLOTS)
    return fields.get("cluster_state") == "ok" and covered and settled
