"""Normal that moves (recent traffic levels) and changes that creep (latency CUSUM)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from seismo.detect.drift import Drift, apply_drift
from seismo.detect.evidence import UNEASY
from seismo.detect.fingerprint_fleet import FleetConfig, FleetModel
from seismo.detect.fingerprint_model import Deviation, ModelConfig
from seismo.fingerprint.entry import Fingerprint
from tests.detect.fingerprint_synth import fingerprints

DAY = 600
"""Windows per compressed day: traffic swings +-40 % over it."""


def day_counts(rng: np.random.Generator, windows: int, mean: float) -> list[float]:
    return [
        float(rng.poisson(mean * (1 + 0.4 * math.sin(2 * math.pi * i / DAY))))
        for i in range(windows)
    ]


def latency(**z: float) -> dict[str, Deviation]:
    """Latency deviations ``z`` spreads from a normal of 0 (what ``Drift.creep`` is fed)."""
    return {name: Deviation(name, 0.0, 1.0, value, value) for name, value in z.items()}


def fed(counts: list[float]) -> tuple[Drift, list[float]]:
    """A drift state that has learned ``counts`` in turn, and the score of each."""
    drift, scores = Drift(), []
    for count in counts:
        scored = drift.traffic("service:api", count)
        scores.append(scored.score if scored else 0.0)
        drift.learn_traffic("service:api", count, flagged=bool(scored and scored.score >= 0.9))
    return drift, scores


def test_a_daily_swing_with_bursts_never_alerts() -> None:
    rng = np.random.default_rng(3)
    counts = day_counts(rng, 3 * DAY, 40.0)
    for i in rng.choice(len(counts), 30, replace=False):
        counts[i] *= 1.5

    _, scores = fed(counts)

    assert max(scores) < 0.9


def test_a_step_is_found_in_its_first_window_at_the_quiet_and_the_busy_hour() -> None:
    rng = np.random.default_rng(4)
    for hour in (DAY // 4, 3 * DAY // 4):
        counts = day_counts(rng, DAY, 40.0)[: hour + 1]
        drift, _ = fed(counts[:-1])
        for factor in (3.0, 0.1):
            scored = drift.traffic("service:api", counts[-1] * factor)
            assert scored is not None
            assert scored.score >= 0.9, (hour, factor)
            assert scored.moved.feature == "request_count"


def bursty(rng: np.random.Generator, windows: int, every: int, factor: float) -> list[float]:
    """Poisson counts around 40 a window, with a burst of ``factor`` for 3-8 windows every
    ``every`` windows (a batch client that comes and goes)."""
    counts = day_counts(rng, windows, 40.0)
    for start in range(every // 2, windows - 8, every):
        for i in range(start, start + int(rng.integers(3, 9))):
            counts[i] = float(rng.poisson(40.0 * factor))
    return counts


def episodes(scores: list[float]) -> int:
    """Runs of alerting windows."""
    return sum(1 for i, s in enumerate(scores) if s >= 0.9 and (i == 0 or scores[i - 1] < 0.9))


def test_bursts_that_come_back_by_themselves_are_learned_and_stop_paging() -> None:
    """Each burst higher or longer than those seen may page; once they have been seen,
    the next ones do not."""
    rng = np.random.default_rng(8)

    _, scores = fed(bursty(rng, 6000, 300, 2.5))

    assert episodes(scores[3000:]) == 0


def test_a_surge_that_outlasts_every_burst_is_caught_once_it_has() -> None:
    rng = np.random.default_rng(9)
    drift, _ = fed(bursty(rng, 3000, 300, 2.5))
    scores = []
    for _ in range(30):
        count = float(rng.poisson(40.0 * 2.5))
        scored = drift.traffic("service:api", count)
        scores.append(scored.score if scored else 0.0)
        drift.learn_traffic("service:api", count, flagged=scores[-1] >= 0.9)

    first = next(i for i, score in enumerate(scores) if score >= 0.9)
    assert 3 <= first <= 16
    assert drift.levels["service:api"].bursts[7] > 2.0


def test_learned_bursts_survive_storage() -> None:
    rng = np.random.default_rng(10)
    drift, _ = fed(bursty(rng, 1000, 300, 2.5))

    level = Drift.from_dict(drift.to_dict()).levels["service:api"]

    assert level.bursts == pytest.approx(drift.levels["service:api"].bursts, abs=1e-3)
    assert max(level.bursts) > 3.0


def test_a_quiet_service_is_judged_against_its_poisson_noise() -> None:
    rng = np.random.default_rng(5)
    _, scores = fed(day_counts(rng, 2 * DAY, 3.0))

    assert max(scores) < 0.9


def test_a_level_that_stays_is_learned_so_the_alert_ends() -> None:
    rng = np.random.default_rng(6)
    counts = day_counts(rng, 200, 40.0) + [float(rng.poisson(120)) for _ in range(1500)]

    _, scores = fed(counts)

    assert scores[201] >= 0.9
    assert max(scores[-100:]) < 0.9


def test_cusum_ignores_heavy_tailed_noise() -> None:
    rng = np.random.default_rng(7)
    drift = Drift()
    scores = []
    for _ in range(5000):
        z = float(rng.standard_t(3))
        scored = drift.creep("db", latency(latency_p50=z, latency_p95=z + float(rng.normal())))
        scores.append(scored.score if scored else 0.0)

    assert max(scores) < 0.9


def test_cusum_catches_a_creep_within_a_few_windows_of_leaving_the_normal_band() -> None:
    rng = np.random.default_rng(8)
    drift = Drift()
    for _ in range(200):
        drift.creep("db", latency(latency_p50=float(rng.normal())))
    caught = None
    for i in range(1, 60):
        z = 0.4 * i + float(rng.normal())
        scored = drift.creep("db", latency(latency_p50=z))
        if scored and scored.score >= 0.9:
            caught = i
            break

    assert caught is not None
    assert caught <= 2.5 / 0.4 + 6  # z leaves the band (2.5) at window 6


def test_a_creep_is_measured_in_the_series_own_spread_when_it_wobbles_less_than_training() -> None:
    """generated-17's billing: a median of 3.0 ms judged by a training spread of about
    2 ms, its windows wobbling by a tenth of that. A creep of 0.1 spread a window stayed
    under the allowance for 10 windows and was named at 18; in its own spread it is plain
    within a few windows of leaving its band."""
    rng = np.random.default_rng(21)
    drift = Drift()
    for _ in range(300):
        drift.creep("billing", latency(latency_p50=0.1 * float(rng.normal())))
    caught = None
    for i in range(1, 40):
        scored = drift.creep("billing", latency(latency_p50=0.1 * i + 0.1 * float(rng.normal())))
        if scored and scored.score >= 0.9:
            caught = i
            break

    assert caught is not None and caught <= 12
    assert drift.spells["billing/latency_p50"].correlation < 0.3


def test_a_sum_past_the_alert_that_drains_keeps_an_incident_open_but_opens_none() -> None:
    rng = np.random.default_rng(22)
    drift = Drift()
    for _ in range(300):
        drift.creep("search", latency(latency_own=float(rng.normal())))
    rising = [drift.creep("search", latency(latency_own=5.0)) for _ in range(6)]
    draining = drift.creep("search", latency(latency_own=0.5))

    assert rising[-1] is not None and rising[-1].score >= 0.9
    assert drift.cusums["search/latency_own"] >= 11.0  # the sum is still past the alert
    assert draining is not None and UNEASY <= draining.score < 0.9


def test_drift_state_round_trips_as_json_data() -> None:
    rng = np.random.default_rng(9)
    drift, _ = fed(day_counts(rng, 100, 40.0))
    drift.creep("db", latency(latency_p50=3.0))

    again = Drift.from_dict(drift.to_dict())

    before, after = drift.traffic("service:api", 90.0), again.traffic("service:api", 90.0)
    assert before is not None and after is not None
    assert after.score == pytest.approx(before.score, abs=1e-3)
    assert again.cusums == pytest.approx(drift.cusums)


def first_alert(windows: list[Fingerprint], fleet: FleetModel, drift: Drift | None) -> int | None:
    """The first window where ``inventory``'s finding fires (with or without drift tests)."""
    for i, window in enumerate(windows):
        found = fleet.findings(window)
        if drift is not None:
            found = apply_drift(fleet, window, found, drift, 0.9)
        if any(f.target == "inventory" and f.score >= 0.9 for f in found):
            return i
    return None


