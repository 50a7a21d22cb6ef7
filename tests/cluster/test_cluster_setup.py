"""Pointing Seismo at a cluster: the URL is checked, and a node lacking a module is named."""

from __future__ import annotations

from pathlib import Path

import pytest

from seismo.config import ConfigError, load_settings
from seismo.engine import prepare
from seismo.engine.cluster_server import LocalCluster
from seismo.engine.connection import EngineUnavailable, connect
from seismo.engine.keys import installation_keys


def test_a_cluster_url_sets_a_namespace_and_shards_unless_given(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SEISMO_REDIS_URL", "redis+cluster://10.0.0.1:7000, 10.0.0.2:7001")
    settings = load_settings()
    assert settings.cluster_nodes == [("10.0.0.1", 7000), ("10.0.0.2", 7001)]
    assert (settings.namespace, settings.shards) == ("seismo", 16)
    monkeypatch.setenv("SEISMO_SHARDS", "4")
    monkeypatch.setenv("SEISMO_NAMESPACE", "prod")
    assert (load_settings().namespace, load_settings().shards) == ("prod", 4)


def test_a_malformed_cluster_url_is_an_error_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SEISMO_REDIS_URL", "redis+cluster://10.0.0.1:seven")
    with pytest.raises(
        ConfigError, match=r"SEISMO_REDIS_URL: .*'10\.0\.0\.1:seven' is not host:port"
    ):
        load_settings()


def test_one_node_is_unsharded_with_exactly_todays_names() -> None:
    keys = installation_keys(load_settings())
    assert keys.shards == 1
    assert keys.for_service("checkout").service_calls == "service-calls"
    assert keys.for_service("checkout").window(7, "counts") == "w:7:counts"


def test_a_cluster_node_without_redisbloom_is_named(tmp_path: Path) -> None:
    with LocalCluster(tmp_path, primaries=1, modules=()) as cluster:
        client = connect(cluster.url)
        node = cluster.nodes[0]
        with pytest.raises(EngineUnavailable, match=f"cluster node redis://.*:{node.port}/0: .*CF"):
            prepare(client, installation_keys(load_settings()))
        client.close()
