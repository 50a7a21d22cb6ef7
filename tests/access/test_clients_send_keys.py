"""The clients that feed the collector send an API key: the Python SDK's ``api_key``, the
JavaScript SDK's ``apiKey``, the agent's sender (``SEISMO_API_KEY``); the collector
requires one."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import redis

from seismo.agent.sender import Sender
from seismo.bench.serving import serving
from seismo.engine.server import EmbeddedRedis
from seismo.ingest.app import create_app as create_collector
from seismo_client import SeismoClient
from tests.access.conftest import make_key, secured

EVENT = {"type": "log", "data": {"level": "info", "message": "hello"}}


def test_the_python_sdk_sends_its_api_key(
    redis_server: EmbeddedRedis, redis_client: redis.Redis
) -> None:
    token = make_key(redis_client, "ingest", "sdk")
    with serving(create_collector(secured(redis_server.url))) as url:
        keyed = SeismoClient(url, api_key=token)
        keyed.send_log("hello")
        assert keyed.flush(5) and keyed.stats.sent == 1
        keyed.close()
        keyless = SeismoClient(url)
        keyless.send_log("hello")
        keyless.flush(5)
        assert keyless.stats.sent == 0 and keyless.stats.rejected + keyless.stats.failed == 1
        keyless.close()


def test_the_agent_sends_its_api_key(
    redis_server: EmbeddedRedis, redis_client: redis.Redis
) -> None:
    token = make_key(redis_client, "ingest", "agent")
    with serving(create_collector(secured(redis_server.url))) as url:
        keyed = Sender(url, attempts=1, api_key=token)
        assert keyed.send([EVENT]) and keyed.sent == 1
        keyless = Sender(url, attempts=1)
        assert not keyless.send([EVENT]) and keyless.dropped == 1
        keyed.close()
        keyless.close()


JS_SDK = Path(__file__).parents[2] / "sdk" / "js" / "src" / "index.js"
JS_SEND = """
import { SeismoClient } from %s;
const [url, key] = process.argv.slice(1);
const client = new SeismoClient(url, key ? { apiKey: key } : {});
client.sendLog("hello from js", "info", { service: "js" });
await client.flush(5000);
console.log(JSON.stringify(client.stats));
process.exit(0);
"""


def js_stats(url: str, key: str) -> dict[str, int]:
    """What the JavaScript SDK's client counted after sending one log with ``key``."""
    script = JS_SEND % json.dumps(JS_SDK.as_uri())
    done = subprocess.run(
        ["node", "--input-type=module", "-e", script, url, key],
        capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    stats: dict[str, int] = json.loads(done.stdout.strip().splitlines()[-1])
    return stats


def test_the_javascript_sdk_sends_its_api_key(
    redis_server: EmbeddedRedis, redis_client: redis.Redis
) -> None:
    token = make_key(redis_client, "ingest", "js")
    with serving(create_collector(secured(redis_server.url))) as url:
        keyed = js_stats(url, token)
        keyless = js_stats(url, "")
    assert keyed["sent"] == 1, keyed
    assert keyless["sent"] == 0, keyless
