"""The dashboard's delivery routes: an alert's deliveries, and silences made, listed and
expired over HTTP (what the UI and operators use)."""

from __future__ import annotations

import httpx
import redis

from seismo.engine.keys import Keys
from tests.builders import add_alert, alert_dict


def add_delivery(client: redis.Redis, keys: Keys, incident: str, receiver: str) -> None:
    client.xadd(
        keys.deliveries,
        {"alert_id": "x", "incident_id": incident, "receiver": receiver, "channel": "slack",
         "action": "open", "reason": "route", "outcome": "sent", "attempts": "1",
         "latency_ms": "12.5", "status": "200", "error": "", "detail": "", "silence_id": "",
         "time": "1000"},
    )  # fmt: skip


def test_an_alert_shows_the_deliveries_of_its_incident_oldest_first(
    api: httpx.Client, redis_client: redis.Redis, keys: Keys
) -> None:
    alert = alert_dict("a1", 1000)
    add_alert(redis_client, keys, alert)
    add_delivery(redis_client, keys, alert["incident_id"], "team-slack")
    add_delivery(redis_client, keys, "another-incident", "elsewhere")
    add_delivery(redis_client, keys, alert["incident_id"], "oncall")
    answer = api.get("/api/anomalies/a1/deliveries")
    assert answer.status_code == 200
    items = answer.json()["items"]
    assert [item["receiver"] for item in items] == ["team-slack", "oncall"]
    assert (items[0]["latency_ms"], items[0]["status"]) == (12.5, 200)
    assert api.get("/api/anomalies/nope/deliveries").status_code == 404


def test_a_silence_is_created_listed_and_expired(api: httpx.Client) -> None:
    made = api.post(
        "/api/silences",
        json={"matchers": {"target": ["checkout*"]}, "duration_s": 3600, "comment": "deploy"},
    )
    assert made.status_code == 201, made.text
    silence = made.json()
    assert silence["matchers"] == {"target": ["checkout*"]}
    assert silence["ends_at"] - silence["starts_at"] == 3_600_000
    listed = api.get("/api/silences").json()["items"]
    assert [s["id"] for s in listed] == [silence["id"]]
    ended = api.post(f"/api/silences/{silence['id']}/expire")
    assert ended.status_code == 200 and ended.json()["ends_at"] < silence["ends_at"]
    assert api.post("/api/silences/nope/expire").status_code == 404


def test_a_silence_that_cannot_be_made_is_a_400_naming_the_field(api: httpx.Client) -> None:
    cases = {
        "duration_s": {"matchers": {"target": ["x"]}},
        "matchers.severity.0": {"matchers": {"severity": ["loud"]}, "duration_s": 60},
        "matchers": {"matchers": {}, "duration_s": 60},
        "body": None,
    }
    for field, body in cases.items():
        answer = api.post("/api/silences", json=body)
        assert answer.status_code == 400, (field, answer.text)
        assert answer.json()["field"] == field, answer.json()
