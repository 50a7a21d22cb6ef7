"""Synthetic fingerprints with realistic noise, for the fingerprint-model and loop tests.

Three services with Poisson traffic, binomial errors, log-normal latency quantiles and
occasional warnings; ``plant`` overrides one service's features in one window. Seeded, so a
test sees the same stream every run.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from seismo.fingerprint.entry import Fingerprint

WINDOW_MS = 5_000
START_MS = 1_700_000_000_000
SERVICES = {"checkout": 40.0, "frontend": 120.0, "inventory": 25.0}
"""Service -> mean requests per second."""
STARTUP_WINDOWS = 10
"""New service pairs appear only in these first windows: a pair is new once."""


@dataclass
class Plant:
    """Features of ``service`` replaced in windows ``first`` .. ``last``."""

    service: str
    first: int
    last: int
    features: dict[str, float]


def service_vector(rng: np.random.Generator, rate: float) -> dict[str, float]:
    count = float(rng.poisson(rate * 5))
    p50 = float(rng.lognormal(np.log(40), 0.05))
    return {
        "request_count": count,
        "request_rate": count / 5,
        "error_rate_4xx": float(rng.binomial(int(count), 0.02)) / max(count, 1),
        "error_rate_5xx": float(rng.binomial(int(count), 0.004)) / max(count, 1),
        "latency_p50": p50,
        "latency_p95": p50 * float(rng.lognormal(np.log(3), 0.06)),
        "latency_p99": p50 * float(rng.lognormal(np.log(6), 0.1)),
        "distinct_endpoints": float(rng.integers(5, 7)),
        "new_interactions": float(rng.random() < 0.02),
        "top_endpoint_share": float(rng.normal(0.3, 0.02)),
        "log_errors": float(rng.poisson(0.3)),
        "log_warnings": float(rng.poisson(2)),
    }


def system_vector(services: dict[str, dict[str, float]]) -> dict[str, float]:
    """The system-wide vector: sums, request-weighted shares, the worst latency."""
    total = sum(v["request_count"] for v in services.values())

    def weighted(name: str) -> float:
        return sum(v[name] * v["request_count"] for v in services.values()) / max(total, 1)

    summed = ["request_count", "request_rate", "new_interactions", "log_errors", "log_warnings"]
    system = {name: sum(v[name] for v in services.values()) for name in summed}
    for name in ("error_rate_4xx", "error_rate_5xx", "top_endpoint_share"):
        system[name] = weighted(name)
    for name in ("latency_p50", "latency_p95", "latency_p99"):
        system[name] = max(v[name] for v in services.values())
    system["distinct_endpoints"] = sum(v["distinct_endpoints"] for v in services.values())
    system["business_observations"] = 20.0
    system["business_out_of_range"] = 0.0
    return system


def fingerprints(
    count: int, seed: int = 7, plant: Plant | None = None, rates: dict[str, float] = SERVICES
) -> list[Fingerprint]:
    """``count`` consecutive windows (``rates``: service -> requests per second), with
    ``plant`` applied where it says."""
    rng = np.random.default_rng(seed)
    out = []
    for i in range(count):
        services = {name: service_vector(rng, rate) for name, rate in rates.items()}
        if i >= STARTUP_WINDOWS:
            for vector in services.values():
                vector["new_interactions"] = 0.0
        if plant is not None and plant.first <= i <= plant.last:
            services[plant.service].update(plant.features)
        start = START_MS + i * WINDOW_MS
        out.append(Fingerprint(start, start + WINDOW_MS, system_vector(services), services))
    return out


def entry_fields(fp: Fingerprint) -> dict[str, str]:
    """The stream-entry fields of ``fp``, as the aggregator writes them."""
    return fp.to_entry()
