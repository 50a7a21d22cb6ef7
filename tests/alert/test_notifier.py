"""The notifier against real Redis and loopback receivers: routing, records, idempotency."""

from __future__ import annotations

import hashlib
import hmac

import redis

from seismo.alert.channels.webhook import SIGNATURE_HEADER, TIMESTAMP_HEADER
from seismo.engine.keys import Keys
from tests.alert.alerts import sample_alert
from tests.alert.notifying import append_alert, deliveries, running_notifier, wait_until
from tests.alert.receivers import recording_server


def routing(slack_url: str, hook_url: str) -> str:
    return f"""
[receivers.team-slack]
channel = "slack"
url = "{slack_url}/slack"

[receivers.hook]
channel = "webhook"
url = "{hook_url}/hook"

[[routes]]
match = {{ severity = ["critical"] }}
receivers = ["team-slack", "hook"]
"""


def test_a_critical_alert_reaches_slack_and_the_webhook_and_each_delivery_is_recorded(
    redis_client: redis.Redis,
) -> None:
    with (
        recording_server() as slack,
        recording_server() as hook,
        running_notifier(redis_client, routing(slack.url, hook.url)) as metrics,
    ):
        append_alert(redis_client, sample_alert())
        slack.wait_for(1)
        hook.wait_for(1)
        wait_until(lambda: len(deliveries(redis_client)) == 2)
    sent = {"channel": "slack", "outcome": "sent"}
    assert metrics.registry.get_sample_value("seismo_deliveries_total", sent) == 1
    latency = {"channel": "webhook"}
    assert metrics.registry.get_sample_value("seismo_delivery_latency_seconds_count", latency) == 1
    records = {d["receiver"]: d for d in deliveries(redis_client)}
    assert {r["outcome"] for r in records.values()} == {"sent"}
    assert records["team-slack"]["channel"] == "slack"
    assert records["hook"]["alert_id"] == sample_alert()["id"]
    request = hook.received[0]
    timestamp = request.headers[TIMESTAMP_HEADER]
    expected = hmac.new(b"default-secret", timestamp.encode() + b"." + request.body, hashlib.sha256)
    assert request.headers[SIGNATURE_HEADER] == "sha256=" + expected.hexdigest()


def test_an_alert_no_route_matches_goes_nowhere_and_is_acknowledged(
    redis_client: redis.Redis,
) -> None:
    with (
        recording_server() as slack,
        recording_server() as hook,
        running_notifier(redis_client, routing(slack.url, hook.url)),
    ):
        append_alert(redis_client, sample_alert(severity="info"))
        wait_until(
            lambda: (
                redis_client.xpending(Keys().anomalies, "notifiers")["pending"] == 0
                and redis_client.xinfo_groups(Keys().anomalies)[0]["entries-read"] == 1
            )
        )
    assert slack.received == [] and hook.received == []
    assert deliveries(redis_client) == []


def test_a_second_notifier_reading_the_same_alert_sends_nothing_again(
    redis_client: redis.Redis,
) -> None:
    with recording_server() as slack, recording_server() as hook:
        with running_notifier(redis_client, routing(slack.url, hook.url)):
            append_alert(redis_client, sample_alert())
            wait_until(lambda: len(deliveries(redis_client)) == 2)
        # The same alert appended again (a takeover re-reading it): the markers hold.
        with running_notifier(redis_client, routing(slack.url, hook.url), consumer="other"):
            append_alert(redis_client, sample_alert())
            wait_until(
                lambda: (
                    redis_client.xinfo_groups(Keys().anomalies)[0]["entries-read"] == 2
                    and redis_client.xpending(Keys().anomalies, "notifiers")["pending"] == 0
                )
            )
    assert (len(slack.received), len(hook.received)) == (1, 1)
    assert len(deliveries(redis_client)) == 2
