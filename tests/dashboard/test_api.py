"""The dashboard's HTTP API against a real Redis: listings, filters, search, marks, errors."""

from __future__ import annotations

import json
import time

import httpx
import redis

from seismo.engine.functions import INGEST, IngestCall
from seismo.engine.keys import Keys
from tests.builders import add_alert, alert_dict
from tests.dashboard.conftest import SEARCH_SLOW, add_fingerprint, add_log


def test_health_reports_redis_and_the_anomaly_count(
    api: httpx.Client, redis_client: redis.Redis, keys: Keys
) -> None:
    add_alert(redis_client, keys, alert_dict("a1", 1000))
    body = api.get("/health").json()
    assert body["status"] == "ok"
    assert body["redis"]["connected"] is True
    assert body["redis"]["version"].startswith("8.")
    assert body["anomaly_count"] == 1
    assert body["features"] == {"search": True, "vector_sets": True}
    assert body["uptime_s"] >= 0


def test_fingerprints_are_newest_first_with_features_as_an_object(
    api: httpx.Client, redis_client: redis.Redis, keys: Keys
) -> None:
    for end in (10_000, 15_000, 20_000):
        add_fingerprint(redis_client, keys, end, [end / 1000, 1.0, 0.01, 120.0])
    items = api.get("/api/fingerprints").json()["items"]
    assert [item["window_end"] for item in items] == [20_000, 15_000, 10_000]
    assert items[0]["features"]["request_count"] == 20.0
    assert items[0]["window_start"] == 15_000


def test_fingerprints_filter_by_window_end_range_and_limit(
    api: httpx.Client, redis_client: redis.Redis, keys: Keys
) -> None:
    for end in (10_000, 15_000, 20_000, 25_000):
        add_fingerprint(redis_client, keys, end, [1, 1, 0, 100])
    ranged = api.get("/api/fingerprints", params={"since": 15_000, "until": 20_000}).json()
    assert [item["window_end"] for item in ranged["items"]] == [20_000, 15_000]
    limited = api.get("/api/fingerprints", params={"limit": 1}).json()
    assert [item["window_end"] for item in limited["items"]] == [25_000]


def test_fingerprint_service_filter_keeps_only_that_service(
    api: httpx.Client, redis_client: redis.Redis, keys: Keys
) -> None:
    services = {"checkout": {"request_rate": 3.0}, "search": {"request_rate": 7.0}}
    add_fingerprint(redis_client, keys, 5000, [1, 1, 0, 100], services=services)
    item = api.get("/api/fingerprints", params={"service": "search"}).json()["items"][0]
    assert item["services"] == {"search": {"request_rate": 7.0}}


def test_anomalies_are_newest_first_with_feedback_and_filters(
    api: httpx.Client, redis_client: redis.Redis, keys: Keys
) -> None:
    add_alert(redis_client, keys, alert_dict("a1", 1000))
    add_alert(redis_client, keys, alert_dict("a2", 2000, severity="warning", target="search"))
    items = api.get("/api/anomalies").json()["items"]
    assert [a["id"] for a in items] == ["a2", "a1"]
    assert items[0]["feedback"] is None
    warning = api.get("/api/anomalies", params={"severity": "warning"}).json()["items"]
    assert [a["id"] for a in warning] == ["a2"]
    checkout = api.get("/api/anomalies", params={"service": "checkout"}).json()["items"]
    assert [a["id"] for a in checkout] == ["a1"]
    early = api.get("/api/anomalies", params={"until": 1500}).json()["items"]
    assert [a["id"] for a in early] == ["a1"]


def test_full_text_search_finds_an_alert_by_words_of_its_summary(
    api: httpx.Client, redis_client: redis.Redis, keys: Keys
) -> None:
    add_alert(redis_client, keys, alert_dict("a1", 1000))
    add_alert(redis_client, keys, alert_dict("a2", 2000, **SEARCH_SLOW))
    found = api.get("/api/anomalies", params={"q": "checkout 5xx"}).json()["items"]
    assert [a["id"] for a in found] == ["a1"]
    stemmed = api.get("/api/anomalies", params={"q": "timeout"}).json()["items"]
    assert [a["id"] for a in stemmed] == ["a2"]
    filtered = api.get("/api/anomalies", params={"q": "rose", "service": "search"}).json()
    assert [a["id"] for a in filtered["items"]] == ["a2"]


