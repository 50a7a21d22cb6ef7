"""Scoring of a scripted scenario run: detection, delay, explanation, false alarms, pushes."""

from __future__ import annotations

from typing import Any

from seismo.alert.decide import WITHDRAWN
from seismo.bench.scenario_score import (
    Received,
    Record,
    beyond_normal,
    explanation_ok,
    feature_moves,
    kind_result,
    separability,
    summarise,
    worst_of,
)
from seismo.demo.faults import Fault
from tests.builders import alert_dict, moved

T0 = 1_800_000_000_000
WINDOW = 1000
NORMAL = (T0, T0 + 60_000)
SPIKE = Fault("error-spike", "payments", T0 + 70_000, T0 + 90_000)


def alert(
    window_start: int,
    status: str = "open",
    target: str = "payments",
    features: tuple[str, ...] = ("error_rate_5xx",),
    scope: str = "service",
    summary: str = "",
    alert_id: str | None = None,
) -> dict[str, Any]:
    """An alert about the window starting at ``window_start`` whose explanation names
    ``features``."""
    return alert_dict(
        alert_id or f"{status}-{window_start}",
        window_start + WINDOW,
        window_ms=WINDOW,
        status=status,
        scope=scope,
        target=target,
        summary=summary,
        explanation=[moved(f, 0, 1, 9) for f in features],
    )


def record(*received: Received, faults: tuple[Fault, ...] = (SPIKE,), **extra: Any) -> Record:
    return Record(faults, received, NORMAL[0], NORMAL[1], WINDOW, SPIKE.end_ms + 60_000, **extra)


def both(data: dict[str, Any], pubsub_ms: int, ws_ms: int) -> tuple[Received, Received]:
    return Received(data, pubsub_ms, "pubsub"), Received(data, ws_ms, "ws")


def test_first_alert_in_the_fault_gives_the_delay_in_windows_and_the_ws_latency() -> None:
    late = alert(SPIKE.start_ms + 3 * WINDOW)
    first = alert(SPIKE.start_ms + WINDOW, status="update")
    result = kind_result(SPIKE, record(*both(late, 0, 0), *both(first, 0, SPIKE.start_ms + 2300)))
    assert result.detected
    assert result.delay_windows == 1
    assert result.explanation_ok
    assert result.ws_latency_ms == 2300
    assert result.push_ms == 300
    assert result.right_delay_windows == 1


def test_alerts_about_windows_before_the_onset_or_after_the_end_do_not_count() -> None:
    before = alert(SPIKE.start_ms - WINDOW)
    after = alert(SPIKE.end_ms)
    result = kind_result(SPIKE, record(*both(before, 0, 0), *both(after, 0, 0)))
    assert not result.detected
    assert result.delay_windows is None


def test_a_resolved_alert_is_no_detection() -> None:
    resolved = alert(SPIKE.start_ms, status="resolved")
    assert not kind_result(SPIKE, record(*both(resolved, 0, 0))).detected


def test_an_alert_naming_another_service_or_feature_is_not_a_right_explanation() -> None:
    assert not explanation_ok("error-spike", "payments", alert(0, target="checkout"))
    assert not explanation_ok("error-spike", "payments", alert(0, features=("latency_p99",)))
    assert explanation_ok(
        "error-spike", "payments", alert(0, features=("latency_p99", "log_errors"))
    )


def test_a_system_alert_is_right_when_it_names_the_service_that_moved_most() -> None:
    sentence = "5xx error rate of the system rose (most moved service: payments)"
    system = alert(0, target="system", scope="system", summary=sentence)
    assert explanation_ok("error-spike", "payments", system)
    assert not explanation_ok("error-spike", "payments", {**system, "summary": "rose"})


def test_a_surge_at_the_entry_point_may_be_named_by_the_system_and_a_kpi_drop_by_its_metric() -> (
    None
):
    surge = alert(0, target="system", scope="system", features=("request_rate",))
    kpi = alert(0, target="revenue", scope="metric", features=("business_out_of_range",))
    assert explanation_ok("traffic-surge", "web", surge)
    assert explanation_ok("kpi-drop", "checkout", kpi)
    assert not explanation_ok("error-spike", "payments", {**surge, "features": ["error_rate_5xx"]})


