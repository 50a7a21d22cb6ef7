"""Several incidents at once, one per origin; a cascade is one incident."""

from __future__ import annotations

from seismo.alert.decide import AlertPolicy, ScoredWindow, alerts_for_window
from seismo.alert.incident import IncidentBook, IncidentState
from seismo.alert.model import Alert
from seismo.detect.call_graph import CallGraph
from seismo.detect.evidence import GROSS_SCORE
from seismo.detect.explain import Finding
from seismo.detect.fingerprint_model import Deviation

GRAPH = CallGraph.from_list([["gw", "billing"], ["billing", "vault"], ["gw", "media"]])
POLICY = AlertPolicy()


def errors(target: str, share: float = 0.4) -> Finding:
    return Finding("service", target, 0.99, (Deviation("error_rate_5xx", 0.0, 0.01, share, 40),))


def slow(target: str) -> Finding:
    return Finding("service", target, 0.97, (Deviation("latency_p99", 80, 8, 900, 102),))


def run(*windows: tuple[Finding, ...]) -> list[list[Alert]]:
    book, raised = IncidentBook(), []
    for i, found in enumerate(windows):
        scored = ScoredWindow(i * 1_000, (i + 1) * 1_000, found)
        book, alerts = alerts_for_window(scored, book, POLICY, i, GRAPH)
        raised.append(alerts)
    return raised


def test_two_independent_failures_are_two_incidents_each_resolved() -> None:
    raised = run((errors("vault"), errors("media")), (errors("vault"), errors("media")), (), (), ())

    opened = raised[0]
    assert sorted((a.status, a.target) for a in opened) == [("open", "media"), ("open", "vault")]
    assert len({a.incident_id for a in opened}) == 2
    assert raised[1] == []
    resolved = [a for a in raised[4]]
    assert sorted((a.status, a.target) for a in resolved) == [
        ("resolved", "media"),
        ("resolved", "vault"),
    ]


def test_a_cascade_is_one_incident_named_after_its_origin_with_the_impacted() -> None:
    (alerts, *_) = run((errors("gw", 0.2), errors("billing", 0.3), errors("vault")))

    (alert,) = alerts
    assert alert.target == "vault"
    assert alert.impacted == ["billing", "gw"]
    assert alert.summary.endswith("impacted: billing (5xx error rate), gw (5xx error rate)")


def test_the_origin_found_a_window_later_updates_the_same_incident() -> None:
    raised = run((errors("billing"),), (errors("billing"), errors("vault")), (errors("vault"),))

    (first,), (second,), third = raised
    assert (first.status, first.target) == ("open", "billing")
    assert (second.status, second.target) == ("update", "vault")
    assert second.incident_id == first.incident_id
    assert third == []


def test_a_second_failure_while_one_is_open_is_a_new_page() -> None:
    raised = run((errors("vault"),), (errors("vault"), errors("media")))

    (second,) = raised[1]
    assert (second.status, second.target) == ("open", "media")
    assert second.incident_id != raised[0][0].incident_id


def test_a_stored_single_incident_state_is_read_as_a_book() -> None:
    old = IncidentState(5, (True,), "inc-1", "service:vault", "critical", "s", 0)

    book = IncidentBook.from_dict(old.to_dict())

    assert [i.incident_id for i in book.open] == ["inc-1"]
    assert IncidentBook.from_dict(book.to_dict()) == book
    assert IncidentBook.from_dict(IncidentState().to_dict()).open == ()


def test_a_fault_dipping_below_the_threshold_keeps_its_incident_open() -> None:
    dip = Finding("service", "vault", 0.7, (Deviation("error_rate_5xx", 0.0, 0.01, 0.2, 20),))

    raised = run(*[(errors("vault"),), (dip,), (dip,), (dip,), (errors("vault"),), (), (), ()])

    statuses = [a.status for alerts in raised for a in alerts]
    assert statuses == ["open", "resolved"]


def test_the_system_moving_while_an_incident_is_open_joins_it() -> None:
    system = Finding("system", "system", 0.95, (Deviation("error_rate_5xx", 0.0, 0.01, 0.1, 10),))

    raised = run((errors("vault"),), (system,))

    assert raised[1] == []


def test_the_origin_flipping_to_an_impacted_service_and_back_is_no_update() -> None:
    raised = run(
        (errors("gw", 0.2), errors("billing", 0.3), errors("vault")),
        (errors("gw", 0.2), errors("billing", 0.3)),
        (errors("gw", 0.2), errors("billing", 0.3), errors("vault")),
    )

    assert [a.status for alerts in raised for a in alerts] == ["open"]


