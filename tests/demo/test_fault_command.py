"""``seismo fault`` against a real Redis: inject, list, clear, and clear errors."""

from __future__ import annotations

import pytest
import redis

from seismo.cli import main
from seismo.demo import fault_store
from seismo.engine.keys import Keys
from seismo.engine.server import EmbeddedRedis
from tests.conftest import free_port


@pytest.fixture
def demo_redis(
    redis_server: EmbeddedRedis, redis_client: redis.Redis, monkeypatch: pytest.MonkeyPatch
) -> redis.Redis:
    monkeypatch.setenv("SEISMO_REDIS_URL", redis_server.url)
    return redis_client


def test_fault_injects_lists_and_clears(
    demo_redis: redis.Redis, keys: Keys, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["fault", "latency-regression", "--service", "users", "--duration", "30"]) == 0
    assert "injected latency-regression on users" in capsys.readouterr().out
    [fault] = fault_store.active(demo_redis, keys, fault_store.now_ms())
    assert (fault.kind, fault.service, fault.end_ms - fault.start_ms) == (
        "latency-regression",
        "users",
        30_000,
    )
    assert main(["fault", "list"]) == 0
    assert "latency-regression on users" in capsys.readouterr().out
    assert main(["fault", "clear"]) == 0
    assert "cleared 1" in capsys.readouterr().out
    assert fault_store.active(demo_redis, keys, fault_store.now_ms()) == []


def test_a_bad_duration_is_refused_naming_the_field(
    demo_redis: redis.Redis, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["fault", "error-spike", "--duration", "-5"]) == 2
    assert "duration" in capsys.readouterr().err


def test_no_redis_is_a_clear_message_not_a_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SEISMO_REDIS_URL", f"redis://127.0.0.1:{free_port()}/0")
    assert main(["fault", "list"]) == 2
    assert "is `seismo demo` running?" in capsys.readouterr().err


def test_a_fault_on_a_service_the_demo_lacks_is_stored_with_a_warning(
    demo_redis: redis.Redis, keys: Keys, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["fault", "error-spike", "--service", "paymnets"]) == 0
    assert "paymnets is not a demo service" in capsys.readouterr().err
    assert main(["fault", "kpi-drop", "--service", "users"]) == 0
    assert "only checkout reports a KPI" in capsys.readouterr().err
    assert main(["fault", "error-spike", "--service", "service-b"]) == 0
    assert capsys.readouterr().err == ""
