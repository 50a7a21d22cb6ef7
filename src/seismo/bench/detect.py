"""``seismo bench detect``: how the fingerprint models scale with the number of services.

For each fleet size it builds synthetic fingerprints, times a full training of the system
and per-service models (``FleetModel``, as a retraining does), times the scoring of fresh
windows (``FleetModel.findings``: what the detector computes per window before the alert
layer), and weighs the stored model (``ModelStore``'s JSON document) per service. One
process, one thread for the models' work: what one core of a detector does.

The fleet is generic, not the demo's: each service has its own log-normal request rate,
error rate and latency, with Poisson counts, binomial errors and log-normal noise.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
from rich.progress import Progress

from seismo.bench.report import print_table, write_json
from seismo.detect.fingerprint_fleet import FleetConfig, FleetModel
from seismo.detect.model_store import model_document
from seismo.fingerprint.entry import Fingerprint

WINDOW_MS = 5_000
TARGET_SCORE_MS = 200.0
"""Scoring 1,000 services must take less than this per window (issue 12)."""
TARGET_TRAIN_S = 60.0
TARGET_STATE_BYTES = 50_000
"""Stored model per service."""
TARGET_SERVICES = 1000


@dataclass(frozen=True)
class Fleet:
    """Per service: mean requests per window, 5xx share, median latency (ms)."""

    rates: np.ndarray
    errors: np.ndarray
    latency: np.ndarray

    @classmethod
    def draw(cls, services: int, rng: np.random.Generator) -> Fleet:
        return cls(
            rates=rng.lognormal(np.log(60), 1.2, services),
            errors=rng.beta(1, 300, services),
            latency=rng.lognormal(np.log(40), 0.6, services),
        )

    def window(self, index: int, rng: np.random.Generator) -> Fingerprint:
        """One window of every service, and the system vector summing them."""
        count = rng.poisson(self.rates)
        errors = rng.binomial(count, self.errors)
        p50 = self.latency * rng.lognormal(0, 0.08, len(count))
        services = {
            f"svc-{i:04d}": service_vector(int(count[i]), int(errors[i]), float(p50[i]))
            for i in range(len(count))
        }
        start = index * WINDOW_MS
        return Fingerprint(start, start + WINDOW_MS, system_vector(services), services)


def service_vector(count: int, errors: int, p50: float) -> dict[str, float]:
    share = errors / count if count else 0.0
    return {
        "request_count": float(count),
        "request_rate": count / (WINDOW_MS / 1000),
        "error_rate_4xx": 0.0,
        "error_rate_5xx": share,
        "latency_p50": p50,
        "latency_p95": p50 * 3,
        "latency_p99": p50 * 6,
        "distinct_endpoints": 4.0,
        "new_interactions": 0.0,
        "top_endpoint_share": 0.4,
        "log_errors": float(errors),
        "log_warnings": 0.0,
    }


def system_vector(services: dict[str, dict[str, float]]) -> dict[str, float]:
    total = sum(v["request_count"] for v in services.values())
    errors = sum(v["error_rate_5xx"] * v["request_count"] for v in services.values())
    return {
        "request_count": total,
        "request_rate": total / (WINDOW_MS / 1000),
        "error_rate_5xx": errors / total if total else 0.0,
        "latency_p50": max(v["latency_p50"] for v in services.values()),
        "distinct_endpoints": 4.0 * len(services),
        "active_services": float(len(services)),
    }


@dataclass(frozen=True)
class SizeResult:
    services: int
    training_windows: int
    train_s: float
    score_ms_median: float
    score_ms_max: float
    state_bytes_per_service: float


def measure(services: int, training: int, scored: int, seed: int) -> SizeResult:
    """Train on ``training`` windows of a fleet of ``services``, then score ``scored``."""
    rng = np.random.default_rng(seed)
    fleet = Fleet.draw(services, rng)
    windows = [fleet.window(i, rng) for i in range(training + scored)]
    config = FleetConfig(min_service_windows=max(2, training // 2))
    began = time.perf_counter()
    model = FleetModel(windows[:training], config)
    train_s = time.perf_counter() - began
    timings = []
    for window in windows[training:]:
        began = time.perf_counter()
        model.findings(window)
        timings.append((time.perf_counter() - began) * 1000)
    stored = len(json.dumps(model_document(model, version=1, now_ms=0)))
    return SizeResult(
        services, training, train_s, statistics.median(timings), max(timings), stored / services
    )


def verdicts(results: Sequence[SizeResult]) -> list[tuple[str, str, str, bool]]:
    """(measure, measured, target, met) for the fleet of ``TARGET_SERVICES``, if measured."""
    largest = [r for r in results if r.services == TARGET_SERVICES]
    if not largest:
        return []
    r = largest[0]
    return [
        ("scoring 1,000 services", f"{r.score_ms_median:.1f} ms", f"< {TARGET_SCORE_MS:g} ms",
         r.score_ms_median < TARGET_SCORE_MS),
        ("full retraining", f"{r.train_s:.1f} s", f"< {TARGET_TRAIN_S:g} s",
         r.train_s < TARGET_TRAIN_S),
        ("stored model per service", f"{r.state_bytes_per_service / 1000:.1f} KB",
         f"< {TARGET_STATE_BYTES / 1000:g} KB", r.state_bytes_per_service < TARGET_STATE_BYTES),
    ]  # fmt: skip


def run(args: argparse.Namespace) -> int:
    sizes = [int(n) for n in args.services.split(",")]
    results = []
    with Progress(transient=True) as progress:
        task = progress.add_task("fleets", total=len(sizes))
        for size in sizes:
            progress.update(task, description=f"{size} services")
            results.append(measure(size, args.training_windows, args.score_windows, args.seed))
            progress.advance(task)
    print_table(
        "seismo bench detect (one process)",
        ["services", "training windows", "train (s)", "score median (ms)", "score max (ms)",
         "stored KB / service"],
        [(r.services, r.training_windows, f"{r.train_s:.2f}", f"{r.score_ms_median:.2f}",
          f"{r.score_ms_max:.2f}", f"{r.state_bytes_per_service / 1000:.1f}") for r in results],
    )  # fmt: skip
    checks = verdicts(results)
    if checks:
        print_table("targets (issue 12)", ["measure", "measured", "target", "met"],
                    [(m, v, t, "yes" if ok else "NO") for m, v, t, ok in checks])  # fmt: skip
    write_json(
        args.json,
        {"results": [asdict(r) for r in results],
         "targets": [{"measure": m, "measured": v, "target": t, "met": ok}
                     for m, v, t, ok in checks]},
    )  # fmt: skip
    return 0 if all(ok for *_, ok in checks) else 1


def register(benches: Any) -> None:
    parser: argparse.ArgumentParser = benches.add_parser(
        "detect", help="training and scoring time and model size for 10 to 1,000 services"
    )
    parser.add_argument("--services", default="10,100,1000", help="fleet sizes, comma-separated")
    parser.add_argument("--training-windows", type=int, default=720, help="windows trained on")
    parser.add_argument("--score-windows", type=int, default=20, help="windows scored per size")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", type=Path, default=None, help="also write the results here")
    parser.set_defaults(handler=run)
