"""Root cause across the call graph, on a topology unlike the demo's.

edge -> orders -> ledger
edge -> search -> index
orders -> fx
"""

from __future__ import annotations

from seismo.detect.call_graph import GRAPH_REFRESH_S, CallGraph, GraphSchedule
from seismo.detect.explain import Finding, summary
from seismo.detect.fingerprint_model import Deviation
from seismo.detect.origin import causes, silent
from seismo.fingerprint.entry import Fingerprint

GRAPH = CallGraph.from_events(
    [
        {"service": "orders", "caller": "edge"},
        {"service": "search", "caller": "edge"},
        {"service": "ledger", "caller": "orders"},
        {"service": "index", "caller": "search"},
        {"service": "fx", "caller": "orders"},
        {"service": "edge"},
    ]
)


def errors(target: str, share: float, score: float = 0.99) -> Finding:
    return Finding("service", target, score, (Deviation("error_rate_5xx", 0.0, 0.01, share, 30),))


def slow(target: str, ms: float, score: float = 0.99) -> Finding:
    return Finding("service", target, score, (Deviation("latency_p95", 40, 4, ms, (ms - 40) / 4),))


def traffic(target: str, normal: float, now: float, score: float = 0.99) -> Finding:
    z = (now - normal) / (0.1 * normal)
    return Finding("service", target, score, (Deviation("request_rate", normal, 1, now, z),))


def named(findings: list[Finding]) -> list[tuple[str, list[str]]]:
    return [
        (c.origin.target, sorted(f.target for f in c.impacted))
        for c in causes(findings, GRAPH, 0.9)
    ]


def test_the_graph_reaches_through_intermediate_services() -> None:
    assert GRAPH.downstream("edge") == {"orders", "search", "ledger", "index", "fx"}
    assert GRAPH.upstream("ledger") == {"orders", "edge"}
    assert CallGraph.from_list(GRAPH.to_list()) == GRAPH


def test_a_service_whose_own_time_jumped_beside_its_median_is_an_origin() -> None:
    """orders' median heads its finding, but its own time rose as far as a headline must:
    two error logs at ledger, which it calls, do not explain it."""
    median = Deviation("latency_p50", 65, 6, 117, 7.8)
    own = Deviation("latency_own", 9, 2, 59, 22.9)
    logs = Finding("service", "ledger", 0.7, (Deviation("log_errors", 0, 1, 2, 2),))

    (cause,) = causes([Finding("service", "orders", 1.0, (median, own)), logs], GRAPH, 0.9, 0.6)

    assert (cause.origin.target, cause.impacted) == ("orders", ())


def test_errors_passed_up_the_call_chain_are_named_at_the_deepest_failing_service() -> None:
    found = [errors("edge", 0.2, 1.0), errors("orders", 0.3), errors("ledger", 0.4, 0.95)]

    assert named(found) == [("ledger", ["edge", "orders"])]


def own_time(target: str, ms: float, score: float = 0.99) -> Finding:
    return Finding("service", target, score, (Deviation("latency_own", 10, 2, ms, (ms - 10) / 2),))


def test_a_service_whose_own_time_rose_is_an_origin_whatever_its_callees_did() -> None:
    # orders itself slowed (its own time, not its calls'); ledger, which it calls, wobbled
    # slower at the same time. Both are origins: ledger's latency does not explain orders'.
    found = [own_time("orders", 60), slow("ledger", 90, 0.95)]

    assert sorted(named(found)) == [("ledger", []), ("orders", [])]
    assert summary(causes(found, GRAPH, 0.9)[0].origin).startswith("own latency of")


def test_two_services_failing_on_separate_branches_are_two_causes() -> None:
    found = [errors("ledger", 0.4), slow("index", 400)]

    assert sorted(named(found)) == [("index", []), ("ledger", [])]


def test_a_surge_is_named_at_its_entry_point_not_at_every_callee() -> None:
    found = [traffic("orders", 20, 90, 1.0), traffic("edge", 50, 200), traffic("fx", 5, 22)]

    assert named(found) == [("edge", ["fx", "orders"])]


def test_a_silent_service_is_named_not_its_failing_caller() -> None:
    found = [errors("orders", 0.5, 1.0), errors("edge", 0.2), traffic("ledger", 6, 0, 0.95)]

    assert named(found) == [("ledger", ["edge", "orders"])]


