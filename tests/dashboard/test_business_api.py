"""The business view's API against a real Redis: the incident report's rows and figures, an
incident's cost, the KPIs view and the objectives, each against numbers worked out by hand."""

from __future__ import annotations

import json
import time
from pathlib import Path

import httpx
import pytest
import redis

from seismo.config import ConfigError, Settings
from seismo.dashboard.app import create_app
from seismo.detect.metric_watch import MetricState
from seismo.engine.keys import Keys
from tests.builders import add_alert, alert_dict
from tests.dashboard.business_data import (
    BASE,
    HOUR_MS,
    WINDOW_MS,
    add_window,
    checkout_windows,
    revenue_drop,
    three_incidents,
)
from tests.dashboard.conftest import ServerThread


def incidents(api: httpx.Client, since: int, until: int) -> dict[str, object]:
    answer = api.get("/api/incidents", params={"since": since, "until": until})
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def test_each_incident_is_one_row_with_its_times_marks_and_who_acknowledged(
    api: httpx.Client, redis_client: redis.Redis, keys: Keys
) -> None:
    three_incidents(redis_client, keys)
    rows = {r["id"]: r for r in incidents(api, BASE - 1000, BASE + 3 * HOUR_MS)["items"]}
    assert list(rows) == ["inc-C", "inc-B", "inc-A"]  # newest first
    a, b, c = rows["inc-A"], rows["inc-B"], rows["inc-C"]
    assert a["origin"] == "service:checkout" and a["impacted"] == ["payments"]
    assert (a["opened"], a["resolved"], a["duration_s"]) == (BASE, BASE + 300_000, 300.0)
    assert (a["acknowledged_by"], a["time_to_acknowledge_s"]) == ("ana", 60.0)
    assert a["false_alarm"] is False and a["alerts"] == 2
    assert b["impacted"] == ["payments"] and b["false_alarm"] is True
    assert b["acknowledged_at"] is None and b["duration_s"] == 120.0
    assert c["origin"] == "metric:revenue" and c["resolved"] is None
    assert (c["acknowledged_by"], c["time_to_acknowledge_s"]) == ("bo", 30.0)


def test_the_report_figures_match_the_hand_computed_ones(
    api: httpx.Client, redis_client: redis.Redis, keys: Keys
) -> None:
    """MTTA over 60 s and 30 s: mean 45, p90 30 + 0.9 x 30 = 57. MTTR over 300 s and 120 s:
    mean 210, p90 120 + 0.9 x 180 = 282. One false alarm of three."""
    three_incidents(redis_client, keys)
    figures = incidents(api, BASE - 1000, BASE + 3 * HOUR_MS)["figures"]
    assert figures["incidents"] == 3
    assert figures["per_day"] == {"2025-11-30": 3}
    assert figures["per_service"] == {"checkout": 2, "payments": 2, "revenue": 1}
    assert figures["mtta"] == {"count": 2, "mean_s": 45.0, "p90_s": 57.0}
    assert figures["mttr"] == {"count": 2, "mean_s": 210.0, "p90_s": 282.0}
    assert (figures["false_alarms"], figures["false_alarm_share"]) == (1, 0.3333)
    assert figures["noisiest_origins"][0] == {"origin": "service:checkout", "incidents": 2}


def test_the_period_keeps_only_incidents_opened_in_it(
    api: httpx.Client, redis_client: redis.Redis, keys: Keys
) -> None:
    three_incidents(redis_client, keys)
    body = incidents(api, BASE + HOUR_MS - 1000, BASE + HOUR_MS + 1000)
    assert [r["id"] for r in body["items"]] == ["inc-B"]


def test_a_bad_period_is_a_400_naming_the_field(api: httpx.Client) -> None:
    backwards = api.get("/api/incidents", params={"since": 2000, "until": 1000})
    assert backwards.status_code == 400 and backwards.json()["field"] == "since"
    too_long = api.get("/api/metrics/business", params={"since": 0, "until": 7 * HOUR_MS})
    assert too_long.status_code == 400 and too_long.json()["field"] == "since"
    word = api.get("/api/incidents", params={"since": "yesterday"})
    assert word.status_code == 400 and word.json()["field"] == "since"


