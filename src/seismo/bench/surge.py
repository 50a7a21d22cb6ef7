"""``seismo bench surge``: how soon the recent-level traffic test names a surge or a drop,
and how often traffic that is merely bursty pages it.

A request count is judged against its own recent level (``seismo.detect.drift``): a step
must be caught in its first windows at any hour, while the swings and bursts of ordinary
traffic never page. This bench measures both sides on the production code path
(``Drift.traffic`` then ``Drift.learn_traffic``, a window that alerts learned as flagged),
on simulated traffic rather than the demo's:

- per window, Poisson counts around a rate that swings by +-40 % over a day of ``--day``
  windows;
- times a log-normal wobble (``WOBBLE`` on a log scale) with lag-1 correlation
  ``WOBBLE_CORRELATION``: busier and quieter spells of a few windows;
- with ``--bursts``, times bursts: one starts with probability ``BURST_P`` a window, lasts
  ``BURST_WINDOWS`` windows (uniform) and multiplies the rate by a factor log-uniform in
  ``BURST_FACTORS`` (a batch client, a crawler, a retry storm that settles by itself).

- **False alarms**: alerting episodes (a run of alerting windows counts once) in
  ``--windows`` windows of this traffic after ``WARM`` windows learned.
- **Delays**: over ``--trials`` runs, the median number of windows from a step's first
  window to the first alerting one (``-`` when more than half were not caught in
  ``MAX_DELAY`` windows), for surges of 2x and 4x and drops to 0.5x and 0.2x of the rate,
  each run starting at a random hour after ``WARM`` windows learned.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
from rich.progress import Progress

from seismo.bench.alarms import alarm_episodes, delay_cells, first_alert, median_delay
from seismo.bench.report import print_table, write_json
from seismo.detect.drift import Drift
from seismo.detect.evidence import AT_ALERT

SCOPE = "service:api"
WARM = 600
"""Windows a run learns before the measured ones."""
MAX_DELAY = 30
SWING = 0.4
WOBBLE = 0.15
WOBBLE_CORRELATION = 0.5
BURST_P = 0.005
"""About one burst in 200 windows."""
BURST_WINDOWS = (2, 10)
BURST_FACTORS = (1.5, 3.0)
STEPS = {"surge x2": 2.0, "surge x4": 4.0, "drop x0.5": 0.5, "drop x0.2": 0.2}


@dataclass
class Traffic:
    """Endless request counts of one scope, window by window."""

    rng: np.random.Generator
    rate: float
    day: int
    bursts: bool
    window: int = 0
    wobble: float = 0.0
    burst_left: int = 0
    burst_factor: float = 1.0

    def expected(self) -> float:
        """This window's rate before any fault: the daily swing, the wobble, a burst."""
        swing = 1.0 + SWING * math.sin(2.0 * math.pi * self.window / self.day)
        keep = WOBBLE_CORRELATION
        self.wobble = keep * self.wobble + math.sqrt(1 - keep**2) * float(self.rng.normal())
        if self.bursts and self.burst_left == 0 and self.rng.random() < BURST_P:
            self.burst_left = int(self.rng.integers(BURST_WINDOWS[0], BURST_WINDOWS[1] + 1))
            self.burst_factor = math.exp(self.rng.uniform(*np.log(BURST_FACTORS)))
        burst = self.burst_factor if self.burst_left else 1.0
        self.burst_left = max(0, self.burst_left - 1)
        self.window += 1
        return self.rate * swing * math.exp(WOBBLE * self.wobble) * burst

    def count(self, factor: float = 1.0) -> float:
        return float(self.rng.poisson(self.expected() * factor))


def alerts(drift: Drift, count: float) -> bool:
    """Score ``count``, then learn it (as flagged when it alerted), as the detector does."""
    scored = drift.traffic(SCOPE, count)
    alerted = scored is not None and scored.score >= AT_ALERT
    drift.learn_traffic(SCOPE, count, flagged=alerted)
    return alerted


def warmed(traffic: Traffic) -> Drift:
    drift = Drift()
    for _ in range(WARM):
        alerts(drift, traffic.count())
    return drift


def false_alarms(traffic: Traffic, windows: int, advance: Callable[[], None]) -> int:
    drift = warmed(traffic)
    return alarm_episodes(lambda: alerts(drift, traffic.count()), windows, advance)


def delay(traffic: Traffic, factor: float) -> int | None:
    traffic.window = int(traffic.rng.integers(traffic.day))
    drift = warmed(traffic)
    return first_alert(lambda _: alerts(drift, traffic.count(factor)), MAX_DELAY)


@dataclass(frozen=True)
class Row:
    """One traffic model's false alarms and median delays (None: mostly not caught)."""

    rate: float
    bursts: bool
    windows: int
    false_alarms: int
    delays: dict[str, float | None]


def measure(rate: float, bursts: bool, args: argparse.Namespace, progress: Progress) -> Row:
    traffic = Traffic(np.random.default_rng(args.seed), rate, args.day, bursts)
    label = f"{rate:g} a window, {'bursty' if bursts else 'no bursts'}"
    task = progress.add_task(label, total=args.windows // 10_000 + 1 + len(STEPS))
    alarms = false_alarms(traffic, args.windows, lambda: progress.advance(task))
    delays = {}
    for name, factor in STEPS.items():
        found = [delay(traffic, factor) for _ in range(args.trials)]
        delays[name] = median_delay(found, MAX_DELAY)
        progress.advance(task)
    return Row(rate, bursts, args.windows, alarms, delays)


def run(args: argparse.Namespace) -> int:
    rates = [float(r) for r in args.rates.split(",")]
    kinds = {"both": (False, True), "yes": (True,), "no": (False,)}[args.bursts]
    with Progress(transient=True) as progress:
        rows = [measure(rate, b, args, progress) for b in kinds for rate in rates]
    print_table(
        f"seismo bench surge ({args.windows:,} windows for false alarms, {args.trials} runs "
        f"per step, a day of {args.day:,} windows)",
        ["requests a window", "bursts", "false alarms",
         *(f"{n}: median delay" for n in STEPS)],
        [
            (f"{r.rate:g}", "yes" if r.bursts else "no", r.false_alarms,
             *delay_cells(r.delays.values()))
            for r in rows
        ],
    )  # fmt: skip
    write_json(args.json, {"rows": [asdict(r) for r in rows], "max_delay": MAX_DELAY})
    return 0


def register(benches: Any) -> None:
    parser: argparse.ArgumentParser = benches.add_parser(
        "surge", help="the recent traffic level on bursty traffic: false alarms and delays"
    )
    parser.add_argument("--windows", type=int, default=200_000, help="traffic windows")
    parser.add_argument("--trials", type=int, default=200, help="runs per step")
    parser.add_argument("--rates", default="5,40,300", help="mean requests a window")
    parser.add_argument(
        "--bursts", choices=("both", "yes", "no"), default="both", help="traffic with bursts"
    )
    parser.add_argument("--day", type=int, default=8_640, help="windows a day (10 s windows)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", type=Path, default=None, help="also write the results here")
    parser.set_defaults(handler=run)
