"""Each channel's message against its vendor's documented format, and the HTTP answers that
decide a retry (429 with Retry-After, a slow receiver, a final 4xx), on loopback servers."""

from __future__ import annotations

import asyncio
import random
import re
from email.message import Message
from typing import Any

from seismo.alert.channels import ChannelEnv, RetryPolicy, build_channel
from seismo.alert.channels.base import Delivery
from seismo.alert.channels.http import retry_after_s
from seismo.alert.channels.text import title
from seismo.alert.channels.webhook import DELIVERY_HEADER, signature
from tests.alert.alerts import sample_alert
from tests.alert.endpoints import endpoint
from tests.alert.receivers import Answer, recording_server

POLICY = RetryPolicy(timeout_s=0.3, attempts=3, backoff_s=0.01, backoff_cap_s=0.05)
ENV = ChannelEnv(POLICY, "http://dash.example:8080", "default-secret")
RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")
SLACK_BLOCKS = {"header", "section", "context", "actions", "divider"}


def send(channel: str, options: dict[str, Any], *alerts: dict[str, Any]) -> list[Delivery]:
    async def go() -> list[Delivery]:
        built = build_channel(channel, ENV, options)
        try:
            return [await built.send(alert) for alert in alerts]
        finally:
            await built.close()

    return asyncio.run(go())


def test_slack_gets_a_block_kit_message_with_facts_explanation_and_a_dashboard_link() -> None:
    with recording_server() as slack:
        send("slack", {"url": slack.url + "/services/x"}, sample_alert())
    message = slack.received[0].json()
    assert message["text"].startswith("[CRITICAL] New:")
    blocks = message["blocks"]
    assert {block["type"] for block in blocks} <= SLACK_BLOCKS
    header = blocks[0]
    assert header["type"] == "header" and header["text"]["type"] == "plain_text"
    assert len(header["text"]["text"]) <= 150
    fields = blocks[1]["fields"]
    assert len(fields) <= 10 and all(f["type"] == "mrkdwn" for f in fields)
    assert any("orders per minute down 40%" in f["text"] for f in fields)
    assert "latency_p99" in blocks[2]["text"]["text"]
    button = blocks[-1]["elements"][0]
    assert button["url"] == "http://dash.example:8080/#/anomalies?alert=a1b2c3d4e5f60718"


def test_slack_says_an_update_and_a_resolve_in_a_new_message() -> None:
    with recording_server() as slack:
        send(
            "slack",
            {"url": slack.url},
            sample_alert(status="update", id="u1"),
            sample_alert(status="resolved", id="r1"),
        )
    texts = [r.json()["text"] for r in slack.received]
    assert texts[0].startswith("[CRITICAL] Update:")
    assert texts[1].startswith("[CRITICAL] Resolved:")


def test_a_resolve_whose_summary_says_resolved_is_not_headed_twice() -> None:
    """The detector's resolves read "Resolved: <what was open>" already."""
    resolved = sample_alert(status="resolved", summary="Resolved: checkout: p99 latency 12x")

    assert title(resolved) == "[CRITICAL] Resolved: checkout: p99 latency 12x"


def test_pagerduty_triggers_acknowledges_and_resolves_one_incident_by_its_dedup_key() -> None:
    with recording_server() as pd:
        send(
            "pagerduty",
            {"routing_key": "KEY", "url": pd.url + "/v2/enqueue"},
            sample_alert(),
            sample_alert(status="acknowledged", id="k1"),
            sample_alert(status="resolved", id="r1"),
        )
    events = [r.json() for r in pd.received]
    assert [e["event_action"] for e in events] == ["trigger", "acknowledge", "resolve"]
    assert {e["dedup_key"] for e in events} == {"inc-42"}
    assert {e["routing_key"] for e in events} == {"KEY"}
    payload = events[0]["payload"]
    assert payload["severity"] in {"critical", "error", "warning", "info"}
    assert payload["source"] and payload["component"] == "checkout"
    assert len(payload["summary"]) <= 1024 and RFC3339.match(payload["timestamp"])
    assert payload["custom_details"]["business_impact"] == "orders per minute down 40%"
    assert "payload" not in events[1] and "payload" not in events[2]


