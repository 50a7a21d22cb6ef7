"""Early alerts against a real Redis: a 5xx burst or a latency jump in the open window is
raised before the window closes, once, then confirmed or withdrawn when it closes.

The model is trained on synthetic fingerprints written with XADD (as in ``test_loop``);
the open window's counters are written by the real ingest Function, so the detector reads
exactly what the collector leaves in Redis.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import replace
from typing import Any

import redis

from seismo.alert.decide import EARLY, WITHDRAWN
from seismo.config import Settings
from seismo.engine.functions import INGEST, IngestCall
from seismo.engine.keys import Keys
from seismo.loops.detector import DetectorLoop
from tests.detect.fingerprint_synth import WINDOW_MS, Plant, fingerprints
from tests.detect.test_loop import CONFIG, add, alerts, drain, received

EARLY_CONFIG = replace(CONFIG, window_ms=WINDOW_MS, grace_ms=2_000, early_poll_ms=100)
TRAINED = 35
OPEN = 40
"""The synthetic window left open: its counters are ingested, its fingerprint comes later."""


def ingest(client: redis.Redis, keys: Keys, events: list[dict[str, Any]]) -> None:
    settings = Settings.model_construct(window_seconds=WINDOW_MS // 1000)
    call = IngestCall.from_settings(settings, keys)
    client.fcall(INGEST, *call.fcall_args(json.dumps(events).encode()))  # type: ignore[arg-type]


def calls(
    start_ms: int, service: str, count: int, failed: int = 0, latency: float = 40.0
) -> list[dict[str, Any]]:
    """``count`` calls to ``service`` from ``start_ms`` on, the first ``failed`` with 500."""
    return [
        {
            "type": "app",
            "timestamp": start_ms + 10 * i,
            "service": service,
            "endpoint": "POST:/pay",
            "response_time": latency * (1 + 0.01 * (i % 7)),
            "status_code": 500 if i < failed else 200,
        }
        for i in range(count)
    ]


def trained_loop(client: redis.Redis, keys: Keys, clock: Any = time.time) -> DetectorLoop:
    add(client, keys, fingerprints(TRAINED, seed=3))
    loop = DetectorLoop(client, keys, EARLY_CONFIG, clock=clock)
    loop.ensure_group()
    drain(loop)
    assert loop.model is not None
    return loop


def open_start() -> int:
    return fingerprints(OPEN + 1, seed=3)[OPEN].window_start


def close_open_window(client: redis.Redis, keys: Keys, loop: DetectorLoop, faulty: bool) -> None:
    """The open window's fingerprint (the fault in it or not), then a few quiet windows."""
    plant = Plant("checkout", OPEN, OPEN, {"error_rate_5xx": 0.5}) if faulty else None
    add(client, keys, fingerprints(OPEN + 5, seed=3, plant=plant)[OPEN:])
    drain(loop)


def test_a_5xx_burst_is_raised_from_the_open_window_once_then_confirmed(
    redis_client: redis.Redis, keys: Keys
) -> None:
    start = open_start()
    now = start + 1_500
    loop = trained_loop(redis_client, keys, clock=lambda: now / 1000)
    other = DetectorLoop(redis_client, keys, EARLY_CONFIG, clock=lambda: now / 1000)
    live = redis_client.pubsub(ignore_subscribe_messages=True)
    live.subscribe(keys.alerts)
    ingest(redis_client, keys, calls(start, "checkout", 60, failed=30))

    (early,) = loop.raise_early()
    assert other.model is None  # a detector without a model yet raises nothing early
    other.model = loop.model
    assert other.raise_early() == [] and loop.raise_early() == []

    published = alerts(redis_client, keys)
    assert [(a["status"], a["early"]) for a in published] == [("open", True)]
    opened = published[0]
    assert (opened["scope"], opened["target"]) == ("service", "checkout")
    assert opened["window_start"] == start and opened["time"] < opened["window_end"]
    assert opened["explanation"][0]["feature"] == "error_rate_5xx"
    assert opened["summary"].endswith(f"({EARLY})") and early.id == opened["id"]
    assert [a["id"] for a in received(live, 1)] == [opened["id"]]

    close_open_window(redis_client, keys, loop, faulty=True)

    history = alerts(redis_client, keys)
    assert [a["status"] for a in history] == ["open", "resolved"]
    assert {a["incident_id"] for a in history} == {opened["incident_id"]}
    assert history[1]["summary"].startswith("Resolved: ")


def test_an_early_alert_the_closed_window_does_not_confirm_is_withdrawn(
    redis_client: redis.Redis, keys: Keys
) -> None:
    start = open_start()
    loop = trained_loop(redis_client, keys, clock=lambda: (start + 1_500) / 1000)
    ingest(redis_client, keys, calls(start, "checkout", 60, failed=30))
    (opened,) = loop.raise_early()

    close_open_window(redis_client, keys, loop, faulty=False)

    history = alerts(redis_client, keys)
    assert [a["status"] for a in history] == ["open", "resolved"]
    withdrawn = history[1]
    assert withdrawn["incident_id"] == opened.incident_id
    assert withdrawn["window_start"] == start
    assert withdrawn["summary"].startswith(f"{WITHDRAWN}: 5xx error rate of checkout")


def test_a_latency_jump_is_raised_early(redis_client: redis.Redis, keys: Keys) -> None:
    start = open_start()
    loop = trained_loop(redis_client, keys, clock=lambda: (start + 900) / 1000)
    ingest(redis_client, keys, calls(start, "inventory", 30, latency=400.0))

    (alert,) = loop.raise_early()

    assert (alert.target, alert.early) == ("inventory", True)
    top = alert.explanation[0]
    assert top["feature"] == "latency_p50" and top["current"] > 6 * top["normal"]


def test_normal_traffic_in_the_open_window_raises_nothing(
    redis_client: redis.Redis, keys: Keys
) -> None:
    start = open_start()
    loop = trained_loop(redis_client, keys, clock=lambda: (start + 4_000) / 1000)
    normal = calls(start, "checkout", 160, failed=1) + calls(start + 5, "frontend", 480)
    ingest(redis_client, keys, normal)

    assert loop.raise_early() == []


def test_the_running_loop_alerts_before_the_window_closes(
    redis_client: redis.Redis, keys: Keys
) -> None:
    loop = trained_loop(redis_client, keys)
    live = redis_client.pubsub(ignore_subscribe_messages=True)
    live.subscribe(keys.alerts)
    stop = threading.Event()
    runner = threading.Thread(target=loop.run, args=(stop,), daemon=True)
    runner.start()
    try:
        if time.time() * 1000 % WINDOW_MS > WINDOW_MS - 1_000:  # the burst in one window
            time.sleep(1.0)
        onset = int(time.time() * 1000)
        ingest(redis_client, keys, calls(onset, "checkout", 20, failed=12))
        (alert,) = received(live, 1)
        heard = int(time.time() * 1000)
    finally:
        stop.set()
        runner.join(timeout=5)
    assert alert["early"] is True and alert["target"] == "checkout"
    assert alert["window_start"] <= onset < alert["window_end"]
    assert heard - onset < 1_000 and alert["time"] < alert["window_end"]
