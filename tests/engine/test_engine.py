"""The engine: embedded server start-up, capability checks, library load, structures."""

from __future__ import annotations

import redis

from seismo.engine.connection import check_capabilities, connect
from seismo.engine.functions import LIBRARY_VERSION, loaded_version
from seismo.engine.keys import Keys
from seismo.engine.server import EmbeddedRedis


def test_embedded_server_offers_redisbloom_search_and_vector_sets(
    redis_client: redis.Redis,
) -> None:
    caps = check_capabilities(redis_client)
    assert int(caps.redis_version.split(".")[0]) >= 8
    assert "bf" in caps.modules
    assert caps.search and caps.vector_sets


def test_loaded_library_version_matches_the_code(redis_client: redis.Redis) -> None:
    assert loaded_version(redis_client) == LIBRARY_VERSION


def test_sketches_and_filter_are_created_up_front(redis_client: redis.Redis, keys: Keys) -> None:
    assert redis_client.type(keys.service_calls) == b"MBbloomCF"
    for sketch in keys.sketches:
        assert redis_client.type(sketch) == b"CMSk-TYPE"


def test_namespace_prefixes_every_name_with_a_hash_tag() -> None:
    keys = Keys("prod")
    assert keys.service_calls == "{prod}:service-calls"
    assert keys.window(42, "counts") == "{prod}:w:42:counts"
    assert Keys().anomalies == "anomalies"


def test_capabilities_are_read_by_a_decoding_client_too(redis_server: EmbeddedRedis) -> None:
    client = connect(redis_server.url, decode_responses=True)
    assert "bf" in check_capabilities(client).modules
    client.close()
