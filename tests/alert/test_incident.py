"""The incident lifecycle and the alarm rule: one open, material updates, one resolve."""

from __future__ import annotations

import pytest

from seismo.alert.incident import IncidentState, Observation, step
from seismo.alert.rule import AlarmRule

RULE = AlarmRule(0.9)


def run(
    hits: list[bool],
    origins: list[str] | None = None,
    severities: list[str] | None = None,
    rule: AlarmRule = RULE,
) -> list[str | None]:
    """The status each window raises, windows 1, 2, 3, ..."""
    state = IncidentState()
    statuses = []
    for i, hit in enumerate(hits):
        origin = origins[i] if origins else "service:checkout"
        level = severities[i] if severities else "critical"
        state, status = step(state, Observation(i + 1, hit, origin, level), rule, 3)
        statuses.append(status)
    return statuses


def test_an_ongoing_incident_opens_once_and_resolves_after_three_quiet_windows() -> None:
    statuses = run([False, True, True, True, False, False, False, False])

    assert statuses == [None, "open", None, None, None, None, "resolved", None]


def test_a_short_quiet_gap_keeps_the_incident_open() -> None:
    statuses = run([True, False, False, True, False, False, False])

    assert statuses == ["open", None, None, None, None, None, "resolved"]


def test_worse_severity_or_a_new_origin_is_an_update_but_a_flip_to_system_is_not() -> None:
    origins = ["service:checkout", "service:checkout", "system:system", "service:frontend"]
    severities = ["warning", "critical", "critical", "critical"]

    assert run([True] * 4, origins, severities) == ["open", "update", None, "update"]


def test_lower_severity_is_not_an_update() -> None:
    assert run([True, True], severities=["critical", "warning"]) == ["open", None]


def test_a_late_window_does_not_move_the_last_window_back() -> None:
    state, _ = step(IncidentState(), Observation(5, False, "system:system", "info"), RULE, 3)
    later, _ = step(state, Observation(4, False, "system:system", "info"), RULE, 3)

    assert later.last_window == 5


def test_incident_id_is_derived_from_the_opening_window_and_origin() -> None:
    seen = Observation(7, True, "service:checkout", "critical")

    first, _ = step(IncidentState(), seen, RULE, 3)
    second, _ = step(IncidentState(), seen, RULE, 3)

    assert first.incident_id == second.incident_id
    assert first.incident_id and first.incident_id.startswith("inc-")


def test_state_round_trips_through_its_stored_form() -> None:
    state, _ = step(IncidentState(), Observation(7, True, "system:system", "info"), RULE, 3)

    assert IncidentState.from_dict(state.to_dict()) == state


def test_k_of_n_rule_needs_two_hits_within_three_windows() -> None:
    rule = AlarmRule(0.9, hits=2, of=3)

    assert run([True, False, False, True, False, True], rule=rule) == [
        None, None, None, None, None, "open",
    ]  # fmt: skip


def test_rule_rejects_impossible_settings() -> None:
    with pytest.raises(ValueError, match="threshold"):
        AlarmRule(0.0)
    with pytest.raises(ValueError, match="hits"):
        AlarmRule(0.9, hits=3, of=2)
