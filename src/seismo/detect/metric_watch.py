"""Per-metric detection inside the detector loop: one streaming detector per metric.

Every business and custom metric of a fingerprint (its mean in the window) goes through the
per-metric detector of ``seismo.detect.metric`` (the same code as ``seismo replay``), with
its state kept between windows as ``to_dict`` data.

Evidence is sized to the data (``seismo.detect.evidence``): a window's mean of ``n``
observations is judged by its standard error, ``sigma / sqrt(n)``, with ``sigma`` the
learned spread of one observation, so the mean of a handful of orders cannot page on its
own noise however the per-metric detector scores it; and the move must be material
(``MATERIAL`` of the normal value). An ``expected_range`` violation alerts at once when the
window's out-of-range count is improbable given its observations and the learned share of
out-of-range ones (a binomial test), and is at least ``RANGE_SHARE`` of them. A smoothed
normal value (exponentially weighted) gives the explanation its "normal" figure. A window
that is flagged is not learned.

A mean cannot fall below zero while one large order lifts it far, so on the values' own
scale the rises set the bar and a fall to a twentieth of normal looked ordinary (seen on a
generated system of the scenario bench: order value 123 -> 6.3 never alerted). Falls of a
metric that has only ever been positive are also judged on a log scale (``FallWatch``),
where a fall to a twentieth is a dozen standard errors, against the falls of its own
history; a material fall alerts on that evidence alone. A KPI of one or two orders a
window is not sure of a fall from one window (a twentieth is three standard errors of a
long-tailed price), so consecutive falling windows are also pooled and judged as one window
of all their orders against the level before them (``FallWatch.pooled_score``), their bar
calibrated on the pooled runs that turned out ordinary.

A metric that stops arriving is news too (orders stop when checkout breaks): its windows
without a single observation are counted, and a run of them alerts when, at the learned
observations per window, chance alone would leave that many windows empty less often than
one in a million (a Poisson tail), and the run is ``QUIET_MARGIN`` times longer than any
the metric had lately (a KPI sent in batches once a minute is quiet in between by design).
A run is learned when it ends (data came again), unless it was judged a silence, and a
metric's silence is judged once it has filled ``QUIET_WARM`` windows: a batch-reported KPI
has shown its gaps by then, a KPI with one order a window that stops is caught when its
empty run is both improbable and half again longer than its longest lately.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from seismo.detect.base import Detector, detector_from_dict
from seismo.detect.evidence import (
    ALERT_Z,
    UNEASY,
    binomial_tail,
    poisson_below,
    smoothed_rate,
    tail_score,
    z_score,
)
from seismo.detect.explain import Finding
from seismo.detect.fingerprint_features import scale_floor
from seismo.detect.fingerprint_model import Deviation
from seismo.fingerprint.entry import Fingerprint, Vector

SMOOTHING = 0.1
"""Weight of the newest learned mean in the metric's normal value."""
MIN_ALERT_POINT = 0.6
"""The metric detector decides at 0.52, tuned for NAB's scoring, which forgives a false
positive now and then; one that pages people waits for 0.6 (half again as unusual as the
rare points of late): measured on Gaussian noise, 0 alerts per 1,000 windows instead of 1-3."""
RANGE_SHARE = 0.1
"""Smallest share of a window's observations outside ``expected_range`` that alerts: a lone
outlier among many orders is left to the learned baseline."""
RANGE_ALERT_P = 1e-4
"""Tail probability of a window's out-of-range count that alerts (0.9): the range was
declared by a person, and a business has few KPIs, so this test is run far less often than
the per-service ones."""
RANGE_PRIOR = 0.01
"""Out-of-range share assumed before any observation: a declared range is rarely left."""
RANGE_PRIOR_WEIGHT = 100.0
"""That prior counts as this many observations."""
MEMORY = 0.999
"""Per window, the weight the out-of-range counts seen so far keep (a memory of ~1,000)."""
MATERIAL = 0.1
"""A KPI's mean must move by this share of its normal value to alert: smaller moves are
not what a business pages for, however well measured."""
SE_FLOOR = 0.01
"""The standard error of a mean is never below this share of its normal value."""
Z_HISTORY = 1000
"""Standard-error moves of the last learned windows kept to calibrate against: real values
(order amounts) are long-tailed, so the mean of two orders can sit 20 standard errors out
in an ordinary hour; a move must also beat what this metric's own history shows."""
Z_MARGIN = 1.5
"""A mean alerts at ``Z_MARGIN`` times the 99.9th percentile of its recent moves (and at
least ``ALERT_Z`` standard errors)."""
COUNT_SMOOTHING = 0.02
"""Weight of the newest window in a metric's observations per window, empty windows
included (a memory of about 50 windows)."""
POOLED_FALLS = 3
"""Consecutive falling windows whose observations are pooled into one judgement."""
UNEASY_WEIGHT = 0.1
"""Share of a full update by which an uneasy window (it scored ``UNEASY``) moves a fall
watch's level: a fall's first windows must not drag the level down to them."""
FALL_WARM = 30
"""Learned windows before falls are judged on the log scale (the spread settles first)."""
QUIET_WARM = 30
"""Windows with observations a metric must have had before a silence of it is judged."""
QUIET_MARGIN = 1.5
"""A silence must last this many times the longest recent run of empty windows."""
QUIET_REPORTED = 0.5
"""An empty run scoring less is no finding at all (most windows of a sparse metric)."""
QUIET_DECAY = 0.999
"""Per window, how much of the longest recent empty run is kept (a half-life of ~700)."""


