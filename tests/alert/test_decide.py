"""From a scored window to alerts: fields, severity, hints, business impact, resolve."""

from __future__ import annotations

import json

from seismo.alert.decide import AlertPolicy, ScoredWindow, alerts_for_window
from seismo.alert.incident import IncidentBook
from seismo.alert.model import Alert
from seismo.alert.severity import business_impact, remediation, severity
from seismo.detect.call_graph import CallGraph
from seismo.detect.explain import Finding
from seismo.detect.fingerprint_model import Deviation

ERRORS = Deviation("error_rate_5xx", 0.004, 0.01, 0.31, 30.6)
NEW_ENDPOINT = Deviation("new_interactions", 0.0, 1.0, 4.0, 4.0)
REVENUE = Deviation("business_value", 100.0, 5.0, 20.0, -16.0)
POLICY = AlertPolicy()
FIELDS = {
    "id", "time", "window_start", "window_end", "scope", "target", "score", "severity",
    "summary", "explanation", "business_impact", "remediation", "incident_id", "status",
    "similar", "suppressed_by", "impacted", "early", "endpoint",
}  # fmt: skip


def window(start: int, *findings: Finding) -> ScoredWindow:
    return ScoredWindow(start, start + 5_000, findings)


def quiet(start: int) -> ScoredWindow:
    return window(start, Finding("system", "system", 0.1, (ERRORS,)))


def test_open_alert_carries_every_field_and_names_the_service() -> None:
    spike = window(
        10_000,
        Finding("system", "system", 0.97, (ERRORS,)),
        Finding("service", "checkout", 1.0, (ERRORS,)),
    )

    state, alerts = alerts_for_window(spike, IncidentBook(), POLICY, now_ms=12_345)

    (alert,) = alerts
    assert set(alert.to_dict()) == FIELDS
    assert (alert.status, alert.scope, alert.target) == ("open", "service", "checkout")
    assert alert.summary == "5xx error rate of checkout rose from 0.4 % to 31 %"
    assert alert.explanation[0]["feature"] == "error_rate_5xx"
    assert alert.explanation[0]["normal"] == 0.004
    assert alert.severity == "critical"
    assert alert.business_impact is None
    assert alert.incident_id == state.open[0].incident_id
    assert json.loads(alert.to_json())["time"] == 12_345


def test_system_finding_names_the_service_that_moved_most() -> None:
    """Held a second window, as a system finding that no service explains must be."""
    findings = (
        Finding("system", "system", 0.95, (ERRORS,)),
        Finding("service", "frontend", 0.4, (ERRORS,)),
        Finding("service", "checkout", 0.2, (ERRORS,)),
    )
    book, first = alerts_for_window(window(0, *findings), IncidentBook(), POLICY, 0)

    _, (alert,) = alerts_for_window(window(5_000, *findings), book, POLICY, 1)

    assert first == []
    assert alert.scope == "system"
    assert alert.summary.endswith("(most moved service: frontend)")


def test_resolved_alert_closes_the_same_incident() -> None:
    spike = window(0, Finding("service", "checkout", 1.0, (ERRORS,)))
    state, (opened,) = alerts_for_window(spike, IncidentBook(), POLICY, 0)
    raised = []
    for start in (5_000, 10_000, 15_000):
        state, alerts = alerts_for_window(quiet(start), state, POLICY, start)
        raised += alerts

    (resolved,) = raised
    assert resolved.status == "resolved"
    assert resolved.incident_id == opened.incident_id
    assert (resolved.scope, resolved.target) == ("service", "checkout")
    assert resolved.summary == f"Resolved: {opened.summary}"
    assert resolved.id != opened.id


def test_same_window_gives_the_same_alert_id() -> None:
    spike = window(0, Finding("service", "checkout", 1.0, (ERRORS,)))

    _, (first,) = alerts_for_window(spike, IncidentBook(), POLICY, 1)
    _, (second,) = alerts_for_window(spike, IncidentBook(), POLICY, 2)

    assert first.id == second.id


def two_windows(first: Finding, second: Finding) -> tuple[list[Alert], list[Alert]]:
    """The alerts of two consecutive windows, one finding each, from an empty book."""
    book, raised_first = alerts_for_window(window(0, first), IncidentBook(), POLICY, 0)
    _, raised_second = alerts_for_window(window(5_000, second), book, POLICY, 1)
    return raised_first, raised_second


def test_business_metric_gives_business_impact_and_business_hints() -> None:
    """A mean's move opens once held a second window (``needs_confirming``)."""
    moved = Finding("metric", "revenue", 0.95, (REVENUE,))

    none, (alert,) = two_windows(moved, moved)

    assert none == []
    assert alert.business_impact == "value of revenue: 100 normally, 20 now"
    assert any("business flow" in hint for hint in alert.remediation)