def test_a_slow_latency_creep_is_caught_sooner_with_cusum_and_normal_windows_stay_quiet() -> None:
    fleet = FleetModel(fingerprints(80, seed=11), FleetConfig(ModelConfig(n_estimators=30)))
    normal = fingerprints(300, seed=12)
    drift = Drift()
    assert first_alert(normal, fleet, drift) is None
    creeping = fingerprints(40, seed=13)
    for i, window in enumerate(creeping):
        vector = window.services["inventory"]
        for name in ("latency_p50", "latency_p95", "latency_p99"):
            vector[name] *= 1.0 + 0.03 * i

    with_cusum = first_alert(creeping, fleet, drift)
    model_alone = first_alert(creeping, fleet, None)

    assert with_cusum is not None and model_alone is not None
    assert with_cusum < model_alone


def warmed_fleet() -> tuple[FleetModel, Drift, Fingerprint]:
    """A fitted fleet model, a drift state that has learned 60 windows with it, and the
    next window to judge."""
    fleet = FleetModel(fingerprints(80, seed=11), FleetConfig(ModelConfig(n_estimators=30)))
    drift = Drift()
    for window in fingerprints(60, seed=12):
        apply_drift(fleet, window, fleet.findings(window), drift, 0.9)
    return fleet, drift, fingerprints(1, seed=14)[0]


