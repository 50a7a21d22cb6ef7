"""Incident memory on a real Redis 8 vector set: similar incidents, marks, suppression."""

from __future__ import annotations

import pytest
import redis

from seismo.alert.memory import IncidentMemory, pattern_vector
from seismo.engine.keys import Keys
from tests.builders import alert_dict, moved

SLOWER = [moved("latency_p99", 100, 900, 30.0)]


@pytest.fixture
def memory(redis_client: redis.Redis, keys: Keys) -> IncidentMemory:
    return IncidentMemory(redis_client, keys, clock=lambda: 1234.5)


def test_a_pattern_depends_on_what_moved_and_where() -> None:
    assert pattern_vector(alert_dict("a", 1, explanation=[])) is None
    here = pattern_vector(alert_dict("a", 1))
    assert here is not None
    assert pattern_vector(alert_dict("b", 2)) == here
    assert pattern_vector(alert_dict("c", 3, target="search")) != here
    assert pattern_vector(alert_dict("d", 4, explanation=SLOWER)) != here


def test_similar_lists_earlier_incidents_most_alike_first_never_itself(
    memory: IncidentMemory,
) -> None:
    for item in (
        alert_dict("a", 1000),
        alert_dict("b", 2000, explanation=SLOWER),
        alert_dict("c", 3000),
    ):
        assert memory.remember(item)
    found = memory.similar(alert_dict("c", 3000))
    assert [p.incident_id for p in found][:1] == ["inc-a"]
    assert found[0].similarity > 0.99
    assert "inc-c" not in [p.incident_id for p in found]
    assert memory.similar(alert_dict("a", 1000)) == []


def test_unrelated_patterns_are_not_listed_as_similar(memory: IncidentMemory) -> None:
    memory.remember(alert_dict("a", 1000, target="search"))
    assert memory.similar(alert_dict("b", 2000)) == []


def test_a_marked_false_alarm_suppresses_the_same_pattern_only(
    memory: IncidentMemory, redis_client: redis.Redis, keys: Keys
) -> None:
    memory.remember(alert_dict("a", 1000))
    assert memory.suppressing_match(alert_dict("b", 2000)) is None
    event = memory.mark(alert_dict("a", 1000), "false_alarm")
    assert (event["incident_id"], event["time"]) == ("inc-a", 1234500)
    match = memory.suppressing_match(alert_dict("b", 2000))
    assert match is not None
    assert match.reason.startswith("suppressed: like false alarm inc-a, similarity ")
    assert memory.suppressing_match(alert_dict("c", 3000, explanation=SLOWER)) is None
    assert redis_client.xlen(keys.feedback_stream) == 1


def test_a_mark_survives_later_alerts_of_the_same_incident(memory: IncidentMemory) -> None:
    memory.remember(alert_dict("a", 1000))
    memory.mark(alert_dict("a", 1000), "acknowledged")
    memory.remember(alert_dict("a2", 2000, incident_id="inc-a", status="update"))
    assert memory.outcome("inc-a") == "acknowledged"
    assert [p.outcome for p in memory.similar(alert_dict("b", 3000))] == ["acknowledged"]


def test_marking_an_alert_never_remembered_still_stores_the_mark(memory: IncidentMemory) -> None:
    memory.mark(alert_dict("x", 1000), "false_alarm")
    assert memory.outcomes(["inc-x", "inc-y"]) == {"inc-x": "false_alarm"}


def test_an_unknown_outcome_is_refused(memory: IncidentMemory) -> None:
    with pytest.raises(ValueError, match="outcome"):
        memory.mark(alert_dict("a", 1000), "ignored")


def test_every_alert_of_an_incident_is_matched_not_only_its_last(memory: IncidentMemory) -> None:
    memory.remember(alert_dict("a", 1000))
    memory.remember(alert_dict("a2", 2000, incident_id="inc-a", target="payments"))
    memory.mark(alert_dict("a", 1000), "false_alarm")
    found = memory.similar(alert_dict("b", 3000))
    assert [(p.incident_id, p.outcome) for p in found] == [("inc-a", "false_alarm")]
    assert memory.suppressing_match(alert_dict("c", 4000, target="payments")) is not None
