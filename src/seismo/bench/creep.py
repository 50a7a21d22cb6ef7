"""``seismo bench creep``: how soon the latency CUSUM can name a slowdown, and at what cost.

A latency fault at a thin service (a handful of calls a window) moves its quantiles by a
few spreads a window, inside the noise of any one window; the CUSUM of ``seismo.detect.drift``
adds the windows up. How early it can alert is bounded by the noise's tails: allow more and
normal traffic pages. This bench measures both sides on the production code path
(``Drift.creep``), with simulated noise rather than the demo's traffic: heavy-tailed
Student-t(3) z-scores (in robust spreads, as the fitted model gives them), independent or
with lag-1 correlation 0.5 (latency comes in spells).

A series' windows may also wobble less than the training spread it is judged by (a quiet
stretch of a service whose training held busier hours): ``--scales 0.3`` draws the noise at
0.3 of the spread, where the CUSUM measures each series in its own recent spread as well.
The cost of that is a series whose noise grows: ``0.3:1`` learns at 0.3 and is measured at
the full spread (its false alarms are those of the noise growing threefold at once).

- **False alarms**: alerting episodes in ``--windows`` windows of noise alone.
- **Delays**: over ``--trials`` runs, the median number of windows from a fault's first
  window to the first alerting one (``-`` when more than half were not caught in
  ``MAX_DELAY`` windows), for steps of 2, 2.7 and 3.5 spreads and a creep adding 0.35 spread
  a window. Each run first learns ``WARM`` quiet windows, as a service does in production.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
from rich.progress import Progress

from seismo.bench.alarms import alarm_episodes, delay_cells, first_alert, median_delay
from seismo.bench.report import print_table, write_json
from seismo.detect.drift import Drift
from seismo.detect.evidence import AT_ALERT
from seismo.detect.fingerprint_model import Deviation

FEATURE = "latency_p50"
SERVICE = "svc"
WARM = 300
"""Quiet windows a series learns before the measured ones (its correlation is learned)."""
MAX_DELAY = 50
T3_ROBUST_SPREAD = 1.4826 * 0.7649
"""1.4826 x the median absolute deviation of Student-t(3): its spread as the models measure it."""
SHAPES: dict[str, Callable[[int], float]] = {
    "step 2.0": lambda i: 2.0,
    "step 2.7": lambda i: 2.7,
    "step 3.5": lambda i: 3.5,
    "creep 0.35/window": lambda i: 0.35 * (i + 1),
}


@dataclass(frozen=True)
class Row:
    """One noise model's false alarms and median delays (None: mostly not caught)."""

    correlation: float
    scale: str
    """The noise's size in spreads: one number, or ``learned:measured``."""
    windows: int
    false_alarms: int
    delays: dict[str, float | None]


def noise(rng: np.random.Generator, correlation: float) -> Iterator[float]:
    """Endless Student-t(3) z-scores in robust spreads, AR(1) with ``correlation``."""
    keep, fresh = correlation, np.sqrt(1.0 - correlation**2)
    z = 0.0
    while True:
        for draw in rng.standard_t(3, 4096) / T3_ROBUST_SPREAD:
            z = keep * z + fresh * float(draw)
            yield z


def scales(text: str) -> tuple[float, float]:
    """``0.3`` (learn and measure at 0.3) or ``0.3:1`` (learn at 0.3, measure at 1)."""
    learned, _, measured = text.partition(":")
    return float(learned), float(measured or learned)


def alerts(drift: Drift, z: float) -> bool:
    scored = drift.creep(SERVICE, {FEATURE: Deviation(FEATURE, 0.0, 1.0, z, z)})
    return scored is not None and scored.score >= AT_ALERT


@dataclass
class Source:
    """``draws`` at ``learned`` spreads for the first ``WARM`` windows of every run (a fresh
    drift state learns them), at ``measured`` spreads after."""

    draws: Iterator[float]
    learned: float
    measured: float

    def warmed(self) -> Drift:
        drift = Drift()
        for _ in range(WARM):
            alerts(drift, self.learned * next(self.draws))
        return drift

    def __next__(self) -> float:
        return self.measured * next(self.draws)


def false_alarms(source: Source, windows: int, advance: Callable[[], None]) -> int:
    """Alerting episodes in ``windows`` of noise."""
    drift = source.warmed()
    return alarm_episodes(lambda: alerts(drift, next(source)), windows, advance)


def delay(source: Source, shape: Callable[[int], float]) -> int | None:
    drift = source.warmed()
    return first_alert(lambda i: alerts(drift, next(source) + shape(i)), MAX_DELAY)


def measure(
    correlation: float, scale: str, windows: int, trials: int, seed: int, progress: Progress
) -> Row:
    source = Source(noise(np.random.default_rng(seed), correlation), *scales(scale))
    label = f"correlation {correlation:g}, scale {scale}"
    task = progress.add_task(label, total=windows // 10_000 + len(SHAPES))
    alarms = false_alarms(source, windows, lambda: progress.advance(task))
    delays = {}
    for name, shape in SHAPES.items():
        delays[name] = median_delay([delay(source, shape) for _ in range(trials)], MAX_DELAY)
        progress.advance(task)
    return Row(correlation, scale, windows, alarms, delays)


def run(args: argparse.Namespace) -> int:
    correlations = [float(c) for c in args.correlations.split(",")]
    runs = [(r, scale) for scale in args.scales.split(",") for r in correlations]
    with Progress(transient=True) as progress:
        rows = [measure(r, s, args.windows, args.trials, args.seed, progress) for r, s in runs]
    print_table(
        f"seismo bench creep (Student-t(3) noise, {args.windows:,} windows for false alarms, "
        f"{args.trials} runs per delay)",
        ["lag-1 correlation", "noise (spreads)", "false alarms",
         *(f"{n}: median delay" for n in SHAPES)],
        [
            (f"{r.correlation:g}", r.scale, r.false_alarms, *delay_cells(r.delays.values()))
            for r in rows
        ],
    )  # fmt: skip
    write_json(args.json, {"rows": [asdict(r) for r in rows], "max_delay": MAX_DELAY})
    return 0


def register(benches: Any) -> None:
    parser: argparse.ArgumentParser = benches.add_parser(
        "creep", help="the latency CUSUM on heavy-tailed noise: false alarms and delays"
    )
    parser.add_argument("--windows", type=int, default=400_000, help="noise windows")
    parser.add_argument("--trials", type=int, default=200, help="runs per fault shape")
    parser.add_argument("--correlations", default="0,0.5", help="lag-1 correlations to run")
    parser.add_argument(
        "--scales", default="1", help="noise sizes in spreads: 0.3, or 0.3:1 (learned:measured)"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", type=Path, default=None, help="also write the results here")
    parser.set_defaults(handler=run)
