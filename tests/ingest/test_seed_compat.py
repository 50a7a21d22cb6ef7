"""The seed's own examples, replayed: its clients and curl/jq lines work as written.

The seed's clients sent ``"timestamp": datetime.now().isoformat()`` inside ``metrics``: a
local time without offset. Seismo reads it as the event time, in UTC, and says so.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import redis

from seismo.dashboard.app import create_app as create_dashboard
from seismo.engine.keys import Keys
from seismo.engine.server import EmbeddedRedis
from seismo.ingest.normalize import NAIVE_NOTE
from tests import builders
from tests.dashboard.conftest import ServerThread, add_fingerprint, dashboard_settings


def naive(moment: datetime) -> str:
    """What the seed's ``datetime.now().isoformat()`` sent: no offset."""
    return moment.replace(tzinfo=None).isoformat()


def seed_metric(timestamp: str) -> dict[str, object]:
    """The seed README's ``client.send_metric`` payload."""
    return {
        "service": "api",
        "endpoint": "GET:/api/data",
        "metrics": {"response_time": 120, "status_code": 200, "timestamp": timestamp},
    }


def test_a_naive_timestamp_inside_metrics_is_the_event_time_read_as_utc_and_said_so(
    collector: httpx.Client, redis_client: redis.Redis, keys: Keys
) -> None:
    moment = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=2)
    answer = collector.post("/api/metrics", json=seed_metric(naive(moment)))
    assert answer.status_code == 200
    assert answer.json() == {"status": "accepted", "late": False, "notes": [NAIVE_NOTE]}
    [(_, fields)] = redis_client.xrange(keys.detailed_metrics)
    assert int(fields[b"timestamp"]) == int(moment.timestamp() * 1000)
    assert b"metrics" not in fields or b"timestamp" not in fields[b"metrics"]
    with_offset = seed_metric(moment.isoformat())
    assert "notes" not in collector.post("/api/metrics", json=with_offset).json()


def test_a_naive_time_east_of_utc_is_accepted_within_the_skew_limit_and_refused_past_it(
    collector: httpx.Client,
) -> None:
    now = datetime.now(UTC)
    in_berlin = collector.post("/api/metrics", json=seed_metric(naive(now + timedelta(minutes=50))))
    assert in_berlin.json()["notes"] == [NAIVE_NOTE]
    in_tokyo = collector.post("/api/metrics", json=seed_metric(naive(now + timedelta(hours=9))))
    assert in_tokyo.status_code == 422
    assert in_tokyo.json()["field"] == "metrics.timestamp"
    assert "no UTC offset" in in_tokyo.json()["error"]


def test_batch_items_with_a_naive_timestamp_carry_the_note(collector: httpx.Client) -> None:
    moment = naive(datetime.now(UTC) - timedelta(seconds=5))
    item = {"type": "application", "service": "api", "endpoint": "GET:/", "response_time": 1,
            "status_code": 200}  # fmt: skip
    body = {"metrics": [{**item, "timestamp": moment}, item]}
    results = collector.post("/api/batch", json=body).json()["items"]
    assert results == [
        {"index": 0, "status": "accepted", "note": NAIVE_NOTE},
        {"index": 1, "status": "accepted"},
    ]


def test_the_readme_cms_line_finds_the_seed_endpoint_by_service(
    collector: httpx.Client, redis_client: redis.Redis
) -> None:
    collector.post("/api/metrics", json=seed_metric(naive(datetime.now(UTC))))
    found = redis_client.execute_command("CMS.QUERY", "endpoint-frequency", "api:GET:/api/data")
    assert found == [1]


@pytest.fixture
def dashboard(redis_server: EmbeddedRedis, keys: Keys) -> Iterator[httpx.Client]:
    app = create_dashboard(dashboard_settings(redis_server.url, keys), background=False)
    with ServerThread(app) as running, httpx.Client(base_url=running.url, timeout=10) as client:
        yield client


def test_seed_scripts_read_bare_lists_with_timestamps_and_the_anomalies_count(
    dashboard: httpx.Client, redis_client: redis.Redis, keys: Keys
) -> None:
    now_ms = int(time.time() * 1000)
    add_fingerprint(redis_client, keys, now_ms - 5000, [1.0, 2.0, 0.0, 80.0])
    add_fingerprint(redis_client, keys, now_ms, [1.0, 2.0, 0.0, 80.0])
    builders.add_alert(redis_client, keys, builders.alert_dict("a1", now_ms))
    anomalies = dashboard.get("/api/anomalies", params={"format": "list"}).json()
    assert len(anomalies) == 1  # jq 'length'
    expected = datetime.fromtimestamp(now_ms / 1000, UTC).isoformat().replace("+00:00", "Z")
    assert [a["timestamp"] for a in anomalies] == [expected]  # jq '.[].timestamp'
    fingerprints = dashboard.get("/api/fingerprints", params={"format": "list"}).json()
    assert fingerprints[0]["timestamp"] == expected  # newest first
    assert len(fingerprints) == 2
    assert "items" in dashboard.get("/api/anomalies").json()
    bad = dashboard.get("/api/anomalies", params={"format": "csv"})
    assert (bad.status_code, bad.json()["field"]) == (400, "format")
    health = dashboard.get("/health").json()
    assert health["anomalies_count"] == health["anomaly_count"] == 1