def test_false_alarms_are_opens_in_the_normal_stretch_scaled_to_an_hour() -> None:
    opened = alert(NORMAL[0] + 5000, target="users")
    updated = alert(NORMAL[0] + 6000, status="update", target="users")
    during_fault = alert(SPIKE.start_ms)
    summary = summarise(
        record(*both(opened, 0, 0), *both(updated, 0, 0), *both(during_fault, 0, 0))
    )
    assert summary["false_alarms"] == 1
    assert summary["false_alarms_per_hour"] == 60.0
    assert not summary["met"]["false_alarms"]


def test_summary_meets_the_targets_only_when_every_kind_is_caught_in_time_and_pushed_fast() -> None:
    on_time = alert(SPIKE.start_ms + WINDOW)
    summary = summarise(record(*both(on_time, SPIKE.start_ms + 2100, SPIKE.start_ms + 2200)))
    assert summary["met"] == {"detection": True, "false_alarms": True, "ws_latency": True}
    assert summary["ws_latency_ms"] == 2200
    assert summary["kinds"][0]["kind"] == "error-spike"
    too_late = alert(SPIKE.start_ms + 3 * WINDOW)
    slow = summarise(record(*both(too_late, SPIKE.start_ms + 4100, SPIKE.start_ms + 4200)))
    assert slow["met"] == {"detection": False, "false_alarms": True, "ws_latency": False}


def test_opens_between_faults_are_counted_apart_from_the_normal_stretch() -> None:
    echo = alert(SPIKE.end_ms + 5 * WINDOW)
    summary = summarise(record(*both(echo, 0, 0)))
    assert summary["opens_outside_faults"] == 1
    assert summary["false_alarms"] == 0


def test_feature_moves_compare_the_target_in_normal_windows_with_the_first_fault_windows() -> None:
    def fingerprint(start: int, rate: float) -> dict[str, Any]:
        services = {"payments": {"error_rate_5xx": rate, "log_errors": 10 * rate}}
        system = {"error_rate_5xx": rate / 2}
        return {"window_start": start, "services": services, "system": system, "metrics": {}}

    rows = [fingerprint(NORMAL[0] + i * WINDOW, 0.01) for i in range(5)]
    rows += [fingerprint(SPIKE.start_ms + i * WINDOW, rate) for i, rate in enumerate((0.2, 0.3, 0))]
    moves = feature_moves(SPIKE, record(fingerprints=rows))
    assert moves["target"]["error_rate_5xx"] == {"normal": 0.01, "fault": 0.3, "as_far": 0.0}
    assert moves["target"]["log_errors"] == {"normal": 0.1, "fault": 3.0, "as_far": 0.0}
    assert moves["system"]["error_rate_5xx"] == {"normal": 0.005, "fault": 0.15, "as_far": 0.0}
    assert moves["system"]["log_errors"] == {"normal": None, "fault": None, "as_far": None}


def test_a_fault_inside_the_noise_is_told_by_the_share_of_normal_windows_as_far_out() -> None:
    """Normal latencies 10..19 ms (median 14.5); a creep reaching 18 ms in its first windows
    was matched or passed by 2 normal windows of 10 (18, 19): 20 %. A fall to 9 ms by none."""

    def fingerprint(start: int, latency: float) -> dict[str, Any]:
        services = {"users": {"latency_p50": latency, "latency_p95": 2 * latency}}
        return {"window_start": start, "services": services, "system": {}, "metrics": {}}

    creep = Fault("slow-degradation", "users", SPIKE.start_ms, SPIKE.end_ms)
    rows = [fingerprint(NORMAL[0] + i * WINDOW, 10.0 + i) for i in range(10)]
    rising = rows + [fingerprint(creep.start_ms + i * WINDOW, v) for i, v in enumerate((15, 18))]
    moves = feature_moves(creep, record(fingerprints=rising))
    assert moves["target"]["latency_p50"]["as_far"] == 0.2
    assert separability(moves) == 0.2
    falling = [*rows, fingerprint(creep.start_ms, 9.0)]
    assert separability(feature_moves(creep, record(fingerprints=falling))) == 0.0


