"""The README's "Send your data" examples are the ones the tests run, kept in step."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import msgspec
import redis

from seismo.agent.config import ScrapeConfig, load
from seismo.engine.keys import Keys
from tests.agent.conftest import stored_requests
from tests.agent.nginx_server import LOG_FORMAT

README = (Path(__file__).parents[2] / "README.md").read_text()
SECTION = README.split("## Send your data", 1)[1].split("\n## ", 1)[0]


def block(language: str) -> str:
    found = re.search(rf"```{language}\n(.*?)```", SECTION, re.S)
    assert found is not None, f"no {language} block in Send your data"
    return found.group(1)


def test_the_otlp_curl_example_stores_its_server_span(
    collector_url: str, redis_client: redis.Redis, keys: Keys
) -> None:
    body = block("bash").split("-d '", 1)[1].rsplit("'", 1)[0]
    answer = httpx.post(
        f"{collector_url}/v1/traces", content=body, headers={"content-type": "application/json"}
    )
    assert answer.status_code == 200, answer.text
    [event] = stored_requests(redis_client, keys)
    assert (event["service"], event["endpoint"], event["status_code"]) == (
        "inventory",
        "GET:/stock",
        "404",
    )
    assert msgspec.json.decode(body)  # the example is JSON as written


def test_the_scrape_config_example_loads(tmp_path: Path) -> None:
    path = tmp_path / "scrape.toml"
    path.write_text(block("toml"))
    config = load(str(path), ScrapeConfig)
    assert config.targets[0].requests is not None
    assert config.targets[0].requests.histogram == "http_request_duration_seconds"


def test_the_nginx_log_format_example_is_the_one_the_nginx_test_runs() -> None:
    written = "".join(re.findall(r"'([^']*)'", block("nginx")))
    assert written == LOG_FORMAT.strip("'")
