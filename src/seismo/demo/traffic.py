"""The simulated system's traffic: a pure, seeded model of who calls whom, how fast, how well.

Users hit ``web``, which calls ``api-gateway``, which fans out to ``catalog``, ``checkout``,
``payments`` and ``users``. Every call takes a lognormal time of its own plus the time of
the calls it makes, fails with a small base rate (and passes most downstream failures up;
only the user-facing ``web`` sees client errors, 4xx),
and a paid checkout reports a ``revenue`` business KPI. The request rate swings like a day
compressed into a few minutes, with noise and occasional bursts. ``TrafficModel.tick``
turns one tick (a time, a length and the active faults) into the batch items the collector
accepts, so the sending loop, the tests and the scenario benchmark share one model.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from seismo.demo.faults import NO_EFFECT, Effect, Fault, effects_by_service

Item = dict[str, Any]

EDGE_4XX = 0.015
BASE_5XX = 0.003
PROPAGATE_5XX = 0.7
LATENCY_SIGMA = 0.35
SWING = 0.35
NOISE = 0.08
BURST_CHANCE_PER_S = 0.01
BURST_FACTOR = 1.6
BURST_SECONDS = (3.0, 8.0)
SLOW_MS = 1000.0
INFO_LOG_SHARE = 0.02
REVENUE_MEDIAN = 60.0
REVENUE_SIGMA = 0.5
REVENUE_RANGE = (10.0, 500.0)
REVENUE_SERVICE = "checkout"


@dataclass(frozen=True)
class Call:
    """One hop of a request: ``service`` serves ``endpoint`` and then makes ``calls``."""

    service: str
    endpoint: str
    median_ms: float
    calls: tuple[Call, ...] = ()
    probability: float = 1.0


USERS = Call("users", "GET:/api/v1/users", 18.0)
NEW_DEPENDENCY = Call("fraud-check", "POST:/api/score", 45.0)
ENTRY_POINTS: tuple[tuple[float, Call], ...] = (
    (
        0.3,
        Call("web", "GET:/", 12.0, (
            Call("api-gateway", "GET:/api/home", 4.0, (
                Call("catalog", "GET:/api/featured", 25.0),
            )),
        )),
    ),
    (
        0.3,
        Call("web", "GET:/products", 14.0, (
            Call("api-gateway", "GET:/api/products", 5.0, (
                Call("catalog", "GET:/api/products", 35.0),
                Call("users", "GET:/api/v1/users", 18.0, probability=0.5),
            )),
        )),
    ),
    (
        0.2,
        Call("web", "POST:/checkout", 20.0, (
            Call("api-gateway", "POST:/api/checkout", 6.0, (
                Call("checkout", "POST:/api/checkout", 40.0, (
                    USERS,
                    Call("catalog", "GET:/api/stock", 15.0),
                    Call("payments", "POST:/api/charge", 120.0),
                )),
            )),
        )),
    ),
    (
        0.2,
        Call("web", "GET:/account", 10.0, (
            Call("api-gateway", "GET:/api/account", 4.0, (USERS,)),
        )),
    ),
)  # fmt: skip
SERVICES = ("web", "api-gateway", "catalog", "checkout", "payments", "users")


@dataclass
class Tick:
    """The batch items of one tick, in the collector's ``POST /api/batch`` item shape."""

    metrics: list[Item] = field(default_factory=list)
    business: list[Item] = field(default_factory=list)
    logs: list[Item] = field(default_factory=list)

    @property
    def items(self) -> list[Item]:
        return self.metrics + self.business + self.logs


@dataclass(frozen=True)
class Outcome:
    """What the caller of one call sees: its total time and its status code."""

    response_time: float
    status_code: int


