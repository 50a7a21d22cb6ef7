"""Gross faults from the open window: what fires, what does not, and silence on normal noise.

The noise test draws event-level traffic for services from thin (a couple of calls a
window) to busy, with error rates from 0.05 % to 5 % and light to heavy latency tails, fits
the fleet model on closed windows as production does, then tests thousands of fresh windows
at several points while they fill up, as the detector's polls would: none may be gross.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from seismo.detect.early import (
    MIN_ERRORS,
    OpenCounts,
    ServiceNormal,
    early_findings,
    error_verdict,
    latency_verdict,
    learned_normals,
)
from seismo.detect.fingerprint_fleet import FleetConfig, FleetModel
from seismo.detect.fingerprint_model import ModelConfig
from seismo.fingerprint.entry import Fingerprint
from tests.detect.fingerprint_synth import system_vector

THRESHOLD = 0.9
NORMAL = ServiceNormal(
    error_rate=0.002, error_alert_p=1e-6, latency_p50=40.0, latency_p99=200.0, latency_spread=4.0
)


def test_a_burst_of_5xx_is_gross_and_names_the_error_rate() -> None:
    (found,) = early_findings({"payments": NORMAL}, {"payments": OpenCounts(20, 9)}, THRESHOLD, 1.0)

    assert found.score >= THRESHOLD
    assert (found.scope, found.target) == ("service", "payments")
    top = found.moved[0]
    assert (top.feature, top.normal, top.current) == ("error_rate_5xx", 0.002, 0.45)


@pytest.mark.parametrize(
    ("requests", "errors"),
    [
        (3, 2),  # a couple of failed calls: fewer than MIN_ERRORS
        (5_000, 40),  # 0.8 %: improbable, but not several times the normal 0.2 %
        (40, 3),  # 7.5 %: elevated, not far enough below the alert p
    ],
)
def test_errors_short_of_gross_do_not_fire(requests: int, errors: int) -> None:
    verdict = error_verdict(NORMAL, OpenCounts(requests, errors))
    assert verdict is not None and not verdict.gross
    found = early_findings({"s": NORMAL}, {"s": OpenCounts(requests, errors)}, THRESHOLD, 1.0)
    assert all(f.score < THRESHOLD for f in found)


def test_gross_needs_a_minimum_of_errors() -> None:
    certain = ServiceNormal(1e-6, 1e-6, 40.0, 200.0, 4.0)
    assert not error_verdict(certain, OpenCounts(MIN_ERRORS - 1, MIN_ERRORS - 1)).gross  # type: ignore[union-attr]
    assert error_verdict(certain, OpenCounts(MIN_ERRORS, MIN_ERRORS)).gross  # type: ignore[union-attr]


def test_a_latency_jump_is_gross_once_enough_responses_are_slow() -> None:
    jumped = OpenCounts(14, 0, slow=12, latency_p50=260.0)
    (found,) = early_findings({"catalog": NORMAL}, {"catalog": jumped}, THRESHOLD, 1.0)

    assert found.score >= THRESHOLD
    top = found.moved[0]
    assert (top.feature, top.normal, top.current) == ("latency_p50", 40.0, 260.0)
    assert not latency_verdict(NORMAL, OpenCounts(4, 0, slow=4)).gross  # type: ignore[union-attr]
    assert not latency_verdict(NORMAL, OpenCounts(60, 0, slow=20)).gross  # type: ignore[union-attr]
    assert NORMAL.slow_ms == 200.0  # the learned p99 is above 4 x the median here


def test_an_elevated_service_is_listed_below_the_threshold_and_a_quiet_one_not() -> None:
    counts = {"checkout": OpenCounts(12, 4), "users": OpenCounts(30, 0)}
    found = early_findings({"checkout": NORMAL, "users": NORMAL}, counts, THRESHOLD, 1.0)

    assert [(f.target, f.score < THRESHOLD) for f in found] == [("checkout", True)]


def test_services_without_a_learned_normal_are_left_out() -> None:
    assert early_findings({}, {"new": OpenCounts(20, 20)}, THRESHOLD, 1.0) == []


# --- normal noise --------------------------------------------------------------------------

WINDOW_MS = 1_000
SERVICES = {
    # name: (requests per window, 5xx rate, latency median ms, log-normal sigma)
    "thin": (2.0, 0.01, 30.0, 0.6),
    "quiet": (6.0, 0.002, 15.0, 0.4),
    "flaky": (25.0, 0.05, 50.0, 0.5),
    "heavy-tail": (30.0, 0.001, 20.0, 1.0),
    "busy": (300.0, 0.0005, 8.0, 0.3),
}
POLL_POINTS = (0.25, 0.5, 0.75, 1.0)


def window_events(rng: np.random.Generator) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Each service's (failed?, latency) per event, in arrival order."""
    out = {}
    for name, (rate, errors, median, sigma) in SERVICES.items():
        n = int(rng.poisson(rate))
        out[name] = (rng.random(n) < errors, median * rng.lognormal(0.0, sigma, n))
    return out


