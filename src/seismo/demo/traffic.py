"""The simulated system's traffic: a pure, seeded model of who calls whom, how fast, how well.

The system (``seismo.demo.system``: the demo's shop unless told otherwise) says who calls
whom. Every call takes a lognormal time of its own plus the time of the calls it makes,
fails with a small base rate (and passes most downstream failures up; only the entry point
sees client errors, 4xx), and the KPI's service reports the KPI on success. The request
rate swings like a day compressed into a few minutes, with noise and occasional bursts.
``TrafficModel.tick`` turns one tick (a time, a length and the active faults) into the batch
items the collector accepts, so the sending loop, the tests and the scenario benchmark share
one model.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from seismo.demo.faults import NO_EFFECT, Effect, Fault, effects_by_service
from seismo.demo.system import SHOP, Call, System

Item = dict[str, Any]

EDGE_4XX = 0.015
PROPAGATE_5XX = 0.7
SLOW_MS = 1000.0
INFO_LOG_SHARE = 0.02
REFUSED = 503
"""What a caller sees of a call to a service that is down (connection refused)."""


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

    def __init__(
        self,
        seed: int = 0,
        base_rate: float | None = None,
        period_s: float = 300.0,
        system: System = SHOP,
    ) -> None:
        self.rng = np.random.default_rng(seed)
        self.system = system
        self.base_rate = system.base_rate if base_rate is None else base_rate
        self.period_s = period_s
        self.burst_until_ms = -1

    def rate(self, now_ms: int) -> float:
        """Entry requests per second at ``now_ms``: the daily swing, noise and bursts."""
        load = self.system.load
        phase = 2 * math.pi * (now_ms / 1000.0) / self.period_s
        rate = self.base_rate * (1 + load.swing * math.sin(phase))
        rate *= max(0.0, 1 + load.noise * float(self.rng.standard_normal()))
        if self.burst_until_ms < now_ms and self.rng.random() < load.burst_chance_per_s:
            self.burst_until_ms = now_ms + int(self.rng.uniform(*load.burst_seconds) * 1000)
        return rate * (load.burst_factor if now_ms < self.burst_until_ms else 1.0)

    def tick(self, now_ms: int, seconds: float, faults: list[Fault]) -> Tick:
        """The traffic of ``[now_ms, now_ms + seconds)`` under the faults active at ``now_ms``."""
        effects = effects_by_service(faults, now_ms)
        tick = Tick()
        count = int(self.rng.poisson(self.rate(now_ms) * seconds))
        entry_points = self.system.entry_points
        weights = np.array([weight for weight, _ in entry_points])
        chosen = self.rng.choice(len(entry_points), size=count, p=weights / weights.sum())
        for index in chosen:
            timestamp = now_ms + int(self.rng.uniform(0, seconds * 1000))
            self._request(entry_points[int(index)][1], None, timestamp, effects, tick)
        return tick

    def _request(
        self, call: Call, caller: str | None, ts: int, effects: dict[str, Effect], tick: Tick
    ) -> list[Outcome]:
        """Make ``call`` as often as its rate effect says (usually once); one outcome each."""
        effect = effects.get(call.service, NO_EFFECT)
        if effect.down:
            return [Outcome(round(float(self.rng.uniform(0.5, 3.0)), 2), REFUSED)]
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
        sigma = self.system.latency_sigma
        own_ms = call.median_ms * math.exp(sigma * float(self.rng.standard_normal()))
        elapsed = own_ms * effect.latency_factor + sum(o.response_time for o in downstream)
        status = self._status(effect, downstream, EDGE_4XX if caller is None else 0.0)
        outcome = Outcome(round(elapsed, 2), status)
        tick.metrics.append(_metric(call, caller, ts, outcome))
        self._log(call, ts, outcome, tick)
        kpi = self.system.kpi
        if call.service == kpi.service and status < 400 and self.rng.random() < kpi.chance:
            tick.business.append(self._kpi(ts, effects.get(kpi.service, NO_EFFECT)))
        return outcome

    def _children(self, call: Call, effect: Effect) -> list[Call]:
        """The calls ``call`` makes this time (optional ones by chance, plus a new one)."""
        children = [
            c for c in call.calls if c.probability >= 1 or self.rng.random() < c.probability
        ]
        return [*children, self.system.new_dependency] if effect.new_dependency else children

    def _status(self, effect: Effect, downstream: list[Outcome], client_errors: float) -> int:
        """Own failure (base rate plus any error fault), a client error at the edge, else a
        passed-up downstream 5xx."""
        draw = self.rng.random()
        failing = self.system.base_5xx + effect.error_rate
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

    def _kpi(self, ts: int, effect: Effect) -> Item:
        """One order's value: the KPI, with the range a normal order falls in."""
        kpi = self.system.kpi
        value = kpi.median * math.exp(kpi.sigma * float(self.rng.standard_normal()))
        region = ("eu", "us", "apac")[int(self.rng.integers(3))]
        return {
            "type": "business",
            "metric_name": kpi.name,
            "value": round(value * effect.kpi_factor, 2),
            "expected_range": list(kpi.expected_range),
            "service": kpi.service,
            "metadata": {"currency": kpi.currency, "region": region},
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