def test_latency_of_a_deep_callee_explains_its_callers_latency() -> None:
    found = [slow("edge", 300, 1.0), slow("orders", 280), slow("fx", 250, 0.92)]

    assert named(found) == [("fx", ["edge", "orders"])]


def test_a_moving_kpi_and_the_system_join_the_failing_service() -> None:
    kpi = Finding("metric", "revenue", 0.97, (Deviation("business_value", 60, 5, 20, -8),))
    system = Finding("system", "system", 0.95, (Deviation("error_rate_5xx", 0, 0.01, 0.1, 10),))

    (cause,) = causes([errors("ledger", 0.4), kpi, system], GRAPH, 0.9)

    assert cause.origin.target == "ledger"
    assert {f.key for f in cause.impacted} == {"metric:revenue", "system:system"}


def test_without_a_graph_every_firing_finding_is_one_cause_as_before() -> None:
    (cause,) = causes([errors("ledger", 0.4), slow("index", 400, 0.95)], CallGraph(), 0.9)

    assert cause.origin.target == "ledger"
    assert [f.target for f in cause.impacted] == ["index"]


def test_a_thin_callee_empty_by_chance_does_not_take_its_slow_callers_fault() -> None:
    """Called twice a window, a service is empty one window in seven by chance."""
    found = [slow("orders", 300, 0.97), traffic("fx", 2, 0, 0.7)]

    assert named(found) == [("orders", [])]
    assert named([errors("orders", 0.3, 0.97), traffic("fx", 8, 0, 0.7)]) == [("fx", ["orders"])]


def test_a_silent_callee_explains_its_callers_errors_not_its_callers_latency_alone() -> None:
    """A caller that slowed sends fewer calls, and its callee goes quiet: the caller is the
    origin. A callee that went down shows in its callers' failed calls."""
    quiet_callee = traffic("fx", 8, 0, 0.7)

    assert named([slow("orders", 300, 0.97), quiet_callee]) == [("orders", [])]
    assert named([errors("orders", 0.3, 0.97), quiet_callee]) == [("fx", ["orders"])]


def test_a_service_whose_orders_stopped_while_serving_calls_is_not_silent() -> None:
    """Its KPI's silence is the per-metric watch's; its caller's latency is its own fault."""
    no_orders = Deviation("business_observations", 8, 2, 0, -4)
    ordering = Finding("service", "fx", 0.3, (no_orders,))

    assert named([slow("orders", 300, 0.97), ordering]) == [("orders", [])]


def test_an_elevated_service_whose_caller_went_to_a_stronger_origin_is_no_cause() -> None:
    """edge's 5xx are explained by search's 5xx; orders' elevated latency explains nothing."""
    found = [errors("edge", 0.2), errors("search", 0.5), slow("orders", 300, 0.86)]

    (cause,) = causes(found, GRAPH, 0.9, explain_at=0.6)

    assert cause.origin.target == "search"
    assert [f.target for f in cause.impacted] == ["edge"]


def test_a_silence_is_sized_by_the_requests_that_stopped_not_by_a_kpi_beside_them() -> None:
    """Thirty requests a window gone is silence, though the one order a window beside them
    is often missing by chance."""
    stopped = (
        Deviation("request_rate", 30, 3, 0, -10),
        Deviation("business_observations", 1, 1, 0, -1),
        Deviation("request_count", 30, 3, 0, -10),
    )

    assert silent(Finding("service", "ledger", 0.95, stopped))


def test_a_callee_failing_under_its_callers_surge_is_the_surges_impact() -> None:
    """orders' calls rose with edge's surge and its errors followed: one cause, at edge. A
    callee whose calls did not rise failed on its own."""
    surge = traffic("edge", 50, 200)
    overloaded = Finding(
        "service",
        "ledger",
        0.97,
        (Deviation("log_errors", 0.2, 0.5, 3.5, 6.6), Deviation("request_count", 20, 2, 80, 30)),
    )

    assert named([surge, overloaded]) == [("edge", ["ledger"])]
    assert sorted(named([surge, errors("ledger", 0.3)])) == [("edge", []), ("ledger", [])]


def test_a_silent_service_is_said_to_have_gone_silent() -> None:
    assert summary(traffic("ledger", 6, 0)).startswith("ledger went silent: request rate of")


def test_an_elevated_entry_point_explains_its_callees_firing_drop() -> None:
    found = [traffic("edge", 50, 4, 0.8), traffic("orders", 20, 1, 0.97), slow("index", 90, 0.7)]

    (cause,) = causes(found, GRAPH, 0.9, explain_at=0.6)

    assert cause.origin.target == "edge"
    assert [f.target for f in cause.impacted] == ["orders"]
    assert causes(found, GRAPH, 0.9)[0].origin.target == "orders"