TRAFFIC_FELL = Deviation("request_count", 24.0, 3.5, 4.0, -5.8)


def test_a_fall_that_fired_and_waited_opens_when_the_next_window_is_uneasy_the_same_way() -> None:
    # A drop fires in its first window (it waits for a second: a client's stall of a second
    # empties a window too) and scores 0.75 in the next: that confirms it.
    fired = Finding("service", "edge", 0.91, (TRAFFIC_FELL,))
    uneasy = Finding("service", "edge", 0.75, (TRAFFIC_FELL,))

    waited, (alert,) = two_windows(fired, uneasy)

    assert waited == []
    assert (alert.status, alert.target) == ("open", "edge")
    assert alert.summary.startswith("request count of edge fell")


def test_an_uneasy_system_does_not_confirm_its_own_fall() -> None:
    # The senders stall for a second: the system's traffic falls, then is still low.
    fired = Finding("system", "system", 0.93, (TRAFFIC_FELL,))
    uneasy = Finding("system", "system", 0.63, (TRAFFIC_FELL,))

    _, alerts = two_windows(fired, uneasy)

    assert alerts == []


def test_errors_pooled_at_the_system_alone_wait_for_a_second_window_that_fires() -> None:
    # One or two 5xx at each of several services, none of them firing, pooled over three
    # windows at the system: a blip unless the next window fires too.
    pooled = Finding("system", "system", 0.91, (ERRORS,), held=True)
    gone = Finding("system", "system", 0.4, (ERRORS,))

    waited, none = two_windows(pooled, gone)
    _, (alert,) = two_windows(pooled, pooled)

    assert waited == none == []
    assert (alert.status, alert.scope) == ("open", "system")


def test_a_latency_spike_is_not_confirmed_by_a_sum_that_holds_the_spike_itself() -> None:
    # One slow request of six fires; the next window's latency sum is uneasy only because
    # it still counts that window. A window uneasy on its own confirms it.
    slow = Deviation("latency_p95", 78.0, 30.0, 512.0, 13.3)
    spike = Finding("service", "media", 0.95, (slow,))
    summed = Finding("service", "media", 0.8, (slow,), held=True)
    uneasy = Finding("service", "media", 0.8, (slow,))

    _, unconfirmed = two_windows(spike, summed)
    _, (alert,) = two_windows(spike, uneasy)

    assert unconfirmed == []
    assert (alert.status, alert.target) == ("open", "media")


def test_an_uneasy_window_confirms_only_a_move_the_same_way() -> None:
    fired = Finding("service", "edge", 0.91, (TRAFFIC_FELL,))
    rose = Deviation("request_count", 24.0, 3.5, 60.0, 10.3)
    made_up = Finding("service", "edge", 0.75, (rose,))

    _, alerts = two_windows(fired, made_up)

    assert alerts == []


def test_severity_depends_on_the_kind_that_moved() -> None:
    assert severity(Finding("service", "a", 0.92, (ERRORS,)), 0.9) == "critical"
    assert severity(Finding("service", "a", 0.92, (NEW_ENDPOINT,)), 0.9) == "info"
    assert severity(Finding("service", "a", 0.99, (NEW_ENDPOINT,)), 0.9) == "warning"
    latency = Deviation("latency_p95", 100.0, 10.0, 300.0, 20.0)
    assert severity(Finding("service", "a", 0.92, (latency,)), 0.9) == "warning"


def test_remediation_names_the_target_without_repeats() -> None:
    hints = remediation(Finding("service", "checkout", 1.0, (ERRORS, ERRORS)))

    assert hints[0] == "Check recent deploys and the error logs of checkout."
    assert len(hints) == len(set(hints))


def test_no_business_impact_when_no_business_feature_moved() -> None:
    assert business_impact([Finding("service", "a", 1.0, (ERRORS,))]) is None


CALLS = CallGraph.from_events([{"service": "users", "caller": "web"}, {"service": "web"}])
WENT_SILENT = Deviation("request_count", 16.0, 4.0, 0.0, -4.0)
BACK = Deviation("request_count", 16.0, 4.0, 15.0, -0.25)


