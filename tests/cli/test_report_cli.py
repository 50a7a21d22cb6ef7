"""``seismo report``: the incident report printed as Markdown or JSON, from the real Redis."""

from __future__ import annotations

import json
import time

import pytest
import redis

from seismo.cli import main
from seismo.engine.keys import Keys
from tests.dashboard.business_data import HOUR_MS, three_incidents


@pytest.fixture(autouse=True)
def this_redis(redis_client: redis.Redis, monkeypatch: pytest.MonkeyPatch) -> None:
    kwargs = redis_client.connection_pool.connection_kwargs
    monkeypatch.setenv("SEISMO_REDIS_URL", f"redis://{kwargs['host']}:{kwargs['port']}/0")


def test_the_markdown_report_has_the_figures_and_a_row_per_incident(
    redis_client: redis.Redis, keys: Keys, capsys: pytest.CaptureFixture[str]
) -> None:
    three_incidents(redis_client, keys, base=int(time.time() * 1000) - 5 * HOUR_MS)
    assert main(["report", "--since", "1d"]) == 0
    out = capsys.readouterr().out
    assert "- Incidents: 3" in out
    assert "- MTTA: mean 0m 45s, p90 0m 57s (2 acknowledged)" in out
    assert "- MTTR: mean 3m 30s, p90 4m 42s (2 resolved)" in out
    assert "- False alarms: 1 (33 %)" in out
    assert "- Noisiest origins: service:checkout 2, metric:revenue 1" in out
    rows = [line for line in out.splitlines() if line.startswith("| 20")]
    assert len(rows) == 3
    assert "| after 1m 00s by ana |" in rows[2] and "| 5m 00s | no |" in rows[2]


def test_the_json_report_is_the_api_document_and_since_bounds_it(
    redis_client: redis.Redis, keys: Keys, capsys: pytest.CaptureFixture[str]
) -> None:
    three_incidents(redis_client, keys, base=int(time.time() * 1000) - 5 * HOUR_MS + 600_000)
    assert main(["report", "--since", "4h", "--format", "json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert [row["id"] for row in document["items"]] == ["inc-C", "inc-B"]
    assert document["figures"]["mttr"] == {"count": 1, "mean_s": 120.0, "p90_s": 120.0}


def test_a_bad_since_says_why_in_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "--since", "last week"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("seismo report: --since:") and err.count("\n") == 1
