"""Hand-made incidents, marks and KPI windows for the business view's tests (API, CLI, browser).

Written as the other roles write them: alerts appended to ``anomalies``, operators' marks to
``feedback-stream`` and ``alert-feedback``, fingerprints to ``system-fingerprints`` (with
ids just after each window's end, as the window-closing Function gives them), business
events to the business stream. The figures each test expects are worked out in its
docstring from these numbers.
"""

from __future__ import annotations

import json

import redis

from seismo.engine.keys import Keys
from seismo.fingerprint.entry import Fingerprint
from tests.builders import add_alert, alert_dict

WINDOW_MS = 5000
HOUR_MS = 3_600_000
BASE = 1_764_496_800_000
"""2025-11-30 10:00:00 UTC: incident A opens here."""


def mark(client: redis.Redis, keys: Keys, incident: str, outcome: str, at: int, by: str) -> None:
    """An operator's mark, as ``IncidentMemory.mark`` stores it."""
    client.hset(keys.alert_feedback, incident, outcome)
    event = {"alert_id": incident, "incident_id": incident, "feedback": outcome,
             "time": str(at), "by": by}  # fmt: skip
    client.xadd(keys.feedback_stream, event)  # type: ignore[arg-type]


def three_incidents(client: redis.Redis, keys: Keys, base: int = BASE) -> None:
    """A: checkout, payments impacted, acknowledged by ana after 60 s, resolved after 300 s.
    B: checkout then payments, resolved after 120 s, never acknowledged, a false alarm.
    C: the revenue metric, acknowledged by bo after 30 s, still open."""
    a, b, c = base, base + HOUR_MS, base + 2 * HOUR_MS
    add_alert(client, keys, alert_dict("a-open", a, incident_id="inc-A", impacted=["payments"]))
    add_alert(client, keys, alert_dict("a-end", a + 300_000, incident_id="inc-A",
                                       status="resolved"))  # fmt: skip
    add_alert(client, keys, alert_dict("b-open", b, incident_id="inc-B", severity="warning"))
    add_alert(client, keys, alert_dict("b-move", b + 20_000, incident_id="inc-B",
                                       target="payments", status="update"))  # fmt: skip
    add_alert(client, keys, alert_dict("b-end", b + 120_000, incident_id="inc-B",
                                       status="resolved"))  # fmt: skip
    add_alert(client, keys, alert_dict("c-open", c, incident_id="inc-C", scope="metric",
                                       target="revenue", severity="warning"))  # fmt: skip
    mark(client, keys, "inc-A", "acknowledged", a + 60_000, "ana")
    mark(client, keys, "inc-B", "false_alarm", b + 600_000, "ana")
    mark(client, keys, "inc-C", "acknowledged", c + 30_000, "bo")


def add_window(
    client: redis.Redis,
    keys: Keys,
    start: int,
    metrics: dict[str, dict[str, float]],
    services: dict[str, dict[str, float]] | None = None,
) -> None:
    """The fingerprint of the window starting at ``start``, stream id just after its end."""
    window = Fingerprint(start, start + WINDOW_MS, {"request_count": 1.0}, services or {},
                         metrics)  # fmt: skip
    client.xadd(keys.fingerprints, window.to_entry(), id=f"{start + WINDOW_MS + 1}-0")  # type: ignore[arg-type]


def add_revenue_event(
    client: redis.Redis, keys: Keys, low: float, high: float, at: int = BASE
) -> None:
    """One revenue event in the business stream, as the ingest Function writes it."""
    fields = {"timestamp": str(at), "metric_name": "revenue", "value": "50",
              "expected_range": json.dumps([low, high]),
              "metadata": json.dumps({"currency": "EUR"})}  # fmt: skip
    client.xadd(keys.business_stream, fields)  # type: ignore[arg-type]


def revenue_drop(
    client: redis.Redis, keys: Keys, during_mean: float = 10.0, base: int = BASE
) -> None:
    """24 baseline windows of 10 orders alternating 10 and 12 EUR (totals 100, 120), then an
    incident on checkout over 6 windows of 5 orders of ``during_mean`` EUR, resolved at their
    end, then one normal window; the incident's first window starts at ``base``."""
    first = base - 24 * WINDOW_MS
    for i in range(24):
        add_window(client, keys, first + i * WINDOW_MS,
                   {"revenue": {"count": 10, "mean": 10.0 if i % 2 else 12.0}})  # fmt: skip
    for i in range(6):
        add_window(client, keys, base + i * WINDOW_MS,
                   {"revenue": {"count": 5, "mean": during_mean}})  # fmt: skip
    add_window(client, keys, base + 6 * WINDOW_MS, {"revenue": {"count": 10, "mean": 11.0}})
    add_revenue_event(client, keys, 5.0, 400.0, base)
    opened = alert_dict("r-open", base + WINDOW_MS + 2000, incident_id="inc-R")
    opened["window_start"] = base
    add_alert(client, keys, opened)
    add_alert(client, keys, alert_dict("r-end", base + 6 * WINDOW_MS, incident_id="inc-R",
                                       status="resolved"))  # fmt: skip


def checkout_windows(client: redis.Redis, keys: Keys, now_ms: int) -> None:
    """Ten windows of 200 checkout requests at 0.5 % 5xx (1 error each), two with p95 350 ms."""
    for i in range(10):
        vector = {"request_count": 200.0, "error_rate_5xx": 0.005,
                  "latency_p95": 350.0 if i < 2 else 120.0}  # fmt: skip
        end = now_ms - i * WINDOW_MS
        window = Fingerprint(end - WINDOW_MS, end, {"request_count": 200.0},
                             {"checkout": vector})  # fmt: skip
        client.xadd(keys.fingerprints, window.to_entry())  # type: ignore[arg-type]