def test_an_impacted_service_still_uneasy_does_not_keep_the_incident_open() -> None:
    uneasy = Finding("service", "gw", 0.7, (Deviation("latency_p99", 80, 8, 120, 5),))
    cascade = (errors("gw", 0.2), errors("billing", 0.3), errors("vault"))

    raised = run(cascade, (uneasy,), (uneasy,), (uneasy,))

    assert [(a.status, a.target) for alerts in raised for a in alerts] == [
        ("open", "vault"),
        ("resolved", "vault"),
    ]


def fell(target: str, score: float = 0.93) -> Finding:
    return Finding("service", target, score, (Deviation("request_count", 30, 3, 5, -8),))


def rose(target: str) -> Finding:
    return Finding("service", target, 0.99, (Deviation("request_count", 30, 3, 120, 30),))


def test_a_latency_move_or_a_traffic_fall_of_one_window_opens_nothing() -> None:
    raised = run((slow("media"),), (), (fell("billing"),), ())

    assert raised == [[], [], [], []]


def test_a_gross_fall_opens_at_once_while_a_gross_latency_rise_waits() -> None:
    """An entry point's traffic at a sixth of its level, far past the alert, is no stall of
    a second; a latency quantile jumps that far for one window when its modes mix."""
    raised = run((fell("billing", GROSS_SCORE),), (slow("media"),), ())

    assert [[(a.status, a.target) for a in alerts] for alerts in raised] == [
        [("open", "billing")], [], []
    ]  # fmt: skip
    assert slow("media").score > GROSS_SCORE


def test_a_surge_is_not_kept_open_by_its_traffic_dipping_after_it() -> None:
    """Traffic falling back after a surge is not the surge going on."""
    dipping = fell("billing", 0.7)

    raised = run((rose("billing"),), (dipping,), (dipping,), (dipping,))

    assert [[(a.status, a.target) for a in alerts] for alerts in raised] == [
        [("open", "billing")], [], [], [("resolved", "billing")]
    ]  # fmt: skip


def test_a_fall_found_over_several_windows_opens_at_once() -> None:
    """A run of empty windows is its own confirmation: no second window is awaited."""
    gone = Finding("service", "vault", 0.95, (Deviation("request_count", 9, 3, 0, -3),), True)

    (opened,) = run((gone,))[0]

    assert (opened.status, opened.target) == ("open", "vault")


def test_a_move_is_confirmed_only_by_its_scope_moving_the_same_way_next_to_it() -> None:
    """A system uneasy about its 5xx share does not confirm its traffic falling."""
    uneasy_errors = Finding("system", "system", 0.65, (Deviation("error_rate_5xx", 0, 1, 2, 2),))
    fall = Finding("system", "system", 0.93, (Deviation("request_count", 135, 9, 62, -8),))

    raised = run((uneasy_errors,), (), (fall,), (), (), (), (fall,), (fall,))

    assert [[(a.status, a.target) for a in alerts] for alerts in raised] == [
        [], [], [], [], [], [], [], [("open", "system")]
    ]  # fmt: skip


def test_the_systems_traffic_dipping_for_a_window_after_an_uneasy_one_opens_nothing() -> None:
    """Seen twice in a 2-hour normal run of the shop (117 -> 81 -> 43 -> back): the system
    moving alone must fire in two windows; unease next to it is not enough."""
    uneasy_fall = Finding("system", "system", 0.71, (Deviation("request_count", 117, 9, 81, -3),))
    fall = Finding("system", "system", 0.94, (Deviation("request_count", 113, 9, 43, -6),))

    raised = run((uneasy_fall,), (fall,), (), (), (), (fall,), (uneasy_fall,))

    assert raised == [[], [], [], [], [], [], []]


def test_a_latency_rise_is_confirmed_by_the_window_next_to_it_not_by_one_further() -> None:
    uneasy = Finding("service", "media", 0.7, (Deviation("latency_p95", 80, 8, 150, 9),))

    raised = run((uneasy,), (), (slow("media"),), (slow("media"),))

    assert [[(a.status, a.target) for a in alerts] for alerts in raised] == [
        [], [], [], [("open", "media")]
    ]  # fmt: skip


def test_a_latency_move_that_stays_a_second_window_opens_an_incident() -> None:
    raised = run((slow("media"),), (slow("media"),), (fell("billing"),), (fell("billing"),))

    assert [[(a.status, a.target) for a in alerts] for alerts in raised] == [
        [],
        [("open", "media")],
        [],
        [("open", "billing")],
    ]


def test_errors_and_surges_open_at_once() -> None:
    raised = run((errors("vault"), rose("media")))

    assert sorted((a.status, a.target) for a in raised[0]) == [("open", "media"), ("open", "vault")]