def test_an_incident_that_moved_revenue_is_costed_against_its_normal(
    api: httpx.Client, redis_client: redis.Redis, keys: Keys
) -> None:
    """Baseline totals 100 and 120: mean 110, sample variance 2400 / 23 = 104.35. Six windows
    of 5 x 10 EUR bring 300 against 6 x 110 = 660: -360 EUR. Uncertainty 1.96 x
    sqrt(104.35 x (6 + 36 / 24)) = 54.83 EUR."""
    revenue_drop(redis_client, keys)
    report = incidents(api, BASE - 1000, BASE + HOUR_MS)
    (row,) = report["items"]
    cost = row["cost"]
    assert report["figures"]["cost"] == [{"metric": "revenue", "unit": "EUR",
        "direction": "below", "impact": -360.0, "incidents": 1}]  # fmt: skip
    assert (cost["metric"], cost["unit"], cost["windows"]) == ("revenue", "EUR", 6)
    assert cost["impact"] == -360.0 and cost["normal"] == 660.0
    assert cost["uncertainty"] == pytest.approx(54.83, abs=0.01)
    assert cost["text"] == "about 360 EUR of revenue below normal over 0.5 minutes (± 55 EUR)"
    assert json.loads(redis_client.hget(keys.incident_costs, "inc-R") or "null") == cost
    alerts = api.get("/api/anomalies").json()["items"]
    assert {a["id"]: a["cost"]["impact"] for a in alerts} == {"r-open": -360.0, "r-end": -360.0}


def test_nothing_is_claimed_when_no_kpi_moved(
    api: httpx.Client, redis_client: redis.Redis, keys: Keys
) -> None:
    """Six windows of 5 x 22 EUR = 110 each: exactly the normal, no cost."""
    revenue_drop(redis_client, keys, during_mean=22.0)
    (row,) = incidents(api, BASE - 1000, BASE + HOUR_MS)["items"]
    assert row["cost"] is None
    report = incidents(api, BASE - 1000, BASE + HOUR_MS)
    assert report["figures"]["cost"] == []


def test_the_kpis_view_has_each_metric_with_its_windows_range_normal_alerts_and_cost(
    api: httpx.Client, redis_client: redis.Redis, keys: Keys
) -> None:
    revenue_drop(redis_client, keys)
    add_window(redis_client, keys, BASE + 7 * WINDOW_MS,
               {"checkout.cart_size": {"count": 4, "mean": 3.0}},
               {"checkout": {"request_count": 4.0}})  # fmt: skip
    add_alert(redis_client, keys, alert_dict("m1", BASE + 3 * WINDOW_MS, incident_id="inc-R",
                                             scope="metric", target="revenue",
                                             status="update"))  # fmt: skip
    assert {"normal", "spread"} <= set(MetricState.__dataclass_fields__)
    redis_client.hset(keys.metric_detectors, "revenue", json.dumps({"normal": 11.0,
                                                                   "spread": 0.4}))  # fmt: skip
    since, until = BASE - 24 * WINDOW_MS, BASE + 8 * WINDOW_MS
    body = api.get("/api/metrics/business", params={"since": since, "until": until}).json()
    by_name = {item["name"]: item for item in body["items"]}
    revenue, cart = by_name["revenue"], by_name["checkout.cart_size"]
    assert (revenue["kind"], revenue["unit"], revenue["expected_range"]) == (
        "business", "EUR", [5.0, 400.0])  # fmt: skip
    assert revenue["normal"] == {"normal": 11.0, "low": 10.0, "high": 12.0}
    assert len(revenue["points"]) == 31
    assert revenue["points"][24] == [BASE, 10.0, 5]
    assert [a["id"] for a in revenue["alerts"]] == ["m1"]
    assert [c["incident_id"] for c in revenue["costs"]] == ["inc-R"]
    assert (cart["kind"], cart["expected_range"], cart["normal"]) == ("custom", None, None)
    assert cart["points"] == [[BASE + 7 * WINDOW_MS, 3.0, 4]]


def test_an_acknowledgement_records_who_gave_it(
    api: httpx.Client, redis_client: redis.Redis, keys: Keys
) -> None:
    now = int(time.time() * 1000)
    add_alert(redis_client, keys, alert_dict("a1", now))
    answer = api.post("/api/anomalies/a1/ack", params={"by": "ana"})
    assert answer.status_code == 200 and answer.json()["by"] == "ana"
    (row,) = incidents(api, now - HOUR_MS, now + 1000)["items"]
    assert row["acknowledged_by"] == "ana"
    odd = api.post("/api/anomalies/a1/ack", params={"by": "<script>"})
    assert odd.status_code == 400 and odd.json()["field"] == "by"


