"""``seismo agent scrape`` against a real prometheus_client exporter on loopback."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import redis
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server

from seismo.agent import runner
from seismo.agent.config import RequestHistogram, ScrapeConfig, Target, load
from seismo.agent.scrape import Scraper
from seismo.agent.sender import Sender
from seismo.engine.keys import Keys
from seismo.engine.server import free_port
from tests.agent.conftest import stored_requests
from tests.agent.test_tail import wait_for


@dataclass
class Exporter:
    """A service's metrics, served by prometheus_client's own HTTP server."""

    url: str
    requests: Histogram
    orders: Counter
    depth: Gauge
    jobs: Histogram


@pytest.fixture
def exporter() -> Iterator[Exporter]:
    registry = CollectorRegistry()
    labels = ["method", "handler", "status"]
    requests = Histogram(
        "http_request_duration_seconds", "requests", labels, registry=registry,
        buckets=[0.01, 0.1, 1.0],
    )  # fmt: skip
    orders = Counter("orders", "orders placed", ["shop"], registry=registry)
    depth = Gauge("queue_depth", "jobs waiting", registry=registry)
    jobs = Histogram("job_duration_seconds", "jobs", registry=registry, buckets=[1, 2, 4])
    port = free_port()
    server, thread = start_http_server(port, addr="127.0.0.1", registry=registry)
    yield Exporter(f"http://127.0.0.1:{port}/metrics", requests, orders, depth, jobs)
    server.shutdown()
    server.server_close()
    thread.join()


def target(url: str) -> Target:
    return Target(
        url=url,
        service="payments",
        series=["orders_total", "queue_depth", "job_duration_seconds"],
        quantiles=[0.5],
        requests=RequestHistogram(histogram="http_request_duration_seconds"),
    )


def test_counters_become_rates_histograms_quantiles_and_requests_events(
    exporter: Exporter,
) -> None:
    scraper = Scraper(target(exporter.url))
    exporter.depth.set(7)
    exporter.orders.labels("eu").inc(3)
    first = scraper.items(httpx.get(exporter.url).text, 1_000.0)
    assert [(i["metric_name"], i["value"]) for i in first] == [("queue_depth", 7.0)]
    pay = exporter.requests.labels("POST", "/pay", "200")
    for seconds in (0.05, 0.05, 0.5):
        pay.observe(seconds)
    exporter.requests.labels("POST", "/pay", "500").observe(0.005)
    exporter.orders.labels("eu").inc(6)
    for seconds in (1.5, 1.5, 1.5, 1.5):
        exporter.jobs.observe(seconds)
    second = scraper.items(httpx.get(exporter.url).text, 1_010.0)
    metrics = {i["metric_name"]: i for i in second if i["type"] == "business_metric"}
    assert metrics["orders_total"]["value"] == 0.6  # 6 more in 10 s
    assert metrics["orders_total"]["metadata"] == {"shop": "eu"}
    assert metrics["job_duration_seconds:p50"]["value"] == 1.5
    requests = [i for i in second if i["type"] == "application"]
    assert sorted((i["status_code"], i["response_time"]) for i in requests) == [
        (200, 55.0),
        (200, 55.0),
        (200, 550.0),
        (500, 5.0),
    ]
    assert {(i["service"], i["endpoint"]) for i in requests} == {("payments", "POST:/pay")}


def test_a_counter_reset_counts_from_zero_and_an_unchanged_histogram_adds_nothing(
    exporter: Exporter,
) -> None:
    scraper = Scraper(target(exporter.url))
    exporter.orders.labels("eu").inc(50)
    exporter.requests.labels("GET", "/", "200").observe(0.2)
    scraper.items(httpx.get(exporter.url).text, 0.0)
    restarted = httpx.get(exporter.url).text.replace("orders_total{shop=\"eu\"} 50.0",
                                                      "orders_total{shop=\"eu\"} 4.0")  # fmt: skip
    items = scraper.items(restarted, 2.0)
    assert [i["value"] for i in items if i.get("metric_name") == "orders_total"] == [2.0]
    assert [i for i in items if i["type"] == "application"] == []


def test_the_scrape_agent_feeds_the_collector_and_the_service_joins_the_graph(
    tmp_path: Path,
    exporter: Exporter,
    collector_url: str,
    redis_client: redis.Redis,
    keys: Keys,
    dashboard: httpx.Client,
) -> None:
    config = tmp_path / "scrape.toml"
    config.write_text(
        f'collector = "{collector_url}"\ninterval_s = 0.2\n[[targets]]\nurl = "{exporter.url}"\n'
        'service = "payments"\nseries = ["queue_depth"]\n[targets.requests]\n'
        'histogram = "http_request_duration_seconds"\n'
    )
    exporter.depth.set(1)
    loaded = load(str(config), ScrapeConfig)
    stop = threading.Event()
    sender = Sender(loaded.collector)
    agent = threading.Thread(target=runner.scrape, args=(loaded, sender, stop))
    agent.start()
    try:
        wait_for(lambda: redis_client.xlen(keys.business_stream) > 0)  # first scrape done
        exporter.requests.labels("GET", "/balance", "200").observe(0.02)
        exporter.requests.labels("GET", "/balance", "200").observe(0.02)
        wait_for(lambda: len(stored_requests(redis_client, keys)) == 2)
    finally:
        stop.set()
        agent.join()
        sender.close()
    assert {e["endpoint"] for e in stored_requests(redis_client, keys)} == {"GET:/balance"}
    assert "payments" in dashboard.get("/api/graph").json()["nodes"]