def test_a_burst_of_logs_or_orders_for_one_window_opens_nothing_but_held_two_opens() -> None:
    logs = Finding("service", "media", 0.99, (Deviation("log_count", 0.1, 1, 3, 29),))
    orders = Finding(
        "service", "billing", 0.97, (Deviation("business_observations", 6, 2, 19, 6.5),)
    )

    raised = run((logs,), (), (orders,), (), (logs,), (logs,))

    assert [[(a.status, a.target) for a in alerts] for alerts in raised] == [
        [], [], [], [], [], [("open", "media")]
    ]  # fmt: skip


def surged(target: str) -> Finding:
    return Finding("service", target, 0.99, (Deviation("request_count", 30, 3, 120, 30),))


def test_a_new_kind_of_move_at_an_impacted_service_is_an_incident_of_its_own() -> None:
    slowed = (slow("vault"), slow("billing"))
    raised = run(slowed, slowed, (surged("billing"),), (surged("billing"),))

    [], (latency,), (surge,), _ = raised
    assert (latency.status, latency.target, latency.impacted) == ("open", "vault", ["billing"])
    assert (surge.status, surge.target) == ("open", "billing")
    assert surge.incident_id != latency.incident_id


def test_the_system_moving_another_way_neither_joins_nor_keeps_an_incident_open() -> None:
    system = Finding("system", "system", 0.95, (Deviation("request_count", 90, 9, 20, -8),))
    raised = run((errors("vault"),), (system,), (system,), (system,), (system,))

    opened = [a for alerts in raised for a in alerts if a.status == "open"]
    resolved = [a for alerts in raised for a in alerts if a.status == "resolved"]
    assert [a.target for a in opened] == ["vault", "system"]
    assert [a.target for a in resolved] == ["vault"]


def test_a_silence_behind_a_failing_caller_opens_at_once_named_after_the_silent_service() -> None:
    """A traffic fall of one window waits for a second, but not when a caller fails on it."""
    gone = Finding("service", "vault", 0.3, (Deviation("request_count", 9, 3, 0, -3),))

    (opened,) = run((errors("billing"), gone))[0]

    assert (opened.status, opened.target, opened.impacted) == ("open", "vault", ["billing"])
    assert opened.severity == "critical"


def kpi(value: float) -> Finding:
    return Finding("metric", "order_value", 0.95, (Deviation("business_value", 40, 4, value, 9),))


def test_a_kpi_mean_moving_one_window_opens_nothing_but_held_two_opens() -> None:
    """The mean of a few orders jumps on one large order now and then; a real move holds."""
    out_of_range = Finding(
        "metric", "refunds", 0.99, (Deviation("business_out_of_range", 0.1, 1, 4, 4),)
    )
    raised = run((kpi(90),), (), (), (), (kpi(90),), (kpi(95),))

    assert [[(a.status, a.target) for a in alerts] for alerts in raised] == [
        [],
        [],
        [],
        [],
        [],
        [("open", "order_value")],
    ]
    assert [(a.status, a.target) for a in run((out_of_range,))[0]] == [("open", "refunds")]


def test_a_kpi_moving_while_an_incident_is_open_joins_it_as_its_business_impact() -> None:
    silent_kpi = Finding(
        "metric", "revenue", 0.97, (Deviation("business_observations", 28, 5, 0, -5),)
    )
    raised = run((errors("billing"),), (silent_kpi,))

    (opened,) = raised[0]
    assert [a.status for a in raised[1] if a.status == "open"] == []
    assert all(a.incident_id == opened.incident_id for a in raised[1])


def test_the_system_moving_alone_opens_only_when_held_a_second_window() -> None:
    fewer = Finding("system", "system", 0.91, (Deviation("distinct_endpoints", 14, 1, 9, -5),))

    raised = run((fewer,), (), (), (), (fewer,), (fewer,))

    assert [[(a.status, a.target) for a in alerts] for alerts in raised] == [
        [],
        [],
        [],
        [],
        [],
        [("open", "system")],
    ]


def test_an_origin_turning_the_other_way_is_an_update_of_its_incident() -> None:
    """A surge's entry point then losing its traffic: the drop is announced, not absorbed."""
    raised = run((rose("media"),), (rose("media"),), (fell("media"),), (fell("media"),))

    assert [[(a.status, a.target) for a in alerts] for alerts in raised] == [
        [("open", "media")],
        [],
        [("update", "media")],
        [],
    ]
    assert "fell" in raised[2][0].summary
    assert raised[2][0].incident_id == raised[0][0].incident_id