def test_search_syntax_in_a_query_is_only_words(
    api: httpx.Client, redis_client: redis.Redis, keys: Keys
) -> None:
    add_alert(redis_client, keys, alert_dict("a1", 1000))
    for query in ("checkout @severity:{", "-(5xx|*", '"unterminated', "%%%"):
        response = api.get("/api/anomalies", params={"q": query})
        assert response.status_code == 200, query


def test_a_filter_value_of_underscores_is_a_tag_not_search_syntax(
    api: httpx.Client, redis_client: redis.Redis, keys: Keys
) -> None:
    # RediSearch reads a lone "_" in a tag as syntax: the dashboard's fuzz test found
    # "GET /api/anomalies?q=0&service=_" answering 500.
    add_alert(redis_client, keys, alert_dict("a1", 1000))
    for service in ("_", "__", "a_b"):
        response = api.get("/api/anomalies", params={"q": "0", "service": service})
        assert response.status_code == 200, service
        assert response.json()["items"] == []


def test_marks_are_stored_shown_and_announced(
    api: httpx.Client, redis_client: redis.Redis, keys: Keys
) -> None:
    add_alert(redis_client, keys, alert_dict("a1", 1000))
    add_alert(redis_client, keys, alert_dict("a2", 2000, incident_id="inc-a1", status="update"))
    answer = api.post("/api/anomalies/a1/false-alarm")
    assert answer.status_code == 200
    assert answer.json()["feedback"] == "false_alarm"
    items = api.get("/api/anomalies").json()["items"]
    assert {a["id"]: a["feedback"] for a in items} == {"a1": "false_alarm", "a2": "false_alarm"}
    api.post("/api/anomalies/a2/ack")
    assert api.get("/api/anomalies").json()["items"][1]["feedback"] == "acknowledged"
    events = [fields for _, fields in redis_client.xrange(keys.feedback_stream)]
    assert [e[b"feedback"] for e in events] == [b"false_alarm", b"acknowledged"]
    assert events[0][b"window_end"] == b"1000"


def test_marking_an_unknown_alert_is_a_404_naming_the_id(api: httpx.Client) -> None:
    response = api.post("/api/anomalies/nope/ack")
    assert response.status_code == 404
    assert response.json()["field"] == "id"


def test_each_alert_lists_similar_past_incidents_with_their_outcome(
    api: httpx.Client, redis_client: redis.Redis, keys: Keys
) -> None:
    add_alert(redis_client, keys, alert_dict("a1", 1000))
    api.post("/api/anomalies/a1/false-alarm")
    add_alert(redis_client, keys, alert_dict("a2", 2000))
    other = [{"feature": "request_rate", "normal": 10, "current": 1, "deviation": -9.0}]
    add_alert(redis_client, keys, alert_dict("a3", 3000, explanation=other))
    items = {a["id"]: a for a in api.get("/api/anomalies").json()["items"]}
    assert items["a2"]["similar"][0]["incident_id"] == "inc-a1"
    assert items["a2"]["similar"][0]["outcome"] == "false_alarm"
    assert items["a2"]["similar"][0]["similarity"] > 0.97
    assert items["a1"]["similar"] == []
    assert [s["incident_id"] for s in items["a3"]["similar"]] == []


def test_logs_are_searchable_by_word_level_and_service(
    api: httpx.Client, redis_client: redis.Redis, keys: Keys
) -> None:
    now = int(time.time() * 1000)
    add_log(redis_client, keys, "upstream request timeout after 3000 ms", service="checkout",
            timestamp=now - 2)  # fmt: skip
    add_log(redis_client, keys, "cache warmed", level="info", service="search", timestamp=now - 1)
    add_log(redis_client, keys, "db timeout", level="warning", service="search", timestamp=now)
    found = api.get("/api/logs", params={"q": "timeout"}).json()["items"]
    assert [item["message"] for item in found] == [
        "db timeout",
        "upstream request timeout after 3000 ms",
    ]
    narrowed = api.get("/api/logs", params={"q": "timeout", "level": "error"}).json()["items"]
    assert [item["service"] for item in narrowed] == ["checkout"]
    plain = api.get("/api/logs", params={"service": "search", "limit": 1}).json()["items"]
    assert [item["message"] for item in plain] == ["db timeout"]