def caller_fails_after_outage(
    outage_score_after: float, caller: str = "web", calm_windows: int = 0, silent: bool = True
) -> list[Alert]:
    """users goes silent (web failing on its calls); ``calm_windows`` quiet windows later,
    while its incident is still open, ``caller``'s 5xx alone, users scoring
    ``outage_score_after`` (still silent, or back). The alerts of that last window."""
    down = window(
        0,
        Finding("service", "users", 0.95, (WENT_SILENT,)),
        Finding("service", "web", 0.97, (ERRORS,)),
    )
    book, (opened,) = alerts_for_window(down, IncidentBook(), POLICY, 0, CALLS)
    assert opened.target == "users"
    start = 5_000
    for _ in range(calm_windows):
        book, none = alerts_for_window(quiet(start), book, POLICY, start, CALLS)
        assert none == [] and len(book.open) == 1
        start += 5_000
    after = window(
        start,
        Finding("service", caller, 0.97, (ERRORS,)),
        Finding("service", "users", outage_score_after, (WENT_SILENT if silent else BACK,)),
    )
    _, raised = alerts_for_window(after, book, POLICY, 1, CALLS)
    return raised


def test_a_callers_errors_while_its_callee_is_still_uneasy_join_the_callees_incident() -> None:
    assert caller_fails_after_outage(0.64) == []
    assert caller_fails_after_outage(0.1, silent=False) == []  # it was uneasy a window ago


def test_a_callers_errors_after_its_callee_settled_are_an_incident_of_their_own() -> None:
    raised = caller_fails_after_outage(0.1, calm_windows=2, silent=False)

    assert [(a.status, a.target) for a in raised] == [("open", "web"), ("resolved", "users")]


def test_errors_of_a_service_that_does_not_call_the_failing_one_are_their_own_incident() -> None:
    (alert,) = caller_fails_after_outage(0.64, caller="search")

    assert (alert.status, alert.target) == ("open", "search")


NEW_CALLEE = Deviation("new_interactions", 0.0, 1.0, 2.0, 2.0)
SLOWER = Deviation("latency_p50", 82.0, 9.0, 133.0, 5.7)


def test_a_callers_slowdown_after_its_new_dependency_joins_that_incident() -> None:
    """risk-score is announced once, as a new callee of orders; orders' latency rises a few
    windows later, from its calls to it: one incident, not a second page."""
    calls = CallGraph.from_events([{"service": "risk-score", "caller": "orders"}])
    announced = window(0, Finding("service", "risk-score", 0.95, (NEW_CALLEE,)))
    book, (opened,) = alerts_for_window(announced, IncidentBook(), POLICY, 0, calls)
    for start in (5_000, 10_000):
        book, none = alerts_for_window(quiet(start), book, POLICY, start, calls)
        assert none == []
    slower = Finding("service", "orders", 0.95, (SLOWER,))
    raised = []
    for start in (15_000, 20_000):
        book, alerts = alerts_for_window(window(start, slower), book, POLICY, start, calls)
        raised += alerts

    assert [a.status for a in raised if a.status == "open"] == []
    (incident,) = book.open
    assert incident.incident_id == opened.incident_id
    assert "service:orders" in incident.members


def test_an_origin_that_only_explains_its_callers_now_has_not_turned() -> None:
    """shipping's latency sum drains (uneasy, this window's median a little under normal)
    while ledger, which calls it, still fires on it: the incident goes on, no update says
    shipping's latency fell."""
    calls = CallGraph.from_events([{"service": "shipping", "caller": "ledger"}])
    slower = Deviation("latency_p50", 40.0, 4.0, 93.0, 13.0)
    rose = Finding("service", "shipping", 0.97, (slower,), held=True)
    book, (opened,) = alerts_for_window(window(0, rose), IncidentBook(), POLICY, 0, calls)
    draining = Finding(
        "service", "shipping", 0.6, (Deviation("latency_p50", 40.0, 4.0, 36.0, -1.0),)
    )
    caller = Finding(
        "service", "ledger", 0.93, (Deviation("latency_p95", 150.0, 30.0, 400.0, 8.3),)
    )

    book, alerts = alerts_for_window(window(5_000, draining, caller), book, POLICY, 5_000, calls)

    assert [a.summary for a in alerts if "fell" in a.summary] == []
    (incident,) = book.open
    assert incident.incident_id == opened.incident_id and incident.move == "latency|+1"


def test_a_spike_is_confirmed_by_its_neighbour_applied_many_windows_later() -> None:
    """Two detectors apply windows out of order: the second window of a latency spike may
    come after the other detector's next twenty windows, and still confirms the first."""
    slow = Deviation("latency_p95", 78.0, 30.0, 2_000.0, 64.0)
    book, first = alerts_for_window(
        window(0, Finding("service", "frontend", 0.99, (slow,))), IncidentBook(), POLICY, 0
    )
    for start in range(10_000, 110_000, 5_000):
        book, _ = alerts_for_window(quiet(start), book, POLICY, start)

    _, (alert,) = alerts_for_window(
        window(5_000, Finding("service", "frontend", 0.99, (slow,))), book, POLICY, 110_000
    )

    assert first == []
    assert (alert.status, alert.target) == ("open", "frontend")