def test_alertmanager_gets_a_postable_alert_list_with_ends_at_only_on_resolve() -> None:
    with recording_server() as am:
        send("alertmanager", {"url": am.url}, sample_alert(), sample_alert(status="resolved"))
    assert {r.path for r in am.received} == {"/api/v2/alerts"}
    opened, resolved = (r.json() for r in am.received)
    assert isinstance(opened, list) and len(opened) == 1
    labels = opened[0]["labels"]
    assert labels["alertname"] and labels["severity"] == "critical"
    assert (labels["scope"], labels["target"]) == ("service", "checkout")
    assert all(isinstance(v, str) for v in labels.values())
    assert RFC3339.match(opened[0]["startsAt"]) and "endsAt" not in opened[0]
    assert resolved[0]["labels"] == labels and RFC3339.match(resolved[0]["endsAt"])


def test_a_webhook_signature_verifies_and_the_delivery_id_is_the_same_on_a_retry() -> None:
    with recording_server() as hook:
        hook.answer_next(Answer(500, b"oops"))
        (delivery,) = send("webhook", {"url": hook.url, "secret": "k"}, sample_alert())
    assert (delivery.outcome, delivery.attempts) == ("sent", 2)
    first, second = hook.received
    assert first.headers[DELIVERY_HEADER] == second.headers[DELIVERY_HEADER]
    for request in (first, second):
        stamp = request.headers["X-Seismo-Timestamp"]
        assert request.headers["X-Seismo-Signature"] == signature("k", stamp, request.body)
    assert first.json()["alert"]["id"] == "a1b2c3d4e5f60718"


def test_email_has_a_plain_and_an_html_part() -> None:
    with endpoint("email") as point:
        send("email", point.options, sample_alert())
        assert point.mailbox is not None
        (message,) = point.mailbox.messages
    assert message["Subject"].startswith("[CRITICAL] New:")
    parts: list[Message] = [p for p in message.walk() if not p.is_multipart()]
    assert [p.get_content_type() for p in parts] == ["text/plain", "text/html"]
    assert "<table>" in str(parts[1].get_payload(decode=True))


def test_a_429_is_retried_after_the_retry_after_the_receiver_asked_for() -> None:
    with recording_server() as hook:
        hook.answer_next(Answer(429, b"slow down", {"Retry-After": "0"}))
        (delivery,) = send("webhook", {"url": hook.url}, sample_alert())
    assert (delivery.outcome, delivery.attempts, len(hook.received)) == ("sent", 2, 2)


def test_retry_after_is_honoured_up_to_the_cap_and_backoff_is_jittered_below_it() -> None:
    policy = RetryPolicy(backoff_s=1.0, backoff_cap_s=10.0, rng=random.Random(1))
    assert policy.wait_before(2, 3.0) == 3.0
    assert policy.wait_before(2, 3600.0) == 10.0
    waits = [policy.wait_before(attempt, None) for attempt in (2, 3, 4, 5, 6, 7)]
    assert all(0 <= w <= min(10.0, 2 ** (i)) for i, w in enumerate(waits))
    assert len(set(waits)) == len(waits)
    assert retry_after_s("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412470.0) == 10.0
    assert retry_after_s("soon") is None


def test_a_receiver_slower_than_the_timeout_ends_in_a_dead_letter_naming_it() -> None:
    with recording_server() as slow:
        slow.default = Answer(200, b"ok", delay_s=1.0)
        (delivery,) = send("webhook", {"url": slow.url}, sample_alert())
    assert (delivery.outcome, delivery.attempts) == ("dead_letter", 3)
    assert "no answer within 0.3 s" in (delivery.error or "")


def test_a_rejected_message_is_not_retried() -> None:
    with recording_server() as hook:
        hook.default = Answer(400, b"invalid_payload")
        (delivery,) = send("slack", {"url": hook.url}, sample_alert())
    assert (delivery.outcome, delivery.attempts, delivery.status) == ("dead_letter", 1, 400)
    assert "invalid_payload" in (delivery.error or "")