def closed_vector(failed: np.ndarray, latency: np.ndarray) -> dict[str, float]:
    n = float(len(failed))
    q = np.quantile(latency, [0.5, 0.95, 0.99]) if n else np.zeros(3)
    return {
        "request_count": n,
        "request_rate": n,
        "error_rate_4xx": 0.0,
        "error_rate_5xx": float(failed.sum()) / n if n else 0.0,
        "latency_p50": float(q[0]),
        "latency_p95": float(q[1]),
        "latency_p99": float(q[2]),
        "distinct_endpoints": 3.0,
        "new_interactions": 0.0,
        "top_endpoint_share": 0.4,
        "log_errors": 0.0,
        "log_warnings": 0.0,
    }


def fitted_normals(rng: np.random.Generator, windows: int) -> dict[str, ServiceNormal]:
    training = []
    for i in range(windows):
        services = {s: closed_vector(*events) for s, events in window_events(rng).items()}
        training.append(
            Fingerprint(i * WINDOW_MS, (i + 1) * WINDOW_MS, system_vector(services), services)
        )
    model = FleetModel(training, FleetConfig(ModelConfig(n_estimators=30), min_service_windows=15))
    return learned_normals(model)


def open_counts(failed: np.ndarray, latency: np.ndarray, normal: ServiceNormal) -> OpenCounts:
    p50 = float(np.median(latency)) if len(latency) else None
    return OpenCounts(len(failed), int(failed.sum()), int((latency > normal.slow_ms).sum()), p50)


def test_normal_noise_is_never_gross_at_any_poll_of_thousands_of_windows() -> None:
    rng = np.random.default_rng(12)
    normals = fitted_normals(rng, 120)
    assert set(normals) == set(SERVICES)
    tested = fired = 0
    for _ in range(3_000):
        events = window_events(rng)
        for point in POLL_POINTS:
            counts = {}
            for service, (failed, latency) in events.items():
                n = round(len(failed) * point)
                if n:
                    counts[service] = open_counts(failed[:n], latency[:n], normals[service])
            found = early_findings(normals, counts, THRESHOLD, point)
            fired += sum(f.score >= THRESHOLD for f in found)
            tested += len(counts)
    assert tested > 50_000
    assert fired == 0


def test_the_same_normals_catch_gross_faults_on_thin_and_busy_services() -> None:
    normals = fitted_normals(np.random.default_rng(5), 120)
    quiet, busy = normals["quiet"], normals["busy"]

    burst = early_findings(normals, {"quiet": OpenCounts(6, 4)}, THRESHOLD, 1.0)
    slow = early_findings(normals, {"busy": OpenCounts(80, 0, slow=70)}, THRESHOLD, 1.0)

    assert [f.target for f in burst if f.score >= THRESHOLD] == ["quiet"]
    assert [f.target for f in slow if f.score >= THRESHOLD] == ["busy"]
    assert quiet.error_alert_p <= 1e-6 and busy.slow_ms >= 4 * busy.latency_p50


def test_a_callee_silent_so_far_is_a_finding_that_cannot_fire_alone() -> None:
    """Twenty requests a window are due; at half time none came: silence, below threshold."""
    due = replace(NORMAL, requests_per_window=20.0)
    normals = {"ledger": due, "orders": NORMAL}

    early = early_findings(normals, {"orders": OpenCounts(30, 0)}, THRESHOLD, 0.05)
    half = early_findings(normals, {"orders": OpenCounts(30, 0)}, THRESHOLD, 0.5)

    assert early == []
    (silent,) = half
    assert (silent.target, silent.moved[0].feature, silent.moved[0].current) == (
        "ledger",
        "request_count",
        0.0,
    )
    assert silent.score < THRESHOLD