def test_an_uneasy_traffic_test_makes_a_finding_that_does_not_fire() -> None:
    # Its scope is uneasy: that keeps its incident open and confirms a move of it in a
    # neighbouring window (alert.decide), so it must reach the window's findings.
    fleet, drift, window = warmed_fleet()
    vector = window.services["inventory"]
    normal = vector["request_count"]
    scores = {
        float(count): scored.score
        for count in np.linspace(normal, 0.0, 200)
        if (scored := drift.traffic("service:inventory", float(count))) is not None
    }
    uneasy = next(count for count, score in scores.items() if 0.6 <= score < 0.9)
    vector["request_count"] = float(uneasy)

    found = apply_drift(fleet, window, [], drift, 0.9)

    (inventory,) = [f for f in found if f.target == "inventory"]
    assert 0.6 <= inventory.score < 0.9
    assert inventory.moved[0].feature == "request_count"


def test_a_service_failing_on_its_own_is_headed_by_its_errors_though_its_calls_rose() -> None:
    """Callers retry a failing service, so its calls rise with its 5xx; both tests fire,
    and the 5xx (what users feel) heads, not the request count of the retries."""
    fleet, drift, window = warmed_fleet()
    vector = window.services["inventory"]
    vector.update(request_count=vector["request_count"] * 3, error_rate_5xx=0.35)
    assert (surge := drift.traffic("service:inventory", vector["request_count"]))
    assert surge.score >= 0.9

    found = apply_drift(fleet, window, fleet.findings(window), drift, 0.9)

    (inventory,) = [f for f in found if f.target == "inventory"]
    assert inventory.moved[0].feature == "error_rate_5xx"
    assert "request_count" in {d.feature for d in inventory.moved}


