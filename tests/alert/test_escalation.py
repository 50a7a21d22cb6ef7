"""Escalation steps, operator acknowledgement, resolve and silences through a running
notifier, real Redis and loopback receivers (Slack at once, PagerDuty as the step)."""

from __future__ import annotations

import json
import time

import redis

from seismo.alert.memory import IncidentMemory
from seismo.alert.silence import new_silence
from seismo.engine.keys import Keys
from tests.alert.alerts import sample_alert
from tests.alert.notifying import append_alert, deliveries, running_notifier, wait_until
from tests.alert.receivers import recording_server


def routing(slack_url: str, pd_url: str, after: str) -> str:
    return f"""
[receivers.slack]
channel = "slack"
url = "{slack_url}"

[receivers.pager]
channel = "pagerduty"
routing_key = "KEY"
url = "{pd_url}/v2/enqueue"

[[routes]]
match = {{ severity = ["critical"], target = ["check*"] }}
receivers = ["slack"]

[[routes.escalation]]
after = "{after}"
receivers = ["pager"]
"""


def records(client: redis.Redis, **where: str) -> list[dict[str, str]]:
    return [d for d in deliveries(client) if all(d.get(k) == v for k, v in where.items())]


def test_an_unacknowledged_incident_escalates_then_acknowledge_and_resolve_reach_pagerduty(
    redis_client: redis.Redis,
) -> None:
    with (
        recording_server() as slack,
        recording_server() as pd,
        running_notifier(redis_client, routing(slack.url, pd.url, "200ms")),
    ):
        append_alert(redis_client, sample_alert())
        slack.wait_for(1)
        (trigger,) = pd.wait_for(1)
        assert trigger.json()["event_action"] == "trigger"
        IncidentMemory(redis_client, Keys()).mark(sample_alert(), "acknowledged")
        pd.wait_for(2)
        append_alert(redis_client, sample_alert(id="res1", status="resolved"))
        pd.wait_for(3)
        slack.wait_for(2)
    actions = [r.json()["event_action"] for r in pd.received]
    assert actions == ["trigger", "acknowledge", "resolve"]
    assert {r.json()["dedup_key"] for r in pd.received} == {"inc-42"}
    (step,) = records(redis_client, receiver="pager", action="open")
    assert (step["reason"], step["outcome"]) == ("escalation step 1", "sent")


def test_an_acknowledged_incident_does_not_escalate_and_the_stop_is_recorded(
    redis_client: redis.Redis,
) -> None:
    IncidentMemory(redis_client, Keys()).mark(sample_alert(), "acknowledged")
    with (
        recording_server() as slack,
        recording_server() as pd,
        running_notifier(redis_client, routing(slack.url, pd.url, "100ms")),
    ):
        append_alert(redis_client, sample_alert())
        wait_until(lambda: records(redis_client, receiver="pager"))
    (stopped,) = records(redis_client, receiver="pager")
    assert (stopped["outcome"], stopped["detail"]) == ("stopped", "acknowledged")
    assert pd.received == [] and len(slack.received) == 1


def test_a_resolved_incident_cancels_its_waiting_escalation(redis_client: redis.Redis) -> None:
    with (
        recording_server() as slack,
        recording_server() as pd,
        running_notifier(redis_client, routing(slack.url, pd.url, "1h")),
    ):
        append_alert(redis_client, sample_alert())
        wait_until(lambda: redis_client.zcard(Keys().notify_due) == 2)  # step and repeat
        append_alert(redis_client, sample_alert(id="res1", status="resolved"))
        slack.wait_for(2)
        wait_until(lambda: redis_client.zcard(Keys().notify_due) == 0)
    assert pd.received == []


def test_a_silenced_alert_is_recorded_with_its_silence_and_sent_nowhere(
    redis_client: redis.Redis,
) -> None:
    now = int(time.time() * 1000)
    silence = new_silence({"target": ["checkout"]}, now - 1000, now + 3_600_000, "deploy")
    redis_client.hset(Keys().silences, silence.id, silence.to_json())
    with (
        recording_server() as slack,
        recording_server() as pd,
        running_notifier(redis_client, routing(slack.url, pd.url, "100ms")),
    ):
        append_alert(redis_client, sample_alert())
        wait_until(lambda: records(redis_client, outcome="silenced"))
    (held,) = records(redis_client, outcome="silenced")
    assert (held["silence_id"], held["alert_id"]) == (silence.id, "a1b2c3d4e5f60718")
    assert slack.received == [] and pd.received == []
    assert redis_client.zcard(Keys().notify_due) == 0
    assert json.loads(redis_client.hget(Keys().silences, silence.id) or "{}")["comment"] == "deploy"