def test_a_service_silent_because_its_callers_stopped_calling_joins_their_drop() -> None:
    found = [traffic("edge", 50, 5, 1.0), traffic("orders", 20, 2), traffic("ledger", 6, 0, 0.95)]

    assert named(found) == [("edge", ["ledger", "orders"])]


def test_the_system_joins_the_cause_whose_origin_moved_the_same_kind_of_feature() -> None:
    system = Finding("system", "system", 0.97, (Deviation("request_rate", 100, 5, 20, -16),))
    findings = [errors("fx", 0.5, score=0.999), traffic("edge", 50, 5), system]

    found = {c.origin.target: {f.key for f in c.impacted} for c in causes(findings, GRAPH, 0.9)}

    assert "system:system" in found["edge"]
    assert "system:system" not in found["fx"]


def test_a_callee_gone_quiet_explains_its_callers_failures_before_its_silence_fires() -> None:
    """One empty window scores little alone; beside a caller failing on its calls it is the
    origin, and carries that caller's score."""
    found = [errors("orders", 0.5, 0.97), traffic("ledger", 6, 0, 0.2)]

    (cause,) = causes(found, GRAPH, 0.9, 0.6)

    assert (cause.origin.target, [f.target for f in cause.impacted]) == ("ledger", ["orders"])
    assert cause.origin.score == 0.97


def test_a_quiet_callee_does_not_take_a_failure_it_cannot_explain() -> None:
    found = [errors("search", 0.5, 0.97), traffic("ledger", 6, 0, 0.2)]

    assert named(found) == [("search", [])]


def test_a_callers_traffic_fall_behind_a_slowed_callee_is_the_slowdowns_consequence() -> None:
    """Seen in the demo: catalog slowed, and web, waiting on it, sent a third fewer calls."""
    found = [slow("ledger", 400), traffic("orders", 180, 110), traffic("edge", 180, 170, 0.5)]

    assert named(found) == [("ledger", ["orders"])]


def test_a_traffic_fall_beside_an_unrelated_slowdown_stays_a_cause_of_its_own() -> None:
    found = [slow("index", 400), traffic("orders", 180, 110)]

    assert sorted(named(found)) == [("index", []), ("orders", [])]


def test_a_callers_failures_and_its_callees_silence_short_of_the_alert_agree_on_one_fault() -> None:
    """Seen on a generated system: a callee of three calls a window silent for three
    windows scored 0.78, its caller's 5xx 0.89; neither alone opened an incident."""
    silent_three_windows = Finding("service", "ledger", 0.78, traffic("ledger", 3, 0).moved, True)
    found = [errors("orders", 0.2, 0.89), silent_three_windows]

    (cause,) = causes(found, GRAPH, 0.9, 0.6)

    assert (cause.origin.target, [f.target for f in cause.impacted]) == ("ledger", ["orders"])
    assert cause.origin.score >= 0.9
    assert causes([errors("orders", 0.2, 0.89)], GRAPH, 0.9, 0.6) == []


def test_one_empty_window_of_a_callee_does_not_lift_its_callers_unease_to_an_alert() -> None:
    found = [errors("orders", 0.2, 0.8), traffic("ledger", 3, 0, 0.39)]

    assert causes(found, GRAPH, 0.9, 0.6) == []


def test_a_silence_does_not_lift_a_failure_of_a_service_that_does_not_call_it() -> None:
    found = [
        errors("search", 0.2, 0.89),
        Finding("service", "ledger", 0.78, traffic("ledger", 3, 0).moved, True),
    ]

    assert causes(found, GRAPH, 0.9, 0.6) == []


def test_the_call_graph_is_read_again_at_once_when_a_window_shows_new_callers() -> None:
    schedule = GraphSchedule()
    quiet = Fingerprint(0, 1000, {}, {"search": {"new_interactions": 0.0}})
    new_callee = Fingerprint(1000, 2000, {}, {"risk-score": {"new_interactions": 2.0}})

    assert schedule.read_now(100.0, quiet)  # never read yet
    assert not schedule.read_now(101.0, quiet)
    assert schedule.read_now(102.0, new_callee)  # the new edge is in the graph at once
    assert not schedule.read_now(110.0, quiet)
    assert schedule.read_now(102.0 + GRAPH_REFRESH_S, quiet)
