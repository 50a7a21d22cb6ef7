"""The system model plus one model per service, and the explanation of a scored window."""

from __future__ import annotations

import pytest

from seismo.alert.decide import AlertPolicy, ScoredWindow, alerts_for_window
from seismo.alert.incident import IncidentBook
from seismo.detect.explain import Finding, likely_origin, summary
from seismo.detect.fingerprint_fleet import FleetConfig, FleetModel
from seismo.detect.fingerprint_model import Deviation, ModelConfig
from seismo.fingerprint.entry import BadFingerprint, Fingerprint
from tests.detect.fingerprint_synth import Plant, entry_fields, fingerprints

CONFIG = FleetConfig(ModelConfig(n_estimators=50), min_service_windows=10)


def test_entry_round_trips_through_the_stream_format() -> None:
    window = fingerprints(1, seed=1)[0]

    parsed = Fingerprint.from_entry(
        {k.encode(): v.encode() for k, v in entry_fields(window).items()}
    )

    assert parsed == window


def test_bad_entry_names_the_missing_field() -> None:
    fields = entry_fields(fingerprints(1, seed=1)[0])
    del fields["data"]

    with pytest.raises(BadFingerprint, match="data"):
        Fingerprint.from_entry(fields)


def test_non_finite_values_are_dropped_from_vectors() -> None:
    fields = entry_fields(fingerprints(1, seed=1)[0])
    fields["services"] = '{"a": {"x": 1, "y": NaN, "z": "text"}}'

    assert Fingerprint.from_entry(fields).services == {"a": {"x": 1.0}}


def test_a_service_seen_too_rarely_gets_no_model_until_retrained() -> None:
    windows = fingerprints(30, seed=1)
    for window in windows[:25]:
        del window.services["inventory"]

    early = FleetModel(windows, CONFIG)
    later = FleetModel(windows + fingerprints(10, seed=2), CONFIG)

    assert set(early.services) == {"checkout", "frontend"}
    assert set(later.services) == {"checkout", "frontend", "inventory"}


def test_error_spike_in_one_service_points_at_that_service() -> None:
    model = FleetModel(fingerprints(40, seed=1), CONFIG)
    spike = fingerprints(1, seed=9, plant=Plant("checkout", 0, 0, {"error_rate_5xx": 0.31}))[0]

    origin = likely_origin(model.findings(spike), threshold=0.9)

    assert (origin.scope, origin.target) == ("service", "checkout")
    assert origin.moved[0].feature == "error_rate_5xx"


def test_latency_regression_names_the_service_not_the_system() -> None:
    model = FleetModel(fingerprints(40, seed=1), CONFIG)
    slow = fingerprints(1, seed=9, plant=Plant("inventory", 0, 0, {"latency_p95": 600.0}))[0]

    origin = likely_origin(model.findings(slow), threshold=0.9)

    assert origin.target == "inventory"
    assert origin.moved[0].feature == "latency_p95"


def test_summary_reads_as_one_sentence_with_units() -> None:
    moved = (
        Deviation("error_rate_5xx", 0.004, 0.01, 0.31, 30.6),
        Deviation("latency_p99", 240.0, 20.0, 900.0, 33.0),
    )

    text = summary(Finding("service", "checkout", 1.0, moved))

    assert text == ("5xx error rate of checkout rose from 0.4 % to 31 %; p99 latency also moved")


def test_summary_of_a_drop_says_fell() -> None:
    moved = (Deviation("request_rate", 120.0, 8.0, 3.0, -14.6),)

    assert summary(Finding("system", "system", 0.97, moved)) == (
        "request rate of the system fell from 120 to 3"
    )


def test_origin_prefers_the_most_specific_firing_scope() -> None:
    moved = (Deviation("x", 0.0, 1.0, 9.0, 9.0),)
    system = Finding("system", "system", 1.0, moved)
    service = Finding("service", "checkout", 0.93, moved)
    quiet = Finding("metric", "revenue", 0.2, moved)

    assert likely_origin([system, service, quiet], threshold=0.9) is service
    assert likely_origin([system, quiet], threshold=0.9) is system


