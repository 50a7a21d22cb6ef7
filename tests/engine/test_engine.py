"""The engine: embedded server start-up, capability checks, library load, structures."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import redis

from seismo.engine.connection import check_capabilities, connect
from seismo.engine.functions import LIBRARY_VERSION, loaded_version
from seismo.engine.keys import Keys
from seismo.engine.server import EmbeddedRedis
from seismo.engine.structures import created, ensure_structures


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


def test_roles_preparing_the_engine_at_once_all_succeed(
    redis_server: EmbeddedRedis, redis_client: redis.Redis, keys: Keys
) -> None:
    redis_client.flushall()
    barrier = threading.Barrier(6)

    def prepare_one(_: int) -> list[str]:
        client = connect(redis_server.url)
        barrier.wait()
        try:
            return ensure_structures(client, keys)
        finally:
            client.close()

    with ThreadPoolExecutor(6) as pool:
        made = [name for names in pool.map(prepare_one, range(6)) for name in names]
    assert sorted(made) == sorted([keys.service_calls, *keys.sketches])


def test_a_structure_another_process_created_meanwhile_is_not_an_error(
    redis_client: redis.Redis, keys: Keys
) -> None:
    # The name checked is free, but the command then meets the existing sketch, as when
    # another role creates it between the check and the command.
    late = ("CMS.INITBYPROB", keys.endpoint_frequency, 0.001, 0.01)
    assert created(redis_client, "not-yet-there", late) is False
    redis_client.delete(keys.endpoint_frequency)
    assert created(redis_client, keys.endpoint_frequency, late) is True
