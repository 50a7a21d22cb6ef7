"""Early incidents: opened from an open window, then confirmed or withdrawn when it closes."""

from __future__ import annotations

from seismo.alert.decide import (
    EARLY,
    WITHDRAWN,
    AlertPolicy,
    ScoredWindow,
    alerts_for_window,
    early_alerts,
)
from seismo.alert.incident import IncidentBook
from seismo.detect.call_graph import CallGraph
from seismo.detect.explain import Finding
from seismo.detect.fingerprint_model import Deviation

ERRORS = Deviation("error_rate_5xx", 0.002, 0.01, 0.45, 44.8)
POLICY = AlertPolicy()
GROSS = Finding("service", "payments", 0.97, (ERRORS,))


def window(start: int, *findings: Finding) -> ScoredWindow:
    return ScoredWindow(start, start + 1_000, findings)


def test_a_gross_finding_opens_an_early_incident_once() -> None:
    book, (alert,) = early_alerts(window(5_000, GROSS), IncidentBook(), POLICY, 5_400)

    assert (alert.status, alert.target, alert.early) == ("open", "payments", True)
    assert alert.summary.endswith(f"({EARLY})")
    assert alert.window_start == 5_000 and alert.time == 5_400
    (incident,) = book.open
    assert incident.early_window == 5_000 and incident.incident_id == alert.incident_id
    assert EARLY not in incident.summary
    assert book.recent == () and book.last_window == -1  # the window is applied at close

    again, more = early_alerts(window(5_000, GROSS), book, POLICY, 5_650)
    assert more == [] and again == book


def test_the_closed_window_confirms_it_without_a_second_open() -> None:
    book, (opened,) = early_alerts(window(5_000, GROSS), IncidentBook(), POLICY, 5_400)

    book, alerts = alerts_for_window(window(5_000, GROSS), book, POLICY, 7_100)

    assert alerts == []
    (incident,) = book.open
    assert incident.incident_id == opened.incident_id and incident.early_window is None
    assert book.last_window == 5_000


def test_a_closed_window_without_the_fault_withdraws_it_at_once() -> None:
    book, (opened,) = early_alerts(window(5_000, GROSS), IncidentBook(), POLICY, 5_400)
    calm = Finding("service", "payments", 0.3, (ERRORS,))

    book, (withdrawn,) = alerts_for_window(window(5_000, calm), book, POLICY, 7_100)

    assert withdrawn.status == "resolved" and withdrawn.incident_id == opened.incident_id
    assert withdrawn.summary.startswith(f"{WITHDRAWN}: ")
    assert EARLY not in withdrawn.summary
    assert book.open == ()


def test_an_earlier_window_closing_leaves_it_alone() -> None:
    book, _ = early_alerts(window(5_000, GROSS), IncidentBook(), POLICY, 5_400)

    after, alerts = alerts_for_window(window(4_000), book, POLICY, 6_100)

    assert alerts == [] and after.open == book.open


def test_nothing_is_raised_early_on_a_window_already_applied_or_already_alerting() -> None:
    applied = IncidentBook(last_window=5_000)
    assert early_alerts(window(5_000, GROSS), applied, POLICY, 5_400)[1] == []

    book, _ = alerts_for_window(window(4_000, GROSS), IncidentBook(), POLICY, 5_100)
    assert early_alerts(window(5_000, GROSS), book, POLICY, 5_400)[1] == []


def test_an_elevated_callee_defers_its_gross_caller_to_the_close() -> None:
    graph = CallGraph(frozenset({("checkout", "payments")}))
    caller = Finding("service", "checkout", 0.97, (ERRORS,))
    callee = Finding("service", "payments", 0.8, (ERRORS,))

    _, alerts = early_alerts(window(5_000, caller, callee), IncidentBook(), POLICY, 5_400, graph)

    assert alerts == []


def test_a_gross_callee_is_named_with_its_caller_impacted() -> None:
    graph = CallGraph(frozenset({("checkout", "payments")}))
    caller = Finding("service", "checkout", 0.97, (ERRORS,))

    _, (alert,) = early_alerts(window(5_000, caller, GROSS), IncidentBook(), POLICY, 5_400, graph)

    assert (alert.target, alert.impacted) == ("payments", ["checkout"])