class TrafficModel:
    """Seeded traffic generator; the same seed and inputs give the same items."""

    def __init__(self, seed: int = 0, base_rate: float = 30.0, period_s: float = 300.0) -> None:
        self.rng = np.random.default_rng(seed)
        self.base_rate = base_rate
        self.period_s = period_s
        self.burst_until_ms = -1

    def rate(self, now_ms: int) -> float:
        """Entry requests per second at ``now_ms``: the daily swing, noise and bursts."""
        phase = 2 * math.pi * (now_ms / 1000.0) / self.period_s
        rate = self.base_rate * (1 + SWING * math.sin(phase))
        rate *= max(0.0, 1 + NOISE * float(self.rng.standard_normal()))
        if self.burst_until_ms < now_ms and self.rng.random() < BURST_CHANCE_PER_S:
            self.burst_until_ms = now_ms + int(self.rng.uniform(*BURST_SECONDS) * 1000)
        return rate * (BURST_FACTOR if now_ms < self.burst_until_ms else 1.0)

    def tick(self, now_ms: int, seconds: float, faults: list[Fault]) -> Tick:
        """The traffic of ``[now_ms, now_ms + seconds)`` under the faults active at ``now_ms``."""
        effects = effects_by_service(faults, now_ms)
        tick = Tick()
        count = int(self.rng.poisson(self.rate(now_ms) * seconds))
        weights = np.array([weight for weight, _ in ENTRY_POINTS])
        chosen = self.rng.choice(len(ENTRY_POINTS), size=count, p=weights / weights.sum())
        for index in chosen:
            timestamp = now_ms + int(self.rng.uniform(0, seconds * 1000))
            self._request(ENTRY_POINTS[int(index)][1], None, timestamp, effects, tick)
        return tick

    def _request(
        self, call: Call, caller: str | None, ts: int, effects: dict[str, Effect], tick: Tick
    ) -> list[Outcome]:
        """Make ``call`` as often as its rate effect says (usually once); one outcome each."""
        effect = effects.get(call.service, NO_EFFECT)
        repeats = int(effect.rate_factor) + int(self.rng.random() < effect.rate_factor % 1)
        return [self._serve(call, caller, ts, effect, effects, tick) for _ in range(repeats)]

    def _serve(
        self,
        call: Call,
        caller: str | None,
        ts: int,
        effect: Effect,
        effects: dict[str, Effect],
        tick: Tick,
    ) -> Outcome:
        """Serve one call: its downstream calls, then its own time and status; record it."""
        downstream = [
            outcome
            for child in self._children(call, effect)
            for outcome in self._request(child, call.service, ts, effects, tick)
        ]
        own_ms = call.median_ms * math.exp(LATENCY_SIGMA * float(self.rng.standard_normal()))
        elapsed = own_ms * effect.latency_factor + sum(o.response_time for o in downstream)
        status = self._status(effect, downstream, EDGE_4XX if caller is None else 0.0)
        outcome = Outcome(round(elapsed, 2), status)
        tick.metrics.append(_metric(call, caller, ts, outcome))
        self._log(call, ts, outcome, tick)
        if call.service == REVENUE_SERVICE and status < 400:
            tick.business.append(self._revenue(ts, effects.get(REVENUE_SERVICE, NO_EFFECT)))
        return outcome

    def _children(self, call: Call, effect: Effect) -> list[Call]:
        """The calls ``call`` makes this time (optional ones by chance, plus a new one)."""
        children = [
            c for c in call.calls if c.probability >= 1 or self.rng.random() < c.probability
        ]
        return [*children, NEW_DEPENDENCY] if effect.new_dependency else children

    def _status(self, effect: Effect, downstream: list[Outcome], client_errors: float) -> int:
        """Own failure (base rate plus any error fault), a client error at the edge, else a
        passed-up downstream 5xx."""
        draw = self.rng.random()
        failing = BASE_5XX + effect.error_rate
        if draw < failing:
            return 503 if draw < failing / 3 else 500
        if draw < failing + client_errors:
            return 404
        failed = any(o.status_code >= 500 for o in downstream)
        return 502 if failed and self.rng.random() < PROPAGATE_5XX else 200

    def _log(self, call: Call, ts: int, outcome: Outcome, tick: Tick) -> None:
        """Errors for 5xx, warnings for slow calls, and a trickle of info lines."""
        if outcome.status_code >= 500:
            level, message = "error", f"{call.endpoint} failed with {outcome.status_code}"
        elif outcome.response_time > SLOW_MS:
            level, message = "warning", f"slow {call.endpoint}: {outcome.response_time:.0f} ms"
        elif self.rng.random() < INFO_LOG_SHARE:
            level, message = "info", f"served {call.endpoint}"
        else:
            return
        tick.logs.append(
            {"type": "log", "level": level, "message": message, "service": call.service,
             "timestamp": ts}
        )  # fmt: skip

    def _revenue(self, ts: int, effect: Effect) -> Item:
        """One paid order's value: the revenue KPI, with the range a normal order falls in."""
        value = REVENUE_MEDIAN * math.exp(REVENUE_SIGMA * float(self.rng.standard_normal()))
        region = ("eu", "us", "apac")[int(self.rng.integers(3))]
        return {
            "type": "business",
            "metric_name": "revenue",
            "value": round(value * effect.kpi_factor, 2),
            "expected_range": list(REVENUE_RANGE),
            "service": REVENUE_SERVICE,
            "metadata": {"currency": "EUR", "region": region},
            "timestamp": ts,
        }


def _metric(call: Call, caller: str | None, ts: int, outcome: Outcome) -> Item:
    item: Item = {
        "type": "application",
        "service": call.service,
        "endpoint": call.endpoint,
        "response_time": outcome.response_time,
        "status_code": outcome.status_code,
        "timestamp": ts,
    }
    if caller is not None:
        item["caller"] = caller
    return item
