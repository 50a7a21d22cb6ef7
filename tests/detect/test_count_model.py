"""Counts judged as counts: errors given requests, request counts on a log scale."""

from __future__ import annotations

import math

import numpy as np
import pytest

from seismo.detect.count_model import CountModel
from seismo.detect.fingerprint_fleet import FleetConfig, FleetModel
from seismo.detect.fingerprint_model import ModelConfig
from seismo.fingerprint.entry import Fingerprint

RATES = {"gateway": 50.0, "ledger": 4.0, "search": 900.0}
"""Requests per 2-second window at the daily mean: busy, quiet and very busy."""
DAY = 400
"""Windows per (compressed) day: traffic swings +-40 % over it."""
CONFIG = FleetConfig(ModelConfig(n_estimators=30), min_service_windows=10)


def vector(rng: np.random.Generator, mean: float, error_rate: float) -> dict[str, float]:
    count = float(rng.poisson(mean))
    errors = float(rng.binomial(int(count), error_rate))
    return {
        "request_count": count,
        "request_rate": count / 2,
        "error_rate_5xx": errors / max(count, 1.0),
        "error_rate_4xx": 0.0,
        "latency_p50": float(rng.lognormal(math.log(20), 0.1)),
    }


def windows(count: int, seed: int, error_rate: float = 0.003) -> list[Fingerprint]:
    rng = np.random.default_rng(seed)
    out = []
    for i in range(count):
        swing = 1.0 + 0.4 * math.sin(2 * math.pi * i / DAY)
        services = {s: vector(rng, r * swing, error_rate) for s, r in RATES.items()}
        total = sum(v["request_count"] for v in services.values())
        system = {"request_count": total, "request_rate": total / 2}
        out.append(Fingerprint(i * 2000, (i + 1) * 2000, system, services))
    return out


def ledger_counts() -> CountModel:
    return CountModel([w.services["ledger"] for w in windows(DAY, seed=1)])


def test_normal_windows_over_a_whole_swinging_day_give_no_count_evidence() -> None:
    train = windows(DAY, seed=1)
    models = {s: CountModel([w.services[s] for w in train]) for s in RATES}

    strongest = max(
        e.score
        for w in windows(3 * DAY, seed=2)
        for s, model in models.items()
        for e in model.evidence(w.services[s])
    )

    assert strongest < 0.9


def test_most_calls_of_a_quiet_service_failing_is_strong_evidence() -> None:
    failing = {"request_count": 5.0, "request_rate": 2.5, "error_rate_5xx": 0.6}

    top = ledger_counts().evidence(failing)[0]

    assert top.score >= 0.9
    assert top.moved.feature == "error_rate_5xx"
    assert top.moved.current == 0.6


def test_one_failed_call_of_two_is_weak_evidence() -> None:
    one = {"request_count": 2.0, "request_rate": 1.0, "error_rate_5xx": 0.5}

    assert max(e.score for e in ledger_counts().evidence(one)) < 0.9


def test_bursty_errors_in_training_raise_the_bar() -> None:
    train = windows(DAY, seed=1)
    for w in train[::40]:
        w.services["ledger"]["error_rate_5xx"] = 0.5
    bursty = CountModel([w.services["ledger"] for w in train])
    half = {"request_count": 4.0, "request_rate": 2.0, "error_rate_5xx": 0.75}

    assert ledger_counts().evidence(half)[0].score >= 0.9
    assert bursty.evidence(half)[0].score < 0.9


def test_a_traffic_drop_is_found_on_a_log_scale_at_any_hour() -> None:
    model = CountModel([w.services["gateway"] for w in windows(DAY, seed=1)])

    for level in (0.6, 1.4):
        drop = {"request_count": 50.0 * level / 20, "request_rate": 50.0 * level / 40}
        top = model.evidence(drop)[0]
        assert top.score >= 0.9
        assert top.moved.feature == "request_rate"
        assert top.moved.deviation < -5


def test_a_tenfold_surge_at_a_busy_service_is_found_but_its_busy_hour_is_not() -> None:
    model = CountModel([w.services["search"] for w in windows(DAY, seed=1)])

    busy = model.evidence({"request_count": 900.0 * 1.4})
    surge = model.evidence({"request_count": 900.0 * 10})

    assert max(e.score for e in busy) < 0.9
    assert surge[0].score >= 0.9


def test_the_fleet_names_a_quiet_services_error_spike_with_its_5xx_rate_first() -> None:
    fleet = FleetModel(windows(DAY, seed=1), CONFIG)
    window = windows(1, seed=3)[0]
    window.services["ledger"].update(
        {"request_count": 6.0, "request_rate": 3.0, "error_rate_5xx": 4 / 6}
    )

    (ledger,) = [f for f in fleet.findings(window) if f.target == "ledger"]

    assert ledger.score >= 0.9
    assert ledger.moved[0].feature == "error_rate_5xx"


def test_an_empty_window_of_a_quiet_service_is_not_yet_silence() -> None:
    empty = {"request_count": 0.0, "request_rate": 0.0}
    busy = CountModel([w.services["gateway"] for w in windows(DAY, seed=1)])

    assert max(e.score for e in ledger_counts().evidence(empty)) < 0.9
    assert busy.evidence(empty)[0].score >= 0.9