def test_bad_parameters_are_400_naming_the_field(api: httpx.Client) -> None:
    cases = {
        "/api/fingerprints?limit=0": "limit",
        "/api/fingerprints?since=yesterday": "since",
        "/api/anomalies?severity=bad": "severity",
        "/api/logs?level=%3Cscript%3E": "level",
        "/api/anomalies?q=" + "x" * 600: "q",
    }
    for path, field in cases.items():
        response = api.get(path)
        assert response.status_code == 400, path
        assert response.json()["field"] == field, path


def test_redis_data_summarises_structures_and_streams(
    api: httpx.Client, redis_client: redis.Redis, keys: Keys
) -> None:
    now = int(time.time() * 1000)
    event = {"type": "app", "timestamp": now, "service": "api", "endpoint": "GET:/x"}
    redis_client.hset(keys.state, "last_closed", now // 5000 - 1)  # as the aggregator does
    business = {"type": "business", "timestamp": now, "metric_name": "revenue", "value": 9.5}
    events = json.dumps([{**event, "response_time": 12, "status_code": 200}, business])
    redis_client.fcall(INGEST, *IngestCall(keys, 5000, 1000, 60).fcall_args(events.encode()))
    body = api.get("/redis-data").json()
    kinds = {s["key"]: s for s in body["structures"]}
    assert kinds["service-calls"]["type"] == "cuckoo-filter"
    assert kinds["service-calls"]["memory_bytes"] > 0
    assert kinds["status-codes"]["sample"] == {"200": 1}
    assert kinds["business-metrics"]["sample"] == {"revenue": 1}
    assert kinds["endpoint-frequency"]["sample"] == {"api:GET:/x": 1}
    streams = {s["key"]: s for s in body["streams"]}
    assert streams["detailed-metrics"]["length"] == 1
    assert streams["detailed-metrics"]["last_entries"][0]["fields"]["service"] == "api"


def test_the_page_and_its_favicon_are_served(api: httpx.Client) -> None:
    page = api.get("/")
    assert page.status_code == 200
    assert "<html" in page.text.lower()
    assert api.get("/favicon.svg").status_code == 200
    assert api.get("/anomalies").headers["content-type"].startswith("text/html")
    missing = api.get("/api/nothing")
    assert missing.status_code == 404
    assert "error" in missing.json()


def test_health_shows_the_detectors_training_progress(
    api: httpx.Client, redis_client: redis.Redis, keys: Keys
) -> None:
    assert api.get("/health").json()["training"] is None
    redis_client.hset(
        keys.detector_state, mapping={"status": "training", "trained": 12, "needed": 60}
    )
    training = api.get("/health").json()["training"]
    assert training == {"trained": 12, "needed": 60, "status": "training"}


def test_the_call_graph_counts_recent_calls_between_services(
    api: httpx.Client, redis_client: redis.Redis, keys: Keys
) -> None:
    for caller in ("web", "web", "checkout"):
        redis_client.xadd(keys.detailed_metrics, {"service": "payments", "caller": caller})
    redis_client.xadd(keys.detailed_metrics, {"service": "search"})
    body = api.get("/api/graph").json()
    assert body["nodes"] == ["checkout", "payments", "search", "web"]
    assert body["edges"] == [
        {"source": "checkout", "target": "payments", "count": 1},
        {"source": "web", "target": "payments", "count": 2},
    ]


def test_demo_faults_are_started_and_listed_and_bad_ones_named(api: httpx.Client) -> None:
    started = api.post("/api/faults", json={"kind": "error-spike", "duration_s": 30})
    assert started.status_code == 201
    assert started.json()["service"] == "payments"
    listed = api.get("/api/faults").json()
    assert [f["kind"] for f in listed["active"]] == ["error-spike"]
    assert "traffic-drop" in listed["kinds"]
    bad = api.post("/api/faults", json={"kind": "meteor"})
    assert (bad.status_code, bad.json()["field"]) == (400, "kind")
    assert api.post("/api/faults", content=b"{").json()["field"] == "body"


def test_log_copies_go_when_the_capped_stream_drops_their_events(
    api: httpx.Client, redis_client: redis.Redis, keys: Keys
) -> None:
    for n in range(3):
        add_log(redis_client, keys, f"disk timeout {n}")
        time.sleep(0.002)
    assert len(api.get("/api/logs", params={"q": "timeout"}).json()["items"]) == 3
    redis_client.xtrim(keys.log_stream, maxlen=1, approximate=False)
    found = api.get("/api/logs", params={"q": "timeout"}).json()["items"]
    assert [item["message"] for item in found] == ["disk timeout 2"]
    assert len(redis_client.keys(keys.log_doc_prefix + "*")) == 1
