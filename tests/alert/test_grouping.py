"""group_wait, group_interval and repeat_interval through a running notifier: what is held,
what is merged, what is repeated and when an operator's mark ends the reminders."""

from __future__ import annotations

import json

import redis

from seismo.alert.memory import IncidentMemory
from seismo.engine.keys import Keys
from tests.alert.alerts import sample_alert
from tests.alert.notifying import append_alert, running_notifier, wait_until
from tests.alert.receivers import recording_server


def routing(url: str, **intervals: str) -> str:
    lines = "\n".join(f'{name} = "{value}"' for name, value in intervals.items())
    receiver = f'[receivers.hook]\nchannel = "webhook"\nurl = "{url}"\n\n'
    return receiver + f'[[routes]]\nreceivers = ["hook"]\n{lines}\n'


def waiting(client: redis.Redis, prefix: str) -> dict[str, dict[str, object]]:
    jobs = client.hgetall(Keys().notify_jobs)
    return {k.decode(): json.loads(v) for k, v in jobs.items() if k.decode().startswith(prefix)}


def entries_read(client: redis.Redis) -> int:
    return int(client.xinfo_groups(Keys().anomalies)[0]["entries-read"] or 0)


def test_alerts_within_group_wait_become_one_notice_of_the_latest_saying_open(
    redis_client: redis.Redis,
) -> None:
    with (
        recording_server() as hook,
        running_notifier(redis_client, routing(hook.url, group_wait="1h")),
    ):
        append_alert(redis_client, sample_alert())
        append_alert(redis_client, sample_alert(id="u1", status="update", summary="worse"))
        wait_until(lambda: entries_read(redis_client) == 2 and waiting(redis_client, "group:"))
        wait_until(lambda: redis_client.xpending(Keys().anomalies, "notifiers")["pending"] == 0)
    assert hook.received == []
    (job,) = waiting(redis_client, "group:").values()
    assert job["alert"]["id"] == "u1"  # type: ignore[index]
    assert job["alert"]["status"] == "open"  # type: ignore[index]


def test_a_group_wait_that_ends_sends_the_held_notice_once(redis_client: redis.Redis) -> None:
    with (
        recording_server() as hook,
        running_notifier(redis_client, routing(hook.url, group_wait="200ms")),
    ):
        append_alert(redis_client, sample_alert())
        (request,) = hook.wait_for(1)
        wait_until(lambda: not waiting(redis_client, "group:"))
    assert request.json()["alert"]["id"] == sample_alert()["id"]
    assert len(hook.received) == 1


def test_an_update_within_group_interval_waits_for_the_interval(redis_client: redis.Redis) -> None:
    with (
        recording_server() as hook,
        running_notifier(redis_client, routing(hook.url, group_interval="1h")),
    ):
        append_alert(redis_client, sample_alert())
        hook.wait_for(1)
        append_alert(redis_client, sample_alert(id="u1", status="update"))
        append_alert(redis_client, sample_alert(id="u2", status="update"))
        wait_until(lambda: entries_read(redis_client) == 3)
        wait_until(lambda: redis_client.xpending(Keys().anomalies, "notifiers")["pending"] == 0)
    assert len(hook.received) == 1
    (job,) = waiting(redis_client, "group:").values()
    assert (job["alert"]["id"], job["alert"]["status"]) == ("u2", "update")  # type: ignore[index]


def test_an_unacknowledged_incident_is_repeated_until_an_operator_marks_it(
    redis_client: redis.Redis,
) -> None:
    with (
        recording_server() as hook,
        running_notifier(redis_client, routing(hook.url, repeat_interval="100ms")),
    ):
        append_alert(redis_client, sample_alert())
        hook.wait_for(3)
        IncidentMemory(redis_client, Keys()).mark(sample_alert(), "acknowledged")
        wait_until(lambda: not waiting(redis_client, "repeat:"))
    ids = {r.json()["alert"]["id"] for r in hook.received}
    assert ids == {sample_alert()["id"]}
    assert redis_client.zcard(Keys().notify_due) == 0