def test_a_creep_is_beyond_normal_from_the_window_it_passes_every_normal_window() -> None:
    """Normal latencies 10..19 ms; a creep of 15, 18, 19, 21 ms first passes them all in its
    fourth window (19 ties the farthest normal window, so it is still inside)."""

    def fingerprint(start: int, latency: float) -> dict[str, Any]:
        services = {"users": {"latency_p50": latency}}
        return {"window_start": start, "services": services, "system": {}, "metrics": {}}

    creep = Fault("slow-degradation", "users", SPIKE.start_ms, SPIKE.end_ms)
    rows = [fingerprint(NORMAL[0] + i * WINDOW, 10.0 + i) for i in range(10)]
    steps = (15, 18, 19, 21)
    rising = rows + [fingerprint(creep.start_ms + i * WINDOW, v) for i, v in enumerate(steps)]
    assert beyond_normal(creep, record(fingerprints=rising)) == 3
    assert beyond_normal(creep, record(fingerprints=rows[:-1] + rising[10:13])) == 2
    assert beyond_normal(creep, record(fingerprints=rising[:12])) is None


def test_an_alert_of_the_run_never_pushed_on_the_ws_is_listed_as_missing() -> None:
    pushed = alert(SPIKE.start_ms, alert_id="pushed")
    lost = alert(SPIKE.start_ms + WINDOW, status="update", alert_id="lost")
    after_the_run = alert(SPIKE.end_ms + 61_000, alert_id="empty-window")
    received = (
        *both(pushed, 0, 0),
        Received(lost, 0, "pubsub"),
        Received(after_the_run, 0, "pubsub"),
    )
    missing = summarise(record(*received))["ws_missing"]
    assert [m["id"] for m in missing] == ["lost"]


def test_the_worst_of_several_seeds_takes_each_kinds_worst_run() -> None:
    def run(delay: int | None, explained: bool, alarms: float) -> dict[str, Any]:
        kind = {"kind": "error-spike", "detected": delay is not None, "delay_windows": delay,
                "explanation_ok": explained}  # fmt: skip
        return {"kinds": [kind], "false_alarms_per_hour": alarms}

    worst = worst_of({0: run(0, True, 0.0), 1: run(3, True, 12.0), 2: run(1, False, 0.0)})
    (row,) = worst["kinds"]
    assert (row["delay_windows"], row["explained"], row["worst_seed"]) == (3, False, 1)
    assert worst["false_alarms_per_hour"] == 12.0
    assert worst["caught_in_time_and_explained"] == 0

    missed = worst_of({0: run(0, True, 0.0), 1: run(None, True, 0.0)})
    assert (missed["kinds"][0]["detected"], missed["kinds"][0]["delay_windows"]) == (False, None)


def test_an_early_alert_counts_as_the_first_and_a_withdrawn_one_as_a_false_alarm() -> None:
    early = {**alert(SPIKE.start_ms, alert_id="early"), "early": True}
    closed = alert(SPIKE.start_ms + WINDOW, alert_id="closed")
    guess = {**alert(NORMAL[0] + 5000, target="users", alert_id="guess"), "early": True}
    withdrawn = alert(
        NORMAL[0] + 5000,
        status="resolved",
        target="users",
        summary=f"{WITHDRAWN}: 5xx error rate of users rose from 0.1 % to 40 %",
    )
    received = (
        *both(closed, 0, SPIKE.start_ms + 2200),
        *both(early, 0, SPIKE.start_ms + 700),
        *both(guess, 0, 0),
        *both(withdrawn, 0, 0),
    )
    summary = summarise(record(*received))

    (spike,) = summary["kinds"]
    assert (spike["early"], spike["delay_windows"], spike["ws_latency_ms"]) == (True, 0, 700)
    assert summary["false_alarms"] == 1
    assert summary["early_alerts"] == {"raised": 2, "withdrawn": 1}
