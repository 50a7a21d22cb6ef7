"""The demo's plan, its auto-fault schedule, progress and alert lines (pure parts)."""

from __future__ import annotations

import json
import socket

from seismo.config import Settings
from seismo.demo.faults import KINDS
from seismo.demo.orchestrator import (
    AutoFaults,
    alert_line,
    busy_ports,
    plan_roles,
    role_environment,
    training_progress,
)

SETTINGS = Settings(collector_port=4100, dashboard_port=8100, demo_service_port=3100)


def test_the_plan_starts_the_pipeline_then_the_demo_roles_and_skips_missing_commands() -> None:
    roles, missing = plan_roles(SETTINGS, ["collector", "aggregator", "bench", "fault"])
    assert [role.name for role in roles] == ["collector", "aggregator", "service-b", "traffic"]
    assert missing == ["detector", "dashboard"]
    urls = {role.name: role.url for role in roles}
    assert urls["collector"] == "http://127.0.0.1:4100"
    assert urls["service-b"] == "http://127.0.0.1:3100"
    assert roles[-1].command()[-2:] == ["demo", "traffic"]


def test_every_role_gets_the_demo_redis_and_service_b_as_forward_target() -> None:
    env = role_environment(SETTINGS, "redis://127.0.0.1:7000/0", {"PATH": "/bin"})
    assert env["SEISMO_REDIS_URL"] == "redis://127.0.0.1:7000/0"
    assert json.loads(env["SEISMO_FORWARD_TARGETS"]) == {"service-b": "http://127.0.0.1:3100"}
    assert env["PATH"] == "/bin"


def test_auto_faults_wait_for_training_then_cycle_through_every_kind() -> None:
    auto = AutoFaults(interval_s=60, duration_s=20)
    assert auto.due(0, trained=False) is None
    assert auto.due(1_000, trained=True) is None
    first = auto.due(21_000, trained=True)
    assert first is not None
    assert first.end_ms - first.start_ms == 20_000
    assert auto.due(50_000, trained=True) is None
    kinds = [first.kind]
    now = 21_000
    while len(kinds) < len(KINDS):
        now += 60_000
        fault = auto.due(now, trained=True)
        assert fault is not None
        kinds.append(fault.kind)
    assert kinds == list(KINDS)


def test_progress_prefers_the_detectors_own_state() -> None:
    assert training_progress({}, windows=5, goal=60) == (5, 60, False)
    assert training_progress({}, windows=70, goal=60) == (60, 60, True)
    state = {"status": "training", "trained": "12", "needed": "30"}
    assert training_progress(state, windows=99, goal=60) == (12, 30, False)
    assert training_progress({**state, "status": "ready"}, 99, 60) == (12, 30, True)


def test_an_alert_entry_becomes_one_readable_line() -> None:
    alert = {"severity": "critical", "scope": "service", "target": "payments", "summary": "5xx up"}
    line = alert_line({b"alert": json.dumps(alert).encode()})
    assert line == "ALERT critical service:payments: 5xx up"
    assert "unreadable" in alert_line({b"alert": b"{not json"})


def test_a_busy_port_is_named_by_its_setting_before_anything_starts() -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        settings = Settings(collector_host="127.0.0.1", collector_port=port, demo_service_port=port)
        roles, _ = plan_roles(settings, ["collector"])
        problems = busy_ports(settings, roles)
    assert len(problems) == 2
    assert problems[0].startswith(f"SEISMO_COLLECTOR_PORT: port {port} is already in use")
    assert problems[1].startswith("SEISMO_DEMO_SERVICE_PORT")
    assert busy_ports(settings, []) == []