def move_bar(moves: list[float]) -> float:
    """Standard errors a move must reach to alert: ``Z_MARGIN`` x the 99.9th percentile of
    the recent ``moves``, at least ``ALERT_Z``."""
    if not moves:
        return ALERT_Z
    return max(ALERT_Z, Z_MARGIN * float(np.quantile(moves, 0.999)))


@dataclass
class FallWatch:
    """A positive metric's mean on a log scale, to judge its falls: a smoothed level of
    ``log(mean)``, the spread of one observation there, and the recent falls in standard
    errors. Off for good once a mean of zero or below was learned."""

    level: float | None = None
    unit_spread: float = 0.0
    falls: list[float] = field(default_factory=list)
    learned: int = 0
    positive: bool = True
    run: list[list[float]] = field(default_factory=list)
    """The current run of windows that fell materially: ``[log(mean), observations]`` of the
    last ``POOLED_FALLS`` - 1 of them, and ``base``: the level and spread before the run."""
    base: list[float] = field(default_factory=list)
    pooled_falls: list[float] = field(default_factory=list)
    """The pooled runs' falls, in standard errors, of the runs learned lately."""
    pending: list[list[float]] = field(default_factory=list)
    """The falls (single, pooled) of the run's uneasy windows, learned when the run ends
    unless it fired: a run that turned out ordinary calibrates the bars, a fall does not."""
    fired: bool = False

    def standard_error(self, count: float, unit_spread: float | None = None) -> float:
        unit = self.unit_spread if unit_spread is None else unit_spread
        return max(1.25 * unit / math.sqrt(max(count, 1.0)), SE_FLOOR)

    def falling(self, value: float) -> bool:
        """Whether ``value`` is a material fall from the level (from the level before the
        run of falls under way: the level learns the run's windows, and sinks with them)."""
        level = self.base[0] if self.base else self.level
        return level is not None and value <= (1.0 - MATERIAL) * math.exp(level)

    def z(self, value: float, count: float) -> float:
        """How many standard errors the log of ``value`` lies from the level (a mean of
        zero or below: an infinite fall)."""
        if self.level is None:
            return 0.0
        if value <= 0:
            return -math.inf
        return (math.log(value) - self.level) / self.standard_error(count)

    def score(self, value: float, count: float) -> float:
        """A material fall on the alert scale, against ``Z_MARGIN`` times the recent 99.9th
        percentile of falls; 0 for a rise, a small fall, or a watch not yet warm."""
        if not self.positive or self.level is None or self.learned < FALL_WARM:
            return 0.0
        if not self.falling(value):
            return 0.0
        return z_score(self.z(value, count), move_bar(self.falls))

    def pooled_score(self, value: float, count: float) -> float:
        """This window pooled with the run of falling windows before it, judged as one
        window of all their observations against the level before the run (0 without such
        a run).

        A KPI of one or two orders a window, long-tailed, moves a few standard errors in an
        ordinary window, so a fall to a twentieth is not sure from one window (3 standard
        errors: generated-12's order value, 190 -> 13). Two such windows are as sure as one
        window of their pooled orders, which is how they are judged, against the higher of
        the single windows' bar and the bar of the pooled runs that ended ordinary (a
        long-tailed KPI's lows come in runs now and then). The windows of a run are still
        learned while they do not fire, which would let the level sink towards the fall; the
        run keeps the level before it."""
        warm = self.positive and self.learned >= FALL_WARM
        if not (warm and self.run and self.base and value > 0 and self.falling(value)):
            return 0.0
        z = self._pooled_z([*self.run, [math.log(value), count]])
        return z_score(z, max(move_bar(self.falls), move_bar(self.pooled_falls)))

    def _pooled_z(self, pooled: list[list[float]]) -> float:
        """Standard errors the pooled windows' mean of logs lies from the level before."""
        observations = sum(c for _, c in pooled)
        level, unit = self.base
        gap = sum(c * (x - level) for x, c in pooled) / observations
        return gap / self.standard_error(observations, unit)

    def observe(self, value: float, count: float, fired: bool) -> None:
        """Extend the run of falling windows with this one, or end it (every window with a
        value, ``fired`` or not); an ended run that never fired calibrates the bars."""
        if not self.positive or value <= 0 or not self.falling(value) or self.level is None:
            if not self.fired:
                self._calibrate(self.pending)
            self.run, self.base, self.pending, self.fired = [], [], [], False
            return
        if not self.run:
            self.base = [self.level, self.unit_spread]
        self.run = [*self.run, [math.log(value), count]][-(POOLED_FALLS - 1) :]
        self.fired = self.fired or fired

    def _calibrate(self, falls: list[list[float]]) -> None:
        """Add ``[single, pooled]`` falls (0: none) to the histories the bars come from."""
        for single, pooled in falls:
            if single > 0:
                self.falls = [*self.falls, single][-Z_HISTORY:]
            if pooled > 0:
                self.pooled_falls = [*self.pooled_falls, pooled][-Z_HISTORY:]

    def learn(self, value: float, count: float, uneasy: bool = False) -> None:
        """Learn a window that did not fire. An ``uneasy`` one (it scored ``UNEASY``: maybe
        a fall's first windows, not yet sure) moves the level a tenth as much, leaves the
        spread as it was, and its falls wait for the run to end (``pending``), so a fall
        does not raise the bar it is judged by while its evidence builds up
        (generated-12's order value: its own windows had raised the pooled bar from 7 to
        12 before the third could fire)."""
        if value <= 0:
            self.positive = False
        if not self.positive:
            return
        if self.level is None:
            self.level = math.log(value)
            return
        z = self.z(value, count)
        warm = self.learned >= FALL_WARM
        single = round(-z, 3) if z < 0 and warm else 0.0
        pooled = 0.0
        if len(self.run) >= 2 and self.base and warm:
            pooled = round(-self._pooled_z(self.run), 3)  # ``observe`` added this window
        gap = math.log(value) - self.level
        self.learned += 1
        if uneasy:
            self.pending.append([single, pooled])
            self.level += SMOOTHING * UNEASY_WEIGHT * gap
            return
        self._calibrate([[single, pooled]])
        unit = abs(gap) * math.sqrt(max(count, 1.0))
        self.unit_spread += SMOOTHING * (unit - self.unit_spread)
        self.level += SMOOTHING * gap

    def to_dict(self) -> dict[str, Any]:
        return {
            "level": self.level,
            "unit_spread": self.unit_spread,
            "falls": self.falls,
            "learned": self.learned,
            "positive": self.positive,
            "run": self.run,
            "base": self.base,
            "pooled_falls": self.pooled_falls,
            "pending": self.pending,
            "fired": self.fired,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FallWatch:
        level = data.get("level")
        return cls(
            None if level is None else float(level),
            float(data.get("unit_spread", 0.0)),
            [float(z) for z in data.get("falls", [])],
            int(data.get("learned", 0)),
            bool(data.get("positive", True)),
            [[float(x), float(c)] for x, c in data.get("run", [])],
            [float(b) for b in data.get("base", [])],
            [float(z) for z in data.get("pooled_falls", [])],
            [[float(a), float(b)] for a, b in data.get("pending", [])],
            bool(data.get("fired", False)),
        )


@dataclass
class MetricState:
    """A metric's detector and its smoothed normal value and spread."""

    detector: Detector
    normal: float | None = None
    spread: float = 0.0
    unit_spread: float = 0.0
    """Smoothed absolute deviation of the window mean times sqrt(observations): the spread
    of one observation, from which a window's standard error follows."""
    seen: float = 0.0
    """Observations learned (decayed by ``MEMORY`` per window)."""
    outside: float = 0.0
    """Of those, out of their expected range (decayed alike)."""
    moves: list[float] = field(default_factory=list)
    """The last ``Z_HISTORY`` learned windows' moves, in standard errors (absolute)."""
    per_window: float = 0.0
    """Observations per window, empty windows included (exponentially weighted)."""
    watched: int = 0
    """Windows learned, empty ones included."""
    quiet: int = 0
    """Windows in a row without an observation, up to now."""
    longest_quiet: float = 0.0
    """The longest ended run of empty windows that was not a silence, decaying."""
    filled: int = 0
    """Windows with observations."""
    in_silence: bool = False
    """The empty run under way was judged a silence (it is not learned when it ends)."""
    fall: FallWatch = field(default_factory=FallWatch)

    def to_dict(self) -> dict[str, Any]:
        return {
            "detector": self.detector.to_dict(),
            "normal": self.normal,
            "spread": self.spread,
            "unit_spread": self.unit_spread,
            "seen": self.seen,
            "outside": self.outside,
            "moves": self.moves,
            "per_window": self.per_window,
            "watched": self.watched,
            "quiet": self.quiet,
            "longest_quiet": self.longest_quiet,
            "filled": self.filled,
            "in_silence": self.in_silence,
            "fall": self.fall.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> MetricState:
        normal = data.get("normal")
        return cls(
            detector_from_dict(data["detector"]),
            None if normal is None else float(normal),
            float(data.get("spread", 0.0)),
            float(data.get("unit_spread", 0.0)),
            float(data.get("seen", 0.0)),
            float(data.get("outside", 0.0)),
            [float(z) for z in data.get("moves", [])],
            float(data.get("per_window", 0.0)),
            int(data.get("watched", 0)),
            int(data.get("quiet", 0)),
            float(data.get("longest_quiet", 0.0)),
            int(data.get("filled", data.get("watched", 0))),
            bool(data.get("in_silence", False)),
            FallWatch.from_dict(data.get("fall", {})),
        )

    def learn(
        self, value: float, count: float = 1.0, outside: float = 0.0, uneasy: bool = False
    ) -> None:
        self.detector.learn_one({"value": value})
        self.fall.learn(value, count, uneasy)
        self.seen = self.seen * MEMORY + count
        self.outside = self.outside * MEMORY + outside
        if self.normal is None:
            self.normal = value
            return
        gap = abs(value - self.normal)
        self.moves = [*self.moves, round(gap / self.standard_error(count), 3)][-Z_HISTORY:]
        self.spread += SMOOTHING * (gap - self.spread)
        self.unit_spread += SMOOTHING * (gap * math.sqrt(max(count, 1.0)) - self.unit_spread)
        self.normal += SMOOTHING * (value - self.normal)

    def count_window(self, count: float, silenced: bool) -> None:
        """One window's observations into the per-window rate and the empty runs;
        a window judged a silence (``silenced``) is not learned."""
        self.longest_quiet *= QUIET_DECAY
        if count > 0:
            if self.quiet and not self.in_silence:
                self.longest_quiet = max(self.longest_quiet, float(self.quiet))
            self.quiet, self.in_silence = 0, False
            self.filled += 1
        else:
            self.quiet += 1
            self.in_silence = self.in_silence or silenced
        if silenced:
            return
        self.per_window += COUNT_SMOOTHING * (count - self.per_window) if self.watched else count
        self.watched += 1

    def silence(self, run: int) -> tuple[float, float]:
        """How likely ``run`` empty windows in a row are by chance alone, and how many
        observations they should have brought; 1 while the metric is not yet known well
        enough or such runs were seen lately."""
        expected = self.per_window * run
        if self.filled < QUIET_WARM or run <= QUIET_MARGIN * self.longest_quiet:
            return 1.0, expected
        return poisson_below(0, expected), expected

    def standard_error(self, count: float) -> float:
        """The standard error of a mean of ``count`` observations (1.25 x the mean absolute
        deviation estimates a normal sigma), floored at ``SE_FLOOR`` of the normal value."""
        floor = max(SE_FLOOR * abs(self.normal or 0.0), 1e-9)
        return max(1.25 * self.unit_spread / math.sqrt(max(count, 1.0)), floor)

    def alert_z(self) -> float:
        """Standard errors a mean must move to alert (``move_bar`` of its recent moves)."""
        return move_bar(self.moves)

    def outside_rate(self) -> float:
        """The learned share of observations outside the expected range."""
        return smoothed_rate(self.outside, self.seen, RANGE_PRIOR, RANGE_PRIOR_WEIGHT)


def on_alert_scale(detector: Detector, score: float, threshold: float) -> float:
    """``score`` moved onto the alert scale: the detector's decision point (its
    ``threshold``, raised to at least ``MIN_ALERT_POINT``) becomes ``threshold``; 0 and 1
    stay put, linearly in between. A detector deciding at ``threshold`` is already on it."""
    point = max(detector.threshold, MIN_ALERT_POINT)
    if point == threshold:
        return score
    if score <= point:
        return score * threshold / point
    return threshold + (score - point) * (1.0 - threshold) / (1.0 - point)


CUSTOM_FEATURES = ("value", "out_of_range", "observations")
BUSINESS_FEATURES = ("business_value", "business_out_of_range", "business_observations")
METRIC_MEANS = frozenset({CUSTOM_FEATURES[0], BUSINESS_FEATURES[0]})
"""The features that carry a metric's mean in a window."""


def feature_names(metric: str, window: Fingerprint) -> tuple[str, str, str]:
    """Feature names of a metric's mean, range count and observation count: business or
    custom metric.

    Custom metrics are named ``<service>.<metric>`` after a service of the window.
    """
    custom = metric.partition(".")[0] in window.services
    return CUSTOM_FEATURES if custom else BUSINESS_FEATURES


def watch_quiet(
    metric: str, state: MetricState, window: Fingerprint, threshold: float
) -> Finding | None:
    """A window without any observation of a known metric: a finding once the empty run
    is unlikely; None while it is not."""
    p, expected = state.silence(state.quiet + 1)
    score = tail_score(p)
    state.count_window(0.0, score >= threshold)
    if score < QUIET_REPORTED:
        return None
    name = feature_names(metric, window)[2]
    spread = math.sqrt(max(expected, 1e-9))
    return Finding("metric", metric, score, (Deviation(name, expected, spread, 0.0, -spread),))


def watch_metric(
    metric: str, summary: Vector, state: MetricState, window: Fingerprint, threshold: float
) -> Finding | None:
    """Score one metric's window, learn it unless flagged; a window without a value is
    judged as part of an empty run (``watch_quiet``)."""
    count = summary.get("count", 0.0)
    if count <= 0 or "mean" not in summary:
        return watch_quiet(metric, state, window, threshold)
    mean_name, range_name, _ = feature_names(metric, window)
    value = summary["mean"]
    learned = on_alert_scale(state.detector, state.detector.score_one({"value": value}), threshold)
    score, moved, held = _mean_evidence(mean_name, value, count, state, learned)
    outside = summary.get("out_of_range", 0.0)
    if outside > 0 and outside >= RANGE_SHARE * count:
        expected = state.outside_rate()
        ranged = tail_score(binomial_tail(outside, count, expected), RANGE_ALERT_P)
        if ranged >= score:
            score = ranged
            moved.insert(0, Deviation(range_name, expected * count, 1.0, outside, outside))
    state.fall.observe(value, count, score >= threshold)  # before it is learned
    if score < threshold:
        state.learn(value, count, outside, uneasy=score >= UNEASY)
    state.count_window(count, silenced=False)
    return Finding("metric", metric, score, tuple(moved), held=held)


def _mean_evidence(
    name: str, value: float, count: float, state: MetricState, learned: float
) -> tuple[float, list[Deviation], bool]:
    """The mean's score: the detector's, capped by how many standard errors it moved (and
    below half when the move is not material); its deviation in standard errors; and
    whether a fall pooled with the windows before it decided (``Finding.held``)."""
    if state.normal is None:
        spread = scale_floor(name, value)
        return min(learned, 0.5), [Deviation(name, value, spread, value, 0.0)], False
    normal = state.normal
    spread = state.standard_error(count)
    z = (value - normal) / spread
    score = min(learned, z_score(z, state.alert_z()))
    if abs(value - normal) < MATERIAL * abs(normal):
        score = min(score, 0.5)
    score = max(score, state.fall.score(value, count))
    pooled = state.fall.pooled_score(value, count)
    return max(score, pooled), [Deviation(name, normal, spread, value, z)], pooled > score


def metric_findings(
    window: Fingerprint,
    states: dict[str, MetricState],
    new_detector: Callable[[], Detector],
    threshold: float,
) -> list[Finding]:
    """Findings of every metric in ``window``; ``states`` is updated in place."""
    found = []
    for metric in sorted(states.keys() | window.metrics.keys()):
        state = states.setdefault(metric, MetricState(new_detector()))
        result = watch_metric(metric, window.metrics.get(metric, {}), state, window, threshold)
        if result is not None:
            found.append(result)
    return found
