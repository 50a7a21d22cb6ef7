"""Simulated systems: the shop, and the systems drawn from a seed for the scenario bench."""

from __future__ import annotations

import pytest

from seismo.bench.scenario_score import explanation_ok
from seismo.demo.faults import KINDS, new_fault
from seismo.demo.system import SHOP, generated, system_named
from seismo.demo.traffic import TrafficModel

START = 1_800_000_000_000


def test_the_same_seed_draws_the_same_system_and_another_seed_another() -> None:
    assert generated(4) == generated(4)
    assert generated(4).services != generated(5).services


@pytest.mark.parametrize("seed", range(6))
def test_every_fault_kind_of_a_generated_system_targets_a_service_it_has(seed: int) -> None:
    system = generated(seed)
    assert set(system.targets) == set(KINDS)
    assert set(system.targets.values()) <= set(system.services)
    assert system.targets["kpi-drop"] == system.kpi.service


def test_generated_traffic_reaches_every_service_and_reports_its_kpi() -> None:
    system = generated(2)
    model = TrafficModel(seed=1, period_s=300.0, system=system)
    items = [item for s in range(60) for item in model.tick(START + s * 1000, 1.0, []).items]
    seen = {item["service"] for item in items if item["type"] == "application"}
    assert seen == set(system.services)
    kpis = [item for item in items if item["type"] == "business"]
    assert kpis and {item["metric_name"] for item in kpis} == {system.kpi.name}


def test_a_fault_on_a_generated_system_lands_on_its_target() -> None:
    system = generated(1)
    target = system.targets["error-spike"]
    fault = new_fault("error-spike", target, 3600, START)
    model = TrafficModel(seed=1, period_s=300.0, system=system)
    items = [item for s in range(30) for item in model.tick(START + s * 1000, 1.0, [fault]).items]
    own = [i for i in items if i["type"] == "application" and i["service"] == target]
    failed = sum(1 for i in own if i["status_code"] >= 500) / len(own)
    assert failed > 0.2


def test_a_generated_systems_kpi_and_new_callee_name_a_fault_rightly() -> None:
    system = generated(3)
    kpi_alert = {
        "target": system.kpi.name,
        "scope": "metric",
        "explanation": [{"feature": "value"}],
    }
    assert explanation_ok("kpi-drop", system.kpi.service, kpi_alert, system)
    assert not explanation_ok("kpi-drop", system.kpi.service, kpi_alert, SHOP)


def test_systems_are_found_by_name_and_a_bad_name_says_what_is_allowed() -> None:
    assert system_named("shop") is SHOP
    assert system_named("generated-7") == generated(7)
    with pytest.raises(ValueError, match="generated-<seed>"):
        system_named("bank")
