"""The Python client against a real collector: what it sends lands in Redis; a full queue
drops its oldest events; a collector that is down or refuses costs the caller nothing."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import redis

from seismo.engine.keys import Keys
from seismo_client import AsyncSeismoClient, RetryPolicy, SeismoClient
from tests.conftest import free_port
from tests.sdk.conftest import entries

SEED_SNIPPET = """\
from anomaly_client import AnomalyClient

client = AnomalyClient('http://localhost:4000')
client.send_metric({'service': 'checkout', 'endpoint': 'POST:/pay', 'metrics': {'response_time': 120, 'status_code': 200}})
client.send_business_metric('daily_revenue', 45000, [40000, 60000])
"""  # noqa: E501 (the seed's lines, unchanged)


def test_seed_snippet_runs_as_written_and_its_events_are_stored_at_exit(
    collector_url: str, redis_client: redis.Redis, keys: Keys, tmp_path: Path
) -> None:
    script = tmp_path / "seed.py"
    script.write_text(SEED_SNIPPET.replace("http://localhost:4000", collector_url))
    subprocess.run([sys.executable, str(script)], check=True, timeout=60)
    [request] = entries(redis_client, keys.detailed_metrics)
    assert (request["service"], request["endpoint"]) == ("checkout", "POST:/pay")
    assert (request["response_time"], request["status_code"]) == ("120", "200")
    [revenue] = entries(redis_client, keys.business_stream)
    assert revenue["metric_name"] == "daily_revenue"
    assert json.loads(revenue["expected_range"]) == [40000, 60000]


def test_metric_business_metric_and_log_land_in_their_streams(
    collector_url: str, redis_client: redis.Redis, keys: Keys
) -> None:
    with SeismoClient(collector_url) as client:
        client.send_metric(service="users", endpoint="GET:/users", response_time=8, status_code=200)
        client.send_business_metric("orders", 3, metadata={"shop": "eu"})
        client.send_log("payment gateway timeout", "error", service="checkout", trace_id="t-1")
        assert client.flush()
        assert client.stats.sent == 3
    assert [e["service"] for e in entries(redis_client, keys.detailed_metrics)] == ["users"]
    [order] = entries(redis_client, keys.business_stream)
    assert json.loads(order["metadata"]) == {"shop": "eu"}
    [log] = entries(redis_client, keys.log_stream)
    assert (log["level"], log["trace_id"]) == ("error", "t-1")


def test_a_full_queue_drops_the_oldest_events_and_counts_them(
    collector_url: str, redis_client: redis.Redis, keys: Keys
) -> None:
    # batches larger than the queue and a long interval: nothing leaves until the flush
    client = SeismoClient(collector_url, max_queue=10, batch_size=1000, flush_interval=60)
    for i in range(50):
        client.send_metric(service="s", endpoint="GET:/", response_time=i, status_code=200)
    assert client.stats.dropped == 40
    client.close()
    stored = [float(e["response_time"]) for e in entries(redis_client, keys.detailed_metrics)]
    assert stored == [float(i) for i in range(40, 50)]


@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")
def test_a_forked_child_sends_its_own_events(
    collector_url: str, redis_client: redis.Redis, keys: Keys
) -> None:
    client = SeismoClient(collector_url)
    client.send_metric(service="parent", endpoint="GET:/", response_time=1, status_code=200)
    assert client.flush()
    pid = os.fork()
    if pid == 0:  # the child: a pre-forking server's worker
        client.send_metric(service="child", endpoint="GET:/", response_time=2, status_code=200)
        os._exit(0 if client.flush() else 1)
    assert os.waitpid(pid, 0)[1] == 0
    client.close()
    services = [e["service"] for e in entries(redis_client, keys.detailed_metrics)]
    assert services == ["parent", "child"]


def test_an_unreachable_collector_never_raises_and_counts_the_loss() -> None:
    client = SeismoClient(f"http://127.0.0.1:{free_port()}", retry=RetryPolicy(attempts=2))
    for _ in range(5):
        client.send_metric(service="s", endpoint="GET:/", response_time=1, status_code=200)
    assert client.flush(timeout=30)
    assert (client.stats.sent, client.stats.failed, client.stats.retries) == (0, 5, 1)
    assert client.health_check()["status"] == "unreachable"
    client.close()


def test_a_mistyped_url_does_not_raise_and_its_events_are_counted_as_failed() -> None:
    client = SeismoClient("http://127.0.0.1:port", retry=RetryPolicy(attempts=1))
    client.send_log("hello")
    assert client.flush(timeout=30)
    assert (client.stats.failed, client.stats.errors) == (1, 0)
    client.close()


def test_bad_calls_are_swallowed_and_refused_items_counted(
    collector_url: str, redis_client: redis.Redis, keys: Keys
) -> None:
    with SeismoClient(collector_url) as client:
        client.send_metric("not a mapping")  # type: ignore[arg-type]
        client.send_metric(service="s", endpoint="GET:/", response_time="fast", status_code=200)
        client.send_metric(service="s", endpoint="GET:/", response_time=2, status_code=200)
        assert client.flush()
        assert (client.stats.errors, client.stats.rejected, client.stats.sent) == (1, 1, 1)
    assert len(entries(redis_client, keys.detailed_metrics)) == 1


def test_health_check_reports_the_collector(collector_url: str) -> None:
    with SeismoClient(collector_url) as client:
        health = client.health_check()
    assert health["http_status"] == 200
    assert health["redis"]["connected"] is True


def test_async_client_sends_without_blocking_the_loop(
    collector_url: str, redis_client: redis.Redis, keys: Keys
) -> None:
    async def main() -> tuple[bool, int]:
        async with AsyncSeismoClient(collector_url) as client:
            client.send_metric({"service": "api", "endpoint": "GET:/", "metrics": {
                "response_time": 4, "status_code": 201}})  # fmt: skip
            health = await client.ahealth_check()
            return await client.aflush(), health["http_status"]

    assert asyncio.run(main()) == (True, 200)
    [request] = entries(redis_client, keys.detailed_metrics)
    assert request["status_code"] == "201"