def test_a_step_hidden_by_recent_bursts_is_found_in_its_second_window() -> None:
    rng = np.random.default_rng(5)
    counts = day_counts(rng, DAY // 2, 30.0)
    for i in range(20, len(counts), 25):
        counts[i] *= 2.5
    drift, scores = fed(counts)
    step = 3.0 * math.expm1(drift.levels["service:api"].mean)

    first = drift.traffic("service:api", step)
    drift.learn_traffic("service:api", step, flagged=bool(first and first.score >= 0.9))
    second = drift.traffic("service:api", step)

    late_alerts = [i for i, score in enumerate(scores) if i >= 100 and score >= 0.9]
    assert len(late_alerts) <= 1, f"bursts keep alerting once learned: {late_alerts}"
    assert first is not None and first.score < 0.9, "the bursts should hide the step's first window"
    assert second is not None and second.score >= 0.9
    assert second.moved.current > second.moved.normal


def test_the_last_move_and_the_held_tail_survive_storage() -> None:
    rng = np.random.default_rng(6)
    drift, _ = fed([*day_counts(rng, 50, 30.0), 90.0])

    stored = Drift.from_dict(drift.to_dict())

    level, kept = drift.levels["service:api"], stored.levels["service:api"]
    assert kept.last_z == pytest.approx(level.last_z, abs=1e-3)
    assert kept.held_tail == pytest.approx(level.held_tail, abs=1e-3)
    assert kept.last_z > 3.0


def test_a_latency_that_mixes_a_slow_mode_in_is_no_creep() -> None:
    # One window in seven calls a slow dependency: its p95 sits 5-15 spreads out. Summed as
    # they come, a few such windows close together made a creep; measured against how far
    # the training windows reached (the 99th percentile of |z|), they are ordinary.
    rng = np.random.default_rng(13)
    slow = rng.random(4_000) < 0.15
    zs = np.where(slow, rng.uniform(5.0, 15.0, 4_000), rng.normal(0.0, 1.0, 4_000))
    reach = {"latency_p95": float(np.quantile(np.abs(zs[:500]), 0.99))}

    def alarms(reach: dict[str, float] | None) -> int:
        drift, count = Drift(), 0
        for z in zs:
            scored = drift.creep("search", latency(latency_p95=float(z)), reach)
            count += bool(scored and scored.score >= 0.9)
        return count

    assert alarms(None) > 0
    assert alarms(reach) == 0


def test_a_drop_after_a_surge_is_judged_against_the_falls_not_the_surge() -> None:
    # A 4x surge for 20 windows fires and raises the bar of rises; 30 windows after it
    # ends, a drop to a fifth is as plain as ever: rises and falls keep their own bars.
    rng = np.random.default_rng(12)
    normal = day_counts(rng, 200, 25.0)
    surge = [4.0 * c for c in day_counts(rng, 20, 25.0)]
    drift, scores = fed([*normal, *surge, *day_counts(rng, 30, 25.0)])
    level = drift.levels["service:api"]

    drop = drift.traffic("service:api", 5.0)

    assert max(scores[200:220]) >= 0.9  # the surge fired
    assert level.tail > 1.5 * level.fall_tail
    assert drop is not None and drop.score >= 0.9
    assert drop.moved.current < drop.moved.normal


def test_a_surge_under_the_one_window_bar_is_not_learned_away_before_its_pair_fires() -> None:
    """The shop's entry point (seed 2 of the scenario bench): about 20 requests a window,
    wobbling by a third, then a 4x surge whose windows moved 2.9, 3.8, then 2.5 spreads,
    each under the one-window bar. Learned as normal, they pulled the level and its spread
    up until the surge scored no more; held, the surge fires on a pair of its windows."""
    level = [math.log1p(20.3), 0.23, 500, 2.11, 2.02, -1.44, 2.5, 2.0]
    drift = Drift.from_dict({"levels": {"service:api": level}})
    scores = []
    for count in (48.0, 88.0, 56.0, 84.0, 96.0, 96.0, 88.0):
        scored = drift.traffic("service:api", count)
        scores.append(scored.score if scored else 0.0)
        drift.learn_traffic("service:api", count, flagged=bool(scored and scored.score >= 0.9))

    assert max(scores) >= 0.9
    assert math.expm1(drift.levels["service:api"].mean) < 1.3 * 20.3


def test_a_level_stored_before_falls_had_their_own_bars_keeps_the_shared_ones() -> None:
    stored = {"levels": {"service:api": [3.2, 0.2, 80, 4.5, 2.0, 0.3]}}

    level = Drift.from_dict(stored).levels["service:api"]

    assert (level.fall_tail, level.held_fall_tail) == (4.5, 2.0)
    assert (level.bursts, level.fall_bursts, level.run) == ([], [], [])


def test_cusum_learns_that_a_latency_comes_in_spells_and_stays_quiet_on_it() -> None:
    rng = np.random.default_rng(9)
    drift = Drift()
    z, scores = 0.0, []
    for _ in range(20_000):
        z = 0.6 * z + 0.8 * float(rng.standard_t(5)) / 1.29
        scored = drift.creep("db", latency(latency_p50=z))
        scores.append(scored.score if scored else 0.0)

    assert drift.spells["db/latency_p50"].inflation > 1.5
    assert sum(score >= 0.9 for score in scores[1000:]) <= 5


def spell_counts(
    rng: np.random.Generator, windows: int, mean: float, correlation: float
) -> list[float]:
    """Traffic whose log counts move by 20 % a window with this lag-1 ``correlation``."""
    move, counts = 0.0, []
    for _ in range(windows):
        move = correlation * move + 0.2 * float(rng.standard_normal())
        counts.append(float(rng.poisson(mean * math.exp(move))))
    return counts


def held_pair_score(drift: Drift, spreads: float) -> float:
    """The score of a second window as far out as the first, both ``spreads`` above level."""
    level = drift.levels["service:api"]
    poisson = 1.0 / math.sqrt(math.expm1(level.mean) + 1.0)
    count = math.expm1(level.mean + spreads * max(1.25 * level.dev, poisson, 0.05))
    first = drift.traffic("service:api", count)
    drift.learn_traffic("service:api", count, flagged=bool(first and first.score >= 0.9))
    second = drift.traffic("service:api", count)
    assert second is not None
    return second.score


def test_two_held_windows_are_judged_against_how_the_traffic_comes_in_spells() -> None:
    rng = np.random.default_rng(11)
    spelled, _ = fed(spell_counts(rng, 2_000, 400.0, correlation=0.6))
    independent, _ = fed(spell_counts(rng, 2_000, 400.0, correlation=0.0))

    assert spelled.spells["service:api/request_count"].correlation > 0.25
    assert independent.spells["service:api/request_count"].correlation < 0.1
    assert held_pair_score(independent, 3.8) >= 0.9
    assert held_pair_score(spelled, 3.8) < 0.9
    assert held_pair_score(spelled, 6.0) >= 0.9
