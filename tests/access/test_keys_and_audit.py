"""``seismo keys`` and the audit log, against real apps with keys required."""

from __future__ import annotations

import time

import httpx
import pytest
import redis

from seismo.access import audit, tokens
from seismo.bench.serving import serving
from seismo.cli import main
from seismo.dashboard.app import create_app as create_dashboard
from seismo.engine.keys import Keys
from seismo.engine.server import EmbeddedRedis
from seismo.ingest.app import create_app as create_collector
from tests.access.conftest import make_key, secured
from tests.builders import add_alert, alert_dict

BATCH = {"metrics": [{"type": "log", "data": {"level": "info", "message": "ok"}}]}


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, redis_server: EmbeddedRedis) -> None:
    monkeypatch.setenv("SEISMO_REDIS_URL", redis_server.url)


def create(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(["keys", "create", *args])
    return code, capsys.readouterr().out


def test_keys_create_prints_the_key_alone_on_the_last_line_and_stores_only_its_hash(
    cli_env: None, redis_client: redis.Redis, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = create(capsys, "--scope", "ingest", "--name", "ci")
    token = out.strip().splitlines()[-1]
    assert code == 0 and token.startswith(tokens.PREFIX) and " " not in token
    stored = redis_client.hgetall(Keys().api_keys)
    assert list(stored) == [tokens.digest(token).encode()]
    assert token.encode() not in b"".join(stored.values())
    assert main(["keys", "list"]) == 0
    listing = capsys.readouterr().out
    assert "ci" in listing and "ingest" in listing and token not in listing


def test_a_created_key_is_taken_by_the_collector_and_refused_once_revoked(
    cli_env: None, redis_server: EmbeddedRedis, redis_client: redis.Redis,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    _, out = create(capsys, "--scope", "ingest", "--name", "ci")
    token = out.strip().splitlines()[-1]
    auth = {"Authorization": f"Bearer {token}"}
    with serving(create_collector(secured(redis_server.url))) as url:
        assert httpx.post(url + "/api/batch", json=BATCH, headers=auth).status_code == 200
    assert main(["keys", "revoke", "ci"]) == 0
    with serving(create_collector(secured(redis_server.url))) as url:
        refused = httpx.post(url + "/api/batch", json=BATCH, headers=auth)
    assert refused.status_code == 401
    assert "not recognised" in refused.json()["error"]


def test_an_expired_key_is_refused_naming_it(
    redis_server: EmbeddedRedis, redis_client: redis.Redis
) -> None:
    past = int(time.time() * 1000) - 1000
    token = make_key(redis_client, "read", "old", expires_ms=past)
    with serving(create_dashboard(secured(redis_server.url), background=False)) as url:
        answer = httpx.get(url + "/api/anomalies", headers={"X-API-Key": token})
    assert answer.status_code == 401
    assert "'old' has expired" in answer.json()["error"]


def test_keys_create_refuses_a_bad_duration(
    cli_env: None, redis_client: redis.Redis, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["keys", "create", "--scope", "read", "--expires", "soon"]) == 2
    assert "not a duration" in capsys.readouterr().err


def test_admin_actions_and_refusals_land_in_the_audit_log_readable_by_admins_only(
    cli_env: None, redis_server: EmbeddedRedis, redis_client: redis.Redis,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    admin = make_key(redis_client, "admin", "alice")
    reader = make_key(redis_client, "read", "bob")
    with serving(create_dashboard(secured(redis_server.url), background=False)) as url:
        ack = httpx.post(url + "/api/anomalies/a-1/ack", headers={"X-API-Key": admin})
        httpx.post(url + "/api/anomalies/a-1/ack", headers={"X-API-Key": reader})
        httpx.get(url + "/api/anomalies", headers={"X-API-Key": "seismo_wrong"})
        assert httpx.get(url + "/api/audit", headers={"X-API-Key": reader}).status_code == 403
        answer = httpx.get(url + "/api/audit", headers={"X-API-Key": admin})
    assert ack.status_code == 404
    entries = answer.json()["items"]
    by_who = {(e["who"], e["action"]): e for e in entries}
    acked = by_who[("alice", "POST /api/anomalies/a-1/ack")]
    assert acked["outcome"] == "failed" and acked["status"] == 404
    assert acked["address"] == "127.0.0.1" and acked["scope"] == "admin"
    denied = by_who[("bob", "POST /api/anomalies/a-1/ack")]
    assert denied["status"] == 403 and denied["outcome"].startswith("denied")
    assert by_who[("unknown key", "GET /api/anomalies")]["status"] == 401
    assert by_who[("bob", "GET /api/audit")]["status"] == 403
    assert main(["audit", "--limit", "10"]) == 0
    printed = capsys.readouterr().out
    assert "alice (admin)" in printed and "POST /api/anomalies/a-1/ack 404" in printed


def test_a_mark_given_with_a_key_names_the_key_as_who_gave_it(
    redis_server: EmbeddedRedis, redis_client: redis.Redis
) -> None:
    admin = make_key(redis_client, "admin", "carol")
    add_alert(redis_client, Keys(), alert_dict("a-2", int(time.time() * 1000)))
    with serving(create_dashboard(secured(redis_server.url), background=False)) as url:
        ack = httpx.post(url + "/api/anomalies/a-2/ack", headers={"X-API-Key": admin})
        named = httpx.post(url + "/api/anomalies/a-2/false-alarm?by=dan",
                           headers={"X-API-Key": admin})  # fmt: skip
    assert ack.status_code == 200 and ack.json()["by"] == "carol"
    assert named.json()["by"] == "dan"  # a name given on the request comes first


def test_admin_actions_are_audited_with_auth_off_too(
    redis_server: EmbeddedRedis, redis_client: redis.Redis
) -> None:
    from seismo.config import Settings

    with serving(create_dashboard(Settings(redis_url=redis_server.url), background=False)) as url:
        httpx.post(url + "/api/silences", json={"matchers": {}, "duration_s": 60})
        answer = httpx.get(url + "/api/audit")
    actions = [(e["who"], e["action"]) for e in answer.json()["items"]]
    assert ("anonymous", "POST /api/silences") in actions


def test_key_changes_are_audited_as_the_cli_user(
    cli_env: None, redis_client: redis.Redis, capsys: pytest.CaptureFixture[str]
) -> None:
    create(capsys, "--scope", "admin", "--name", "ops")
    assert main(["audit", "--json"]) == 0
    assert "keys create ops" in capsys.readouterr().out


def test_silences_made_and_ended_on_the_command_line_are_audited(
    cli_env: None, redis_client: redis.Redis, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["silence", "add", "--target", "checkout", "--for", "1h"]) == 0
    silence_id = capsys.readouterr().out.split()[1]
    assert main(["silence", "expire", silence_id]) == 0
    actions = [entry.action for entry in audit.recent(redis_client, Keys())]
    assert actions == [f"silence expire {silence_id}", f"silence add {silence_id}"]
