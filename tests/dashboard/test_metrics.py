"""The dashboard's ``GET /metrics``: its request latency and WebSocket clients, and Redis's
memory, commands and stream lengths, scraped from a real server."""

from __future__ import annotations

import time

import httpx
import redis
from prometheus_client.parser import text_string_to_metric_families
from websockets.sync.client import connect

from seismo.config import Settings
from seismo.dashboard.app import create_app
from seismo.engine.keys import Keys
from tests.builders import add_alert, alert_dict
from tests.conftest import free_port
from tests.dashboard.conftest import ServerThread, add_log

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def scrape(http: httpx.Client) -> Samples:
    response = http.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(response.text)
        for s in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    key = (name, frozenset(labels.items()))
    assert key in samples, f"{name}{labels} not in /metrics"
    return samples[key]


def test_request_latency_is_labelled_by_route_template(
    api: httpx.Client, redis_client: redis.Redis, keys: Keys
) -> None:
    add_alert(redis_client, keys, alert_dict())
    alert_id = alert_dict()["id"]
    for _ in range(3):
        assert api.get("/api/anomalies").status_code == 200
    assert api.post(f"/api/anomalies/{alert_id}/ack").status_code == 200
    assert api.post("/api/anomalies/no-such-alert/ack").status_code == 404

    samples = scrape(api)
    count = "seismo_dashboard_request_seconds_count"
    assert value(samples, count, method="GET", route="/api/anomalies", status="200") == 3
    ack = "/api/anomalies/{id}/ack"
    assert value(samples, count, method="POST", route=ack, status="200") == 1
    assert value(samples, count, method="POST", route=ack, status="404") == 1
    assert not any(alert_id in dict(labels).get("route", "") for _, labels in samples)


def test_websocket_clients_are_counted_while_connected(
    server: str, redis_client: redis.Redis
) -> None:
    with httpx.Client(base_url=server, timeout=10) as http:
        assert value(scrape(http), "seismo_dashboard_websocket_clients") == 0
        ws_url = server.replace("http://", "ws://") + "/ws"
        with connect(ws_url, open_timeout=5), connect(ws_url, open_timeout=5):
            assert value(scrape(http), "seismo_dashboard_websocket_clients") == 2
        deadline = time.monotonic() + 5
        while value(scrape(http), "seismo_dashboard_websocket_clients") != 0:
            assert time.monotonic() < deadline, "closed WebSockets still counted"
            time.sleep(0.05)


def test_redis_memory_commands_and_stream_lengths_are_served(
    api: httpx.Client, redis_client: redis.Redis, keys: Keys
) -> None:
    for n in range(3):
        add_log(redis_client, keys, f"timeout {n}")
    add_alert(redis_client, keys, alert_dict())

    first = scrape(api)
    assert value(first, "seismo_redis_up") == 1
    assert value(first, "seismo_redis_memory_used_bytes") > 0
    assert value(first, "seismo_redis_stream_length", stream="log_stream") == 3
    assert value(first, "seismo_redis_stream_length", stream="anomalies") == 1
    assert value(first, "seismo_redis_stream_length", stream="fingerprints") == 0
    commands = "seismo_redis_commands_processed_total"
    assert value(scrape(api), commands) > value(first, commands)


def test_a_scrape_while_redis_is_down_says_so_and_succeeds() -> None:
    settings = Settings(redis_url=f"redis://127.0.0.1:{free_port()}/0")
    app = create_app(settings, background=False)
    with ServerThread(app) as running, httpx.Client(base_url=running.url, timeout=10) as http:
        samples = scrape(http)
    assert value(samples, "seismo_redis_up") == 0
    assert not any(name == "seismo_redis_memory_used_bytes" for name, _ in samples)