def test_objectives_show_budget_left_and_burn_rate_from_the_hourly_counts(
    api: httpx.Client, redis_client: redis.Redis, keys: Keys
) -> None:
    """Availability 99 %: 10 errors of 2,000 requests is 0.5 %, half the 1 % budget: 0.5 left,
    burning at 0.5. Latency 90 % of windows at p95 <= 300 ms: 2 bad of 10 is 20 %, twice the
    10 % budget: -1 left, burning at 2."""
    checkout_windows(redis_client, keys, int(time.time() * 1000))
    new = {"service": "checkout", "availability": 99.0, "latency_p95_ms": 300,
           "latency_target": 90.0}  # fmt: skip
    assert api.post("/api/objectives", json=new).status_code == 200
    (item,) = api.get("/api/objectives").json()["items"]
    availability, latency = item["budgets"]
    assert (availability["total"], availability["bad"]) == (2000, 10)
    assert (availability["budget_left"], availability["burn_rate"]) == (0.5, 0.5)
    assert (latency["total"], latency["bad"], latency["achieved"]) == (10, 2, 80.0)
    assert (latency["budget_left"], latency["burn_rate"]) == (-1.0, 2.0)
    assert item["source"] == "ui"
    again = api.get("/api/objectives").json()["items"][0]["budgets"][0]
    assert again["total"] == 2000, "a window is counted once however often the view is read"


def test_a_bad_objective_is_a_400_naming_its_field(api: httpx.Client) -> None:
    odd = api.post("/api/objectives", json={"service": "checkout", "latency_p95_ms": 333})
    assert odd.status_code == 400 and odd.json()["field"] == "latency_p95_ms"
    none = api.post("/api/objectives", json={"service": "checkout"})
    assert none.status_code == 400 and none.json()["field"] == "checkout"
    high = api.post("/api/objectives", json={"service": "c", "availability": 100})
    assert high.status_code == 400 and high.json()["field"] == "availability"
    assert api.delete("/api/objectives/nobody").status_code == 404


def test_the_objectives_file_is_read_and_a_bad_one_stops_the_start(
    redis_server: object, redis_client: redis.Redis, keys: Keys, tmp_path: Path
) -> None:
    good = tmp_path / "objectives.toml"
    good.write_text("[checkout]\navailability = 99.9\n")
    url = redis_server.url  # type: ignore[attr-defined]
    settings = Settings(redis_url=url, objectives_file=good)
    with ServerThread(create_app(settings, background=False)) as running:
        body = httpx.get(f"{running.url}/api/objectives").json()
    assert [(i["service"], i["availability"], i["source"]) for i in body["items"]] == [
        ("checkout", 99.9, "file")]  # fmt: skip
    bad = tmp_path / "bad.toml"
    bad.write_text("[checkout]\nlatency_p95_ms = 333\n")
    with pytest.raises(ConfigError, match="SEISMO_OBJECTIVES_FILE"):
        create_app(Settings(redis_url=url, objectives_file=bad))


def test_the_dashboard_costs_a_resolved_incident_by_itself_for_its_alerts(
    server: str, redis_client: redis.Redis, keys: Keys
) -> None:
    base = int(time.time() * 1000) - 10 * 60_000
    revenue_drop(redis_client, keys, base=base - base % WINDOW_MS)
    deadline = time.monotonic() + 15
    costs: dict[str, object] = {}
    while time.monotonic() < deadline and len(costs) < 2:
        alerts = httpx.get(f"{server}/api/anomalies").json()["items"]
        costs = {a["id"]: a["cost"]["impact"] for a in alerts if a["cost"]}
        time.sleep(0.2)
    assert costs == {"r-open": -360.0, "r-end": -360.0}


def test_an_incident_opened_before_the_period_is_not_counted_in_it(
    api: httpx.Client, redis_client: redis.Redis, keys: Keys
) -> None:
    add_alert(redis_client, keys, alert_dict("o1", BASE, incident_id="inc-O"))
    add_alert(redis_client, keys, alert_dict("u1", BASE + 2 * HOUR_MS, incident_id="inc-O",
                                             status="update", target="payments"))  # fmt: skip
    later = incidents(api, BASE + 2 * HOUR_MS - 600_000, BASE + 3 * HOUR_MS)
    assert later["items"] == []
    (row,) = incidents(api, BASE - 1000, BASE + 3 * HOUR_MS)["items"]
    assert (row["id"], row["alerts"], row["impacted"]) == ("inc-O", 2, ["payments"])
