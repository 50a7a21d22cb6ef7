"""The JavaScript SDK's own tests (``node --test`` in ``sdk/js``, against a real Express app)
pointed at a real collector started here; then what they sent is checked in Redis: the
Express requests by route template with their caller, the newest ten of a full queue, the
seed's snippet, the event of a script that exited without flushing, and a log."""

from __future__ import annotations

import json
import os
import subprocess

import redis

from seismo.engine.keys import Keys
from tests.sdk.conftest import SDK_JS, by_endpoint, entries


def test_js_sdk_tests_pass_and_their_events_are_in_redis(
    node_tests_ready: None, collector_url: str, redis_client: redis.Redis, keys: Keys
) -> None:
    run = subprocess.run(
        ["node", "--test", "test/"],
        cwd=SDK_JS,
        env={**os.environ, "SEISMO_URL": collector_url},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    rows = by_endpoint(entries(redis_client, keys.detailed_metrics))
    web = [row for row in rows["GET:/users/{id}"] if row["service"] == "web-api"]
    assert [(row["status_code"], row["caller"]) for row in web] == [("200", "js-web")] * 2
    assert web[0]["payload_size"] == str(len(b'{"id":17}'))
    [unmatched] = rows["GET:/<unmatched>"]
    assert unmatched["status_code"] == "404"
    queued = [float(row["response_time"]) for row in rows["GET:/"] if row["service"] == "js-queue"]
    assert queued == [float(i) for i in range(40, 50)]
    [pay] = rows["POST:/pay"]
    assert (pay["service"], pay["response_time"]) == ("js-checkout", "120")
    [revenue] = entries(redis_client, keys.business_stream)
    assert json.loads(revenue["expected_range"]) == [40000, 60000]
    assert [row["service"] for row in rows["GET:/"] if row["service"] == "js-exit"] == ["js-exit"]
    [log] = entries(redis_client, keys.log_stream)
    assert (log["level"], log["service"]) == ("error", "js-checkout")