def test_an_early_incident_beside_a_system_one_is_confirmed_not_withdrawn() -> None:
    system = Finding("system", "system", 0.95, (Deviation("error_rate_5xx", 0.005, 0.01, 0.1, 9),))
    book, _ = alerts_for_window(window(4_000, system), IncidentBook(), POLICY, 4_500)
    book, (early,) = early_alerts(window(5_000, GROSS), book, POLICY, 5_400)

    _, alerts = alerts_for_window(window(5_000, GROSS, system), book, POLICY, 6_500)

    assert all(a.incident_id != early.incident_id or a.status != "resolved" for a in alerts)
    assert not any(a.summary.startswith(WITHDRAWN) for a in alerts)


def test_a_callee_silent_so_far_is_named_early_as_the_origin_of_its_callers_failures() -> None:
    graph = CallGraph(frozenset({("checkout", "payments")}))
    caller = Finding("service", "checkout", 0.97, (ERRORS,))
    quiet = Finding("service", "payments", 0.0, (Deviation("request_count", 12, 3.5, 0, -3.5),))

    _, (alert,) = early_alerts(window(5_000, caller, quiet), IncidentBook(), POLICY, 5_400, graph)

    assert (alert.target, alert.impacted) == ("payments", ["checkout"])
    assert alert.summary.startswith("payments went silent")


def test_a_closed_window_naming_another_origin_updates_the_early_incident_to_it() -> None:
    """Seen in the shop: users went down, and its caller gave up before calling checkout;
    both silent so far, checkout, which calls users, was named early with users impacted."""
    graph = CallGraph(
        frozenset({("gateway", "users"), ("gateway", "checkout"), ("checkout", "users")})
    )
    failing = Finding("service", "gateway", 0.97, (ERRORS,))
    silent_so_far = Finding(
        "service", "checkout", 0.0, (Deviation("request_count", 5, 2, 0, -2.5),)
    )
    fewer = Finding("service", "users", 0.0, (Deviation("request_count", 15, 3.9, 0, -3.9),))
    book, (early,) = early_alerts(
        window(5_000, failing, silent_so_far, fewer), IncidentBook(), POLICY, 5_400, graph
    )
    assert (early.target, early.impacted) == ("checkout", ["gateway", "users"])
    down = Finding("service", "users", 0.95, (Deviation("request_count", 16, 4, 0, -4),))

    book, (update,) = alerts_for_window(window(5_000, failing, down), book, POLICY, 6_500, graph)

    assert (update.status, update.target, update.incident_id) == (
        "update",
        "users",
        early.incident_id,
    )
    assert book.open[0].origin == "service:users"


def test_a_callers_gross_slowdown_after_its_new_dependency_opens_nothing_early() -> None:
    """risk-score is announced as a new callee of orders; orders' latency, gross in an open
    window a little later, is that incident's consequence: the window's close joins it."""
    calls = CallGraph.from_events([{"service": "risk-score", "caller": "orders"}])
    new_callee = Deviation("new_interactions", 0.0, 1.0, 2.0, 2.0)
    announced = window(0, Finding("service", "risk-score", 0.95, (new_callee,)))
    book, _ = alerts_for_window(announced, IncidentBook(), POLICY, 1_500, calls)
    slower = Deviation("latency_p50", 82.0, 9.0, 400.0, 35.0)

    _, early = early_alerts(
        window(2_000, Finding("service", "orders", 0.99, (slower,))), book, POLICY, 2_400, calls
    )

    assert early == []


def test_the_closed_window_naming_a_new_callee_takes_over_its_callers_early_incident() -> None:
    """auth slowed from its first calls to risk-score and was raised early; the window's
    close names the new dependency with auth impacted: one incident, updated to it."""
    calls = CallGraph.from_events([{"service": "risk-score", "caller": "auth"}])
    slower = Finding("service", "auth", 0.99, (Deviation("latency_p50", 9.0, 2.0, 48.0, 19.5),))
    book, (opened,) = early_alerts(window(5_000, slower), IncidentBook(), POLICY, 5_400, calls)
    new_callee = Deviation("new_interactions", 0.0, 1.0, 2.0, 2.0)
    announced = Finding("service", "risk-score", 0.95, (new_callee,))

    book, alerts = alerts_for_window(window(5_000, announced, slower), book, POLICY, 7_100, calls)

    assert [(a.status, a.target) for a in alerts] == [("update", "risk-score")]
    (incident,) = book.open
    assert incident.incident_id == opened.incident_id