def with_new_pair(window: Fingerprint, caller: str, callee: str) -> Fingerprint:
    """``window`` where ``caller`` starts calling ``callee``, never seen before."""
    services = {name: dict(vector) for name, vector in window.services.items()}
    services[callee] = {**services[caller], "request_count": 3.0, "new_interactions": 1.0}
    system = {**window.system, "new_interactions": 1.0}
    return Fingerprint(window.window_start, window.window_end, system, services)


def test_a_new_pair_after_training_is_named_after_the_service_that_got_it() -> None:
    windows = fingerprints(100, seed=4)
    model = FleetModel(windows[:60], CONFIG)

    new_pair = with_new_pair(windows[70], "checkout", "fraud-check")
    origin = likely_origin(model.findings(new_pair), threshold=0.9)
    normal = [max(f.score for f in model.findings(w)) for w in windows[60:]]

    assert (origin.scope, origin.target) == ("service", "fraud-check")
    assert origin.score >= 0.9
    assert (origin.moved[0].feature, origin.moved[0].current) == ("new_interactions", 1.0)
    assert max(normal) < 0.9


def test_a_new_pair_raises_one_warning_naming_new_interactions() -> None:
    windows = fingerprints(62, seed=4)
    model = FleetModel(windows[:60], CONFIG)
    new_pair = with_new_pair(windows[60], "checkout", "fraud-check")
    scored = ScoredWindow(
        new_pair.window_start, new_pair.window_end, tuple(model.findings(new_pair))
    )

    _, alerts = alerts_for_window(scored, IncidentBook(), AlertPolicy(), now_ms=0)

    (alert,) = alerts
    assert (alert.status, alert.target, alert.severity) == ("open", "fraud-check", "warning")
    assert alert.explanation[0]["feature"] == "new_interactions"
    assert alert.summary.startswith("number of new interactions of fraud-check rose from 0 to 1")


def test_new_pairs_seen_in_steady_training_are_normal_there() -> None:
    windows = fingerprints(60, seed=4)
    windows[50] = with_new_pair(windows[50], "checkout", "audit")
    model = FleetModel(windows, CONFIG)

    scores = [f.score for f in model.findings(with_new_pair(windows[40], "checkout", "fraud"))]

    assert max(scores) < 0.9


def test_a_traffic_drop_is_explained_by_the_rate_not_by_idle_latency() -> None:
    model = FleetModel(fingerprints(60, seed=1), CONFIG)
    idle = {"request_count": 1.0, "request_rate": 0.2, "latency_p50": 0.0}
    drop = fingerprints(12, seed=9, plant=Plant("checkout", 11, 11, idle))[11]

    origin = likely_origin(model.findings(drop), threshold=0.9)

    assert origin.target == "checkout"
    assert origin.moved[0].feature in {"request_count", "request_rate"}
    assert all(not d.feature.startswith("latency") for d in origin.moved)


def test_an_empty_window_of_a_thin_service_is_explained_as_silence_not_as_its_zeros() -> None:
    """Four requests a window: an empty one is a 1-in-50 chance, too common to page on
    alone. Every feature of it is zero (no endpoint, no latency), which the model finds far
    out; the explanation must say silence, which a traffic fall's confirmation rule and a
    failing caller's origin both read."""
    rates = {"checkout": 40.0, "ledger": 0.8}
    model = FleetModel(fingerprints(80, seed=1, rates=rates), CONFIG)
    zero = {name: 0.0 for name in fingerprints(1, seed=1, rates=rates)[0].services["ledger"]}
    (window,) = fingerprints(1, seed=3, plant=Plant("ledger", 0, 0, zero), rates=rates)

    (ledger,) = [f for f in model.findings(window) if f.target == "ledger"]

    assert ledger.moved[0].feature in ("request_rate", "request_count")
    assert ledger.moved[0].current == 0.0
    assert summary(ledger).startswith("ledger went silent")
