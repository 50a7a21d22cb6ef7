"""A real local Redis Cluster: three primaries with one replica each, started once per module.

The nodes run the embedded server's binary and modules (``seismo.engine.cluster_server``).
Each test gets the cluster emptied and prepared like a freshly started Seismo.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from seismo.config import Settings
from seismo.engine import prepare
from seismo.engine.cluster_server import LocalCluster
from seismo.engine.connection import connect
from seismo.engine.keys import Keys, installation_keys


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCluster]:
    with LocalCluster(Path(tmp_path_factory.mktemp("cluster")), primaries=3, replicas=1) as nodes:
        yield nodes


@pytest.fixture
def cluster_settings(cluster: LocalCluster) -> Settings:
    return Settings(redis_url=cluster.url, window_seconds=5, grace_seconds=2)


@pytest.fixture
def cluster_keys(cluster_settings: Settings) -> Keys:
    return installation_keys(cluster_settings)


@pytest.fixture
def cluster_client(cluster: LocalCluster, cluster_keys: Keys) -> Iterator[redis.Redis]:
    client = connect(cluster.url)
    client.flushall()
    prepare(client, cluster_keys)
    yield client
    client.close()
