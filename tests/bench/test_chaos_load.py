"""The chaos benchmark's load and soak verdict: marked events the collector takes on its fast
path, every answer recorded, and what counts as memory that is not flat."""

from __future__ import annotations

import random
import time

import msgspec
import redis

from seismo.bench.chaos_load import LoadRun, LoadShape, Marks, batch_body, kpi_event
from seismo.bench.chaos_soak import (
    EVENT_STREAMS,
    Sample,
    bytes_per_entry,
    flat_problems,
    growing_until_expiry,
    key_kind,
    steady_start,
)
from seismo.bench.chaos_watch import stored_markers
from seismo.bench.serving import serving
from seismo.engine.server import EmbeddedRedis
from seismo.ingest.app import create_app
from seismo.ingest.fastpath import decode_fast
from tests.ingest.conftest import collector_settings


def test_a_batch_takes_the_fast_path_and_every_item_has_its_own_marker() -> None:
    marks = Marks("t1p1")
    body, markers = batch_body(random.Random(0), marks, LoadShape(batch_size=50), "t1p1-b1")
    assert len(set(markers)) == 50
    assert decode_fast(body, int(time.time() * 1000)) is not None  # one msgspec pass
    items = msgspec.json.decode(body)["metrics"]
    assert items[0]["type"] == "business_metric"
    assert {item["type"] for item in items[1:]} <= {"application", "log"}


def test_the_kpi_is_out_of_range_in_the_first_seconds_of_each_period() -> None:
    shape = LoadShape(kpi_period_s=10, kpi_bad_s=2)
    assert kpi_event(shape, "m", 1_000_000)["value"] == 500.0  # second 0 of the period
    assert kpi_event(shape, "m", 1_005_000)["value"] == 50.0


def test_every_acknowledged_event_is_found_by_its_marker(
    redis_server: EmbeddedRedis, redis_client: redis.Redis
) -> None:
    with serving(create_app(collector_settings(redis_server.url))) as url:
        port = int(url.rsplit(":", 1)[1])
        load = LoadRun("127.0.0.1", port, LoadShape(rate=400, batch_size=20), "u1p1", seed=1)
        load.start()
        time.sleep(0.5)
        record = load.stop(10.0)
    found = stored_markers(redis_client, 0, "u1p1-")
    assert record.acked and record.acked == record.sent
    assert set(found) == record.acked
    assert max(found.values()) == 1
    assert record.statuses.keys() == {200}
    assert record.acked_count == len(record.acked)


CAPS_20K = dict.fromkeys(EVENT_STREAMS, 20_000)
CAPS_2K = dict.fromkeys(EVENT_STREAMS, 2_000)


def sample(at_s: float, rss: int, window_keys: int, detailed: int, batches: int) -> Sample:
    return Sample(
        at_s=at_s,
        rss={"redis": rss, "detector": 100 * 2**20},
        used_memory=rss,
        streams={"detailed-metrics": detailed, "business-metrics-stream": detailed,
                 "log-metrics-stream": detailed, "system-fingerprints": 10},
        keys={"window": window_keys, "batch id": batches},
        batch_key_bytes=100,
    )  # fmt: skip


def test_memory_is_flat_when_streams_stay_capped_and_windows_expire() -> None:
    first = sample(60, 200 * 2**20, 80, 20_000, 1000)
    last = sample(660, 210 * 2**20, 90, 20_100, 11_000)
    assert flat_problems(first, last, CAPS_20K) == []
    growth = growing_until_expiry(first, last)["batch id"]
    assert growth["per_s"] == 16.67
    assert growth["level_at"] == round(10000 / 600 * 86_400)
    assert growth["level_at_mib"] == round(growth["level_at"] * 100 / 2**20, 1)


def test_a_stream_past_its_cap_growing_rss_or_window_keys_are_named() -> None:
    first = sample(60, 200 * 2**20, 80, 20_000, 0)
    last = sample(660, 400 * 2**20, 5000, 40_000, 0)
    problems = flat_problems(first, last, CAPS_20K)
    assert len(problems) == 5  # three streams, window keys, Redis's memory
    assert problems[0].startswith("detailed-metrics holds 40,000")
    assert "window keys" in problems[3]
    assert problems[4].startswith("redis resident memory grew 200.0 -> 400.0")


def test_keys_are_classed_by_prefix() -> None:
    assert key_kind("w:123:counts") == "window"
    assert key_kind("batch:abc") == "batch id"
    assert key_kind("log:1-0") == "log copy"
    assert key_kind("alert-id:x") == "alert marker"
    assert key_kind("service-calls") == "other"


def test_memory_is_compared_from_when_every_event_stream_reached_its_cap() -> None:
    filling = sample(60, 100 * 2**20, 80, 900, 0)
    full = sample(90, 200 * 2**20, 80, 2_000, 0)
    later = sample(120, 201 * 2**20, 80, 2_000, 0)
    assert steady_start([filling, full, later], CAPS_2K) is full
    assert steady_start([filling, filling, filling], CAPS_2K) is filling  # the middle one


def test_bytes_per_entry_is_each_streams_memory_over_its_length() -> None:
    full = sample(90, 1, 80, 2_000, 0)
    sized = Sample(**{**full.__dict__, "stream_bytes": {"detailed-metrics": 200_000}})
    assert bytes_per_entry(sized)["detailed-metrics"] == 100
