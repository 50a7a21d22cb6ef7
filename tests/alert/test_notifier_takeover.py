"""A ``seismo notifier`` process killed in the middle of a delivery: another notifier takes
the alert over, nothing finished is sent again and nothing is lost."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

import redis

from seismo.alert.channels.webhook import DELIVERY_HEADER
from seismo.engine.keys import Keys
from tests.alert.alerts import sample_alert
from tests.alert.notifying import append_alert, deliveries, running_notifier, wait_until
from tests.alert.receivers import Answer, recording_server


def start_notifier(redis_client: redis.Redis, routing_file: Path) -> subprocess.Popen[bytes]:
    kwargs = redis_client.connection_pool.connection_kwargs
    env = {k: v for k, v in os.environ.items() if not k.startswith("SEISMO_")}
    env.update(
        SEISMO_REDIS_URL=f"redis://{kwargs['host']}:{kwargs['port']}/0",
        SEISMO_NOTIFY_ROUTING_FILE=str(routing_file),
        SEISMO_NOTIFY_CLAIM_IDLE_MS="600",
        SEISMO_NOTIFY_TIMEOUT_SECONDS="30",
        SEISMO_NOTIFY_BACKOFF_SECONDS="0.01",
        SEISMO_NOTIFY_METRICS_PORT="0",
    )
    return subprocess.Popen([sys.executable, "-m", "seismo", "notifier"], env=env)


def test_a_killed_notifiers_delivery_is_finished_by_another_without_a_duplicate(
    redis_client: redis.Redis, tmp_path: Path
) -> None:
    routing_file = tmp_path / "routing.toml"
    with recording_server() as hook:
        routing_file.write_text(
            f'[receivers.hook]\nchannel = "webhook"\nurl = "{hook.url}"\n\n'
            '[[routes]]\nreceivers = ["hook"]\n'
        )
        # The second request hangs: the first notifier dies waiting for its answer.
        hook.answer_next(Answer(), Answer(delay_s=60))
        first = start_notifier(redis_client, routing_file)
        try:
            append_alert(redis_client, sample_alert(id="one", incident_id="i1"))
            hook.wait_for(1)
            append_alert(redis_client, sample_alert(id="two", incident_id="i2"))
            hook.wait_for(2)
            first.send_signal(signal.SIGKILL)
            first.wait(10)
            with running_notifier(redis_client, routing_file.read_text(), consumer="second"):
                append_alert(redis_client, sample_alert(id="three", incident_id="i3"))
                wait_until(lambda: len(deliveries(redis_client)) == 3)
                wait_until(
                    lambda: redis_client.xpending(Keys().anomalies, "notifiers")["pending"] == 0
                )
        finally:
            if first.poll() is None:
                first.kill()
                first.wait(10)
    sent = Counter(d["alert_id"] for d in deliveries(redis_client) if d["outcome"] == "sent")
    assert sent == {"one": 1, "two": 1, "three": 1}
    requests = Counter(r.headers[DELIVERY_HEADER] for r in hook.received)
    # "two" was asked twice (the killed notifier never got its answer); "one" once.
    assert requests == {"one:open": 1, "two:open": 2, "three:open": 1}
