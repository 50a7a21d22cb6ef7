"""``seismo bench memory`` at 1 % of its workload: the same code path, in a second."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import redis

from seismo.bench import memory
from seismo.engine.keys import Keys
from seismo.engine.server import EmbeddedRedis


def run_bench(*argv: str) -> int:
    parser = argparse.ArgumentParser()
    memory.register(parser.add_subparsers())
    args = parser.parse_args(["memory", *argv])
    code: int = args.handler(args)
    return code


def test_zipf_counts_are_skewed_and_sum_exactly() -> None:
    counts = memory.zipf_counts(1000, 1_000_003, 1.1)
    assert sum(counts) == 1_000_003
    assert counts == sorted(counts, reverse=True)
    assert counts[0] > 100 * counts[-1]


def test_share_within_counts_keys_at_most_the_tolerance_over() -> None:
    assert memory.share_within([10, 12, 20, 9], [10, 10, 10, 9], tolerance=2) == 0.75


def test_small_run_on_its_own_redis_writes_the_json_contract(tmp_path: Path) -> None:
    out = tmp_path / "memory.json"
    assert run_bench("--scale", "0.01", "--json", str(out)) == 0
    result = json.loads(out.read_text())
    names = {"service-calls", "endpoint-frequency", "status-codes", "business-metrics"}
    assert set(result["structures"]) == names
    assert result["total_bytes"] == sum(result["structures"].values())
    assert result["total_bytes"] <= memory.TARGET_TOTAL_BYTES
    assert 0 <= result["cf_false_positive_rate"] <= memory.TARGET_CF_FALSE_POSITIVES
    assert result["cms_share_within_target"] >= memory.TARGET_CMS_SHARE
    assert result["cf_items"] > 0.99 * result["workload"]["interactions"]


def test_run_on_a_given_redis_leaves_the_installation_keys_alone(
    redis_server: EmbeddedRedis, redis_client: redis.Redis, keys: Keys
) -> None:
    before = redis_client.execute_command("CMS.INFO", keys.endpoint_frequency)
    assert run_bench("--scale", "0.01", "--redis-url", redis_server.url) == 0
    assert redis_client.execute_command("CMS.INFO", keys.endpoint_frequency) == before
    assert redis_client.keys(f"{{{memory.BENCH_NAMESPACE}}}:*") == []
