"""The JavaScript client through a Redis outage: the collector's 503 with ``Retry-After`` is
retried, and the batch is stored exactly once when Redis is back."""

from __future__ import annotations

import json
import subprocess

from seismo.bench.serving import serving
from seismo.config import Settings
from seismo.engine.connection import connect
from seismo.engine.keys import Keys
from seismo.engine.server import EmbeddedRedis
from seismo.ingest.app import create_app
from tests.sdk.conftest import SDK_JS

SCRIPT = """
import { SeismoClient } from "./src/index.js";
const client = new SeismoClient(process.argv[1], { flushIntervalMs: 50 });
for (let i = 0; i < 3; i += 1) {
  client.sendMetric({ service: "js", endpoint: "GET:/", response_time: i, status_code: 200 });
}
while (client.stats.retries < 1) await new Promise((resolve) => setTimeout(resolve, 20));
console.log("retrying");
await client.flush(60_000);
console.log(JSON.stringify(client.stats));
"""


def test_js_batch_refused_during_an_outage_is_stored_once_after_it(
    node_tests_ready: None, own_redis: EmbeddedRedis
) -> None:
    with serving(create_app(Settings(redis_url=own_redis.url))) as url:
        own_redis.stop()
        with subprocess.Popen(
            ["node", "--input-type=module", "-e", SCRIPT, url],
            cwd=SDK_JS,
            stdout=subprocess.PIPE,
            text=True,
        ) as node:
            assert node.stdout is not None
            assert node.stdout.readline().strip() == "retrying"
            own_redis.start()
            stats = json.loads(node.stdout.readline())
            assert node.wait(timeout=60) == 0
    assert (stats["sent"], stats["failed"]) == (3, 0)
    assert stats["retries"] >= 1
    check = connect(own_redis.url)
    assert check.xlen(Keys().detailed_metrics) == 3
    check.close()
