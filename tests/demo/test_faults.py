"""Fault definitions: validation that names the bad field, and the effect of each kind."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from seismo.demo.faults import (
    DEFAULT_TARGETS,
    KINDS,
    NO_EFFECT,
    Effect,
    Fault,
    FaultError,
    effect_on,
    fault_from_request,
    new_fault,
)

NOW = 1_800_000_000_000


def test_new_fault_defaults_to_the_kinds_usual_target_and_lasts_its_duration() -> None:
    fault = new_fault("error-spike", None, 30, NOW)
    assert fault == Fault("error-spike", DEFAULT_TARGETS["error-spike"], NOW, NOW + 30_000)


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ([], "body"),
        ({}, "kind"),
        ({"kind": "meteor-strike"}, "kind"),
        ({"kind": "error-spike", "service": 7}, "service"),
        ({"kind": "error-spike", "service": "a b"}, "service"),
        ({"kind": "error-spike", "duration": "long"}, "duration"),
        ({"kind": "error-spike", "duration": True}, "duration"),
        ({"kind": "error-spike", "duration": 0}, "duration"),
        ({"kind": "error-spike", "duration": 10**9}, "duration"),
        ({"kind": "error-spike", "size": 0}, "size"),
        ({"kind": "error-spike", "size": 1.5}, "size"),
        ({"kind": "error-spike", "size": "half"}, "size"),
    ],
)
def test_a_bad_fault_request_names_the_offending_field(payload: object, field: str) -> None:
    with pytest.raises(FaultError) as caught:
        fault_from_request(payload, NOW)
    assert caught.value.field == field


def test_a_fault_request_round_trips_through_json() -> None:
    fault = fault_from_request(
        {"kind": "kpi-drop", "service": "checkout", "duration": 5, "size": 0.4}, NOW
    )
    assert Fault.from_json(fault.to_json()) == fault
    assert fault.size == 0.4


def test_a_fault_stored_before_sizes_existed_is_a_full_fault() -> None:
    stored = '{"end_ms": 2, "kind": "error-spike", "service": "payments", "start_ms": 1}'
    assert Fault.from_json(stored).size == 1.0


@pytest.mark.parametrize(
    ("kind", "effect"),
    [
        ("error-spike", lambda e: e.error_rate),
        ("latency-regression", lambda e: e.latency_factor - 1),
        ("traffic-surge", lambda e: e.rate_factor - 1),
        ("traffic-drop", lambda e: 1 - e.rate_factor),
        ("slow-degradation", lambda e: e.latency_factor - 1),
        ("kpi-drop", lambda e: 1 - e.kpi_factor),
    ],
)
def test_a_half_size_fault_moves_its_service_half_as_far(
    kind: str, effect: Callable[[Effect], float]
) -> None:
    full, half = (new_fault(kind, "svc", 600, NOW, size) for size in (1.0, 0.5))
    at = NOW + 60_000
    assert effect(effect_on([half], "svc", at)) == pytest.approx(
        effect(effect_on([full], "svc", at)) / 2
    )
    assert effect(effect_on([half], "svc", at)) > 0


def test_a_fault_only_acts_on_its_service_between_start_and_end() -> None:
    fault = new_fault("error-spike", "payments", 10, NOW)
    assert effect_on([fault], "payments", NOW).error_rate > 0
    assert effect_on([fault], "users", NOW) == NO_EFFECT
    assert effect_on([fault], "payments", NOW - 1) == NO_EFFECT
    assert effect_on([fault], "payments", NOW + 10_000) == NO_EFFECT


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_has_an_effect(kind: str) -> None:
    fault = new_fault(kind, "svc", 600, NOW)
    assert effect_on([fault], "svc", NOW + 60_000) != NO_EFFECT


def test_slow_degradation_creeps_up_with_time() -> None:
    fault = new_fault("slow-degradation", "users", 600, NOW)
    factors = [effect_on([fault], "users", NOW + s * 1000).latency_factor for s in (0, 60, 120)]
    assert factors[0] == 1.0
    assert factors[0] < factors[1] < factors[2]


def test_two_faults_on_one_service_combine() -> None:
    faults = [new_fault("error-spike", "s", 60, NOW), new_fault("latency-regression", "s", 60, NOW)]
    effect = effect_on(faults, "s", NOW)
    assert effect.error_rate > 0
    assert effect.latency_factor > 1