def test_a_traffic_drop_is_told_by_its_requests_not_by_the_latency_of_the_few_left() -> None:
    fleet = FleetModel(windows(DAY, seed=1), CONFIG)
    window = windows(1, seed=4)[0]
    window.services["gateway"].update(
        {"request_count": 2.0, "request_rate": 1.0, "latency_p50": 400.0}
    )

    (gateway,) = [f for f in fleet.findings(window) if f.target == "gateway"]

    assert gateway.score >= 0.9
    assert gateway.moved[0].feature == "request_rate"


def test_error_logs_are_evidence_but_the_5xx_rate_heads_the_explanation() -> None:
    train = windows(DAY, seed=1)
    for w in train:
        w.services["ledger"]["log_errors"] = 0.0
    fleet = FleetModel(train, CONFIG)
    window = windows(1, seed=3)[0]
    window.services["ledger"].update(
        {"request_count": 6.0, "request_rate": 3.0, "error_rate_5xx": 4 / 6, "log_errors": 9.0}
    )

    (ledger,) = [f for f in fleet.findings(window) if f.target == "ledger"]

    assert [d.feature for d in ledger.moved[:2]] == ["error_rate_5xx", "log_errors"]


def test_a_few_failures_in_each_of_consecutive_windows_add_up() -> None:
    model = ledger_counts()
    two_of_six = {"request_count": 6.0, "request_rate": 3.0, "error_rate_5xx": 2 / 6}

    alone = max(e.score for e in model.evidence(two_of_six))
    pooled = model.pooled(two_of_six, [two_of_six, two_of_six])

    assert alone < 0.9
    assert pooled and pooled[0].score >= 0.9
    assert pooled[0].moved.feature == "error_rate_5xx"
    assert pooled[0].moved.current == pytest.approx(2 / 6)


def test_pooled_evidence_ends_when_the_errors_do() -> None:
    model = ledger_counts()
    failing = {"request_count": 6.0, "request_rate": 3.0, "error_rate_5xx": 3 / 6}
    clean = {"request_count": 6.0, "request_rate": 3.0, "error_rate_5xx": 0.0}

    assert model.pooled(clean, [failing, failing]) == []


def test_normal_windows_pooled_with_their_predecessors_give_no_evidence() -> None:
    train = windows(DAY, seed=1)
    models = {s: CountModel([w.services[s] for w in train]) for s in RATES}
    later = windows(3 * DAY, seed=2)

    strongest = max(
        (
            e.score
            for i in range(2, len(later))
            for s, model in models.items()
            for e in model.pooled(
                later[i].services[s], [later[i - 2].services[s], later[i - 1].services[s]]
            )
        ),
        default=0.0,
    )

    assert strongest < 0.9


def test_a_failure_counted_by_every_service_of_its_chain_is_judged_as_one() -> None:
    def rows(errors_every: int, errors: float) -> list[dict[str, float]]:
        return [
            {"request_count": 70.0, "error_rate_5xx": errors / 70 * (i % errors_every == 0)}
            for i in range(120)
        ]

    chained = CountModel(rows(21, 3.0))
    independent = CountModel(rows(7, 1.0))
    two_failures = {"request_count": 70.0, "error_rate_5xx": 6 / 70}

    assert chained.errors[0].dispersion == pytest.approx(3.0, abs=0.2)
    assert independent.errors[0].dispersion == pytest.approx(1.0, abs=0.2)
    assert max(e.score for e in chained.evidence(two_failures)) < 0.9
    assert max(e.score for e in independent.evidence(two_failures)) >= 0.9


def steady_counts(mean: float, stalls: int = 0) -> CountModel:
    """A service with about ``mean`` calls a window; ``stalls`` runs of 3 empty windows."""
    rng = np.random.default_rng(5)
    rows = [{"request_count": float(rng.poisson(mean)), "request_rate": 0.0} for _ in range(400)]
    for start in range(50, 50 + 100 * stalls, 100):
        for row in rows[start : start + 3]:
            row["request_count"] = 0.0
    return CountModel(rows)


def test_a_run_of_empty_windows_is_silence_where_each_alone_is_chance() -> None:
    model = steady_counts(6.0)
    empty = {"request_count": 0.0, "request_rate": 0.0}

    def strongest(earlier: list[dict[str, float]]) -> float:
        pooled = model.pooled(empty, earlier)
        return pooled[0].score if pooled else 0.0

    assert max(e.score for e in model.evidence(empty)) < 0.9
    assert strongest([empty]) < 0.9
    assert strongest([empty, empty]) >= 0.9
    assert model.pooled(empty, [empty, empty])[0].moved.feature.startswith("request_")
    assert strongest([{"request_count": 5.0, "request_rate": 0.0}, empty]) < 0.9


def test_a_run_of_empty_windows_no_longer_than_trainings_stalls_is_no_silence() -> None:
    model = steady_counts(6.0, stalls=2)
    empty = {"request_count": 0.0, "request_rate": 0.0}

    assert model.pooled(empty, [empty, empty]) == []
    assert model.pooled(empty, [empty, empty, empty])[0].score >= 0.9
