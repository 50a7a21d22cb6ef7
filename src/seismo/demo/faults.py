"""Demo faults: what an operator can break at run time, and what each does to traffic.

A fault is plain data (kind, target service, start and end in epoch ms) so that the CLI
(``seismo fault``), the dashboard (``POST /api/faults``) and the auto-fault schedule share
one representation, stored in Redis by ``seismo.demo.fault_store``. ``effect_on`` turns the
faults active at an instant into one ``Effect`` per service; the traffic model and the real
service-b apply that effect, so every fault behaves the same wherever it is felt.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

KINDS = (
    "error-spike",
    "latency-regression",
    "traffic-surge",
    "traffic-drop",
    "new-dependency",
    "slow-degradation",
    "kpi-drop",
    "service-down",
)
DEFAULT_TARGETS = {
    "error-spike": "payments",
    "latency-regression": "catalog",
    "traffic-surge": "web",
    "traffic-drop": "web",
    "new-dependency": "checkout",
    "slow-degradation": "users",
    "kpi-drop": "checkout",
    "service-down": "users",
}
DEFAULT_DURATION_S = 60.0
MAX_DURATION_S = 24 * 3600.0

ERROR_SPIKE_RATE = 0.35
LATENCY_REGRESSION_FACTOR = 6.0
SURGE_FACTOR = 4.0
DROP_FACTOR = 0.15
CREEP_PER_MINUTE = 3.0
KPI_VALUE_FACTOR = 0.05


class FaultError(ValueError):
    """A fault request is invalid; ``field`` names the offending field (for a 4xx answer)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Fault:
    """One injected fault: ``kind`` hits ``service`` from ``start_ms`` until ``end_ms``."""

    kind: str
    service: str
    start_ms: int
    end_ms: int
    size: float = 1.0
    """How strong: the share of the kind's full effect (1, the default, is the full fault;
    0.5 a 2x surge instead of 4x, an 18 % error share instead of 35 %)."""

    @property
    def field(self) -> str:
        """Its identity in the store: one fault per kind and service at a time."""
        return f"{self.kind}:{self.service}"

    def is_active(self, now_ms: int) -> bool:
        return self.start_ms <= now_ms < self.end_ms

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str | bytes) -> Fault:
        data = json.loads(text)
        return cls(
            str(data["kind"]),
            str(data["service"]),
            int(data["start_ms"]),
            int(data["end_ms"]),
            float(data.get("size", 1.0)),
        )


def new_fault(
    kind: str, service: str | None, duration_s: float, now_ms: int, size: float = 1.0
) -> Fault:
    """A validated fault starting at ``now_ms``; ``FaultError`` names what is wrong."""
    if kind not in KINDS:
        raise FaultError("kind", f"unknown fault kind {kind!r}; choose one of {', '.join(KINDS)}")
    target = DEFAULT_TARGETS[kind] if service is None else service.strip()
    if not target or len(target) > 128 or any(c in target for c in " :\n\t"):
        raise FaultError("service", "must be a service name (1-128 characters, no spaces or ':')")
    if not (isinstance(duration_s, int | float) and math.isfinite(duration_s)):
        raise FaultError("duration", "must be a number of seconds")
    if not 0 < duration_s <= MAX_DURATION_S:
        raise FaultError("duration", f"must be between 0 and {MAX_DURATION_S:.0f} seconds")
    return Fault(kind, target, now_ms, now_ms + round(duration_s * 1000), checked_size(size))


def checked_size(size: object) -> float:
    """``size`` as a fault's strength: a number above 0 and at most 1; ``FaultError`` else."""
    if isinstance(size, bool) or not isinstance(size, int | float):
        size = math.nan
    if not 0 < size <= 1:
        raise FaultError("size", "must be a number above 0 and at most 1 (the full fault)")
    return float(size)


def fault_from_request(payload: Any, now_ms: int) -> Fault:
    """The fault described by a JSON request body ``{"kind", "service"?, "duration"?,
    "size"?}``."""
    if not isinstance(payload, Mapping):
        raise FaultError("body", "must be a JSON object with 'kind', 'service'?, 'duration'?")
    kind = payload.get("kind")
    if not isinstance(kind, str):
        raise FaultError("kind", f"required, one of {', '.join(KINDS)}")
    service = payload.get("service")
    if service is not None and not isinstance(service, str):
        raise FaultError("service", "must be a string")
    duration = payload.get("duration", DEFAULT_DURATION_S)
    if isinstance(duration, bool) or not isinstance(duration, int | float):
        raise FaultError("duration", "must be a number of seconds")
    return new_fault(kind, service, float(duration), now_ms, checked_size(payload.get("size", 1.0)))


@dataclass(frozen=True)
class Effect:
    """How the active faults change one service's traffic at one instant (1.0 = unchanged)."""

    error_rate: float = 0.0
    latency_factor: float = 1.0
    rate_factor: float = 1.0
    new_dependency: bool = False
    kpi_factor: float = 1.0
    down: bool = False
    """The service is gone: it reports nothing and its callers' calls fail at once."""


NO_EFFECT = Effect()


def _effect_of(fault: Fault, now_ms: int) -> Effect:
    """The effect of one active fault on its target service."""
    minutes = max(0.0, (now_ms - fault.start_ms) / 60_000)

    def sized(full: float, normal: float = 1.0) -> float:
        return normal + (full - normal) * fault.size

    match fault.kind:
        case "error-spike":
            return Effect(error_rate=sized(ERROR_SPIKE_RATE, 0.0))
        case "latency-regression":
            return Effect(latency_factor=sized(LATENCY_REGRESSION_FACTOR))
        case "traffic-surge":
            return Effect(rate_factor=sized(SURGE_FACTOR))
        case "traffic-drop":
            return Effect(rate_factor=sized(DROP_FACTOR))
        case "new-dependency":
            return Effect(new_dependency=True)
        case "slow-degradation":
            return Effect(latency_factor=sized(1.0 + CREEP_PER_MINUTE * minutes))
        case "service-down":
            return Effect(down=True)
        case _:
            return Effect(kpi_factor=sized(KPI_VALUE_FACTOR))


def _combine(a: Effect, b: Effect) -> Effect:
    return Effect(
        error_rate=max(a.error_rate, b.error_rate),
        latency_factor=a.latency_factor * b.latency_factor,
        rate_factor=a.rate_factor * b.rate_factor,
        new_dependency=a.new_dependency or b.new_dependency,
        kpi_factor=a.kpi_factor * b.kpi_factor,
        down=a.down or b.down,
    )


def effect_on(faults: Iterable[Fault], service: str, now_ms: int) -> Effect:
    """The combined effect on ``service`` of the faults active at ``now_ms``."""
    effect = NO_EFFECT
    for fault in faults:
        if fault.service == service and fault.is_active(now_ms):
            effect = _combine(effect, _effect_of(fault, now_ms))
    return effect


def effects_by_service(faults: Iterable[Fault], now_ms: int) -> dict[str, Effect]:
    """Every affected service's combined effect at ``now_ms`` (others have ``NO_EFFECT``)."""
    active = [fault for fault in faults if fault.is_active(now_ms)]
    return {fault.service: effect_on(active, fault.service, now_ms) for fault in active}
