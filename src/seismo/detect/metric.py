"""Per-metric streaming detection: one numeric series, one point at a time.

The production detector for business and custom metrics, and the one ``seismo replay`` and
``seismo bench nab`` run. It follows score -> calibrate -> decide:

- *score*: several causal raw signals, each blind to a different kind of anomaly: a spike
  (distance from the rolling median, in robust spreads), a jump (step size against the
  ``STEP_QUANTILE`` quantile of recent steps), a level shift (short mean against the rolling
  median) and shape novelty at several time scales (distance from the current shape, block
  means of the recent values, to its nearest past shapes, as in KNN-CAD).
- *calibrate*: each raw signal against its own recent history: r = value / the signal's
  99.9th percentile over the last ``history`` points, mapped to [0, 1] by r / (1 + r), so 0.5
  means "as unusual as the rare unusual points lately", whatever the metric's units. Signals
  are fused by max.
- *decide*: a fused score >= ``decide`` is a detection (the detector's ``threshold``); the
  following ``quiet`` points (or as many as the leading signal spans, when more: a new shape
  of 288 points stays new while it passes) are damped (halved, so below ``decide``: not
  flagged), since one incident should give one alarm; an incident still above a signal's bar
  when they end lasts until a point is back under every bar (``calm``). A point ``escalate``
  times as unusual
  as the alarm (in ratio r) is not damped: an incident that grows far beyond its first
  alarm, or a large anomaly just after a small false alarm, is news, and alarms anew.
  Likewise a signal crossing ``decide`` while the metric has been above a bar for longer
  than the signal spans is not news unless ``escalate`` times its bar (``_stale``).

What a flagged point is kept out of, precisely: the calibration histories, which decide what
counts as unusual, so one anomaly does not raise the bar and hide the next, nor make its twin
look normal. It still enters the windows (median, steps, recent level, shapes), which need
every point in order; one value moves a rolling median by at most one rank. The damped
points of the quiet period after it are learned in full. Alarms are kept out only while
they are rare: once as many alarms at least as unusual were kept out within the calibration
history as the quantile's rank, a further one is learned like any point (``_repeats``), so
a pattern that recurs off any schedule (a noise-free cycle's edges) stops alarming
after a few occurrences instead of alarming at every occurrence forever.

Work per point is constant (bounded windows) and nothing looks ahead. The state is plain
data, ``{"name", "params", "state"}``: the points learned, the last values (from which the
windows and shapes are rebuilt), the last alarm's score, the signals of the few alarms kept
out of the calibration and, per signal, only the few recent values that can still reach its
high quantile (``HighQuantile``), so it is stored in Redis as JSON: 25 KB typical, under
40 KB on NAB.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right, insort
from collections import deque
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt

from seismo.detect.base import Detector, Features, register

FloatArray = npt.NDArray[np.float64]


class RollingOrder:
    """The last ``size`` values, also kept sorted for medians and quantiles."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.items: deque[float] = deque()
        self.sorted: list[float] = []

    def add(self, value: float) -> None:
        """Append ``value``, forgetting the oldest one when full."""
        if len(self.items) == self.size:
            del self.sorted[bisect_left(self.sorted, self.items.popleft())]
        self.items.append(value)
        insort(self.sorted, value)

    def __len__(self) -> int:
        return len(self.items)

    def quantile(self, q: float) -> float:
        """The ``q`` quantile (nearest rank) of the stored values."""
        return self.sorted[min(len(self.sorted) - 1, int(q * len(self.sorted)))]


class HighQuantile:
    """A high quantile (nearest rank) of the last ``size`` values, kept in a few numbers.

    Only a value that may still rank among the top ``rank`` of some later window can matter:
    one with ``rank`` later values at least as large never will (they leave the window after
    it). So each value is kept, as ``[index, value, beaten]`` in value order, with how many
    later values have beaten it, and dropped once ``rank`` have; values that left the window
    are skipped, and dropped when they next come up. The quantile is exactly that of the whole
    window; a noisy signal keeps a few dozen values instead of ``size``. A signal drifting
    down keeps more, so at most ``CANDIDATES`` are kept, the oldest going first beyond that.
    """

    def __init__(self, size: int, q: float) -> None:
        self.size, self.q = size, q
        self.rank = self._rank(size)  # the rank grows with the number of values
        self.count = 0
        self.kept: list[list[float]] = []

    def _rank(self, n: int) -> int:
        """Rank from the top of the ``q`` quantile among ``n`` values."""
        return n - min(n - 1, int(self.q * n))

    def __len__(self) -> int:
        return min(self.count, self.size)

    def _live(self, item: list[float]) -> bool:
        return item[0] > self.count - self.size

    def add(self, value: float) -> None:
        """Append ``value``; the values it beats count one more, and go after ``rank``."""
        self.count += 1
        beaten = bisect_right(self.kept, value, key=lambda item: item[1])
        for item in self.kept[:beaten]:
            item[2] += 1
        below = [item for item in self.kept[:beaten] if item[2] < self.rank and self._live(item)]
        self.kept[:beaten] = [*below, [self.count, value, 0]]
        if len(self.kept) > CANDIDATES:
            self.kept = [item for item in self.kept if self._live(item)]
            if len(self.kept) > CANDIDATES:
                self.kept.remove(min(self.kept, key=lambda item: item[0]))

    def quantile(self) -> float:
        """The ``q`` quantile of the values in the window (0 while there are none)."""
        rank, value = self._rank(len(self)), 0.0
        for item in reversed(self.kept):
            if self._live(item):
                value, rank = item[1], rank - 1
                if rank == 0:
                    break
        return value

    def stored(self) -> list[list[float]]:
        """The kept values still in the window, as stored by ``to_dict``."""
        return [item for item in self.kept if self._live(item)]


class ShapeNovelty:
    """Distance from the current shape to its nearest past shapes at one time scale.

    A shape is ``dim`` block means of ``block`` values each, the newest block ending at the
    current point. Past shapes are remembered once they no longer overlap the current one, so
    a point is never compared with itself; the ``capacity`` most recent are kept.
    """

    def __init__(self, block: int, dim: int, capacity: int, neighbours: int) -> None:
        self.block, self.dim, self.neighbours = block, dim, neighbours
        self.span = block * dim
        self.values: deque[float] = deque(maxlen=block)
        self.means = np.zeros(self.span)
        self.seen = 0
        self.lags = np.arange(0, self.span, block)[::-1]
        self.waiting: deque[FloatArray] = deque()
        self.shapes = np.zeros((capacity, dim))
        self.norms = np.zeros(capacity)
        self.stored = 0

    def _shape(self, mean: float) -> FloatArray | None:
        if self.seen + 1 < self.span:
            return None
        means = self.means.copy()
        means[self.seen % self.span] = mean
        shape: FloatArray = means[(self.seen - self.lags) % self.span]
        return shape

    def _mean(self, x: float) -> float:
        kept = list(self.values)[1:] if len(self.values) == self.block else list(self.values)
        return (sum(kept) + x) / (len(kept) + 1)

    def score(self, x: float) -> float | None:
        """How far the shape ending at ``x`` is from its nearest past shapes (None at first).

        The root of the summed squared Euclidean distances to the ``neighbours`` nearest.
        """
        shape = self._shape(self._mean(x))
        count = min(self.stored, len(self.shapes))
        if shape is None or count <= self.neighbours:
            return None
        squared = self.norms[:count] - 2.0 * (self.shapes[:count] @ shape) + shape @ shape
        nearest = np.partition(squared, self.neighbours - 1)[: self.neighbours]
        return math.sqrt(max(0.0, float(np.sort(nearest).sum())))

    def add(self, x: float) -> None:
        """Learn ``x``: update the block means and remember the shape it ends."""
        mean = self._mean(x)
        shape = self._shape(mean)
        self.values.append(x)
        self.means[self.seen % self.span] = mean
        self.seen += 1
        if shape is None:
            return
        self.waiting.append(shape)
        if len(self.waiting) > self.span:
            row = self.waiting.popleft()
            self.shapes[self.stored % len(self.shapes)] = row
            self.norms[self.stored % len(self.shapes)] = row @ row
            self.stored += 1


CANDIDATES = 256
"""Most values a ``HighQuantile`` keeps (a few dozen for a noisy signal)."""
SIGNALS = ("spike", "jump", "level")
MIN_POINTS = 50
"""Points a window or a calibration history needs before its signal counts (a signal that
spans more points needs as many values as it spans: ``MetricDetector.spans``)."""
STEP_QUANTILE = 0.9
"""Quantile of the recent step sizes that a jump is measured against.

Not the median: a metric that often stays put between points (counters, quantised gauges,
flat stretches, noise-free cycles) has a median step of zero, so every move became a jump of
millions of "typical steps" and the jump signal's scale was set by the rounding floor. The
0.9 quantile is a typical *move* whenever one step in ten changes the value, and is still
robust to the largest tenth of steps (the jumps themselves). Chosen on NAB fold A.
"""
SCHEDULE_SHARE = 0.7
"""A past value counts as the same spike again when it went at least this share as far from
the median, on the same side."""
SCHEDULE_TOLERANCE = 0.2
"""Two intervals between spikes are one schedule when they differ by at most this share of
their mean (a nightly job at 03:00 one day and 03:30 the next is 10 % off at 5-min points)."""
SCHEDULE_MERGE = 5
"""Extreme values at most this many points apart are one occurrence (a spike and its
shoulders)."""
SCHEDULE_MIN = 10
"""Shortest interval counted as a schedule: faster recurrences are noise, not a job."""
REMEMBERED = 16
"""Alarms kept out of the calibration remembered to recognise repeats (at least twice the
calibration quantile's rank)."""


BAR = 0.5
"""The fused score of a ratio of 1: a signal as unusual as its bar, its 99.9th percentile."""


class Judged(NamedTuple):
    """One value judged against the state so far (cached between score_one and learn_one)."""

    value: float
    raw: list[float | None]
    fused: float
    stale: bool
    """Within an episode above the bar older than its leading signal spans: scored as in a
    quiet period, and not an alarm (``MetricDetector._stale``)."""
    scheduled: bool
    """A spike that keeps a schedule: scored as in a quiet period, kept out of the
    calibration, and it starts a quiet period as an alarm would."""


def on_schedule(past: Sequence[float] | FloatArray, x: float, median: float) -> bool:
    """Whether ``x``, a spike away from ``median``, recurs at the interval of the last two.

    ``past`` are the values before ``x``, oldest first (or the steps before ``x``'s step,
    with a median of 0). The earlier occurrences are the runs of past values that went
    ``SCHEDULE_SHARE`` as far, on the same side; when the last two intervals between them
    and ``x`` agree within ``SCHEDULE_TOLERANCE``, the spike keeps a schedule (a nightly
    job, an hourly flush, a shift starting) whatever its period, and is expected.
    """
    deviation = x - median
    if deviation == 0.0 or len(past) == 0:
        return False
    far = np.flatnonzero(
        (np.asarray(past, dtype=np.float64) - median) * math.copysign(1.0, deviation)
        >= SCHEDULE_SHARE * abs(deviation)
    )
    if len(far) == 0:
        return False
    starts = far[np.concatenate(([True], np.diff(far) > SCHEDULE_MERGE))]
    if len(starts) < 2:
        return False
    first, second = int(starts[-1] - starts[-2]), len(past) - int(starts[-1])
    mean = (first + second) / 2.0
    return min(first, second) >= SCHEDULE_MIN and abs(first - second) <= SCHEDULE_TOLERANCE * mean


@register
class MetricDetector(Detector):
    """Fused spike, jump, level-shift and multi-scale shape-novelty detector for one series.

    Feature dict: ``{"value": x}``. Defaults are the one configuration measured on NAB.
    """

    name = "metric"

    def __init__(
        self,
        long: int = 1000,
        level: int = 12,
        scales: Sequence[Sequence[int]] = ((1, 10), (6, 12), (24, 12)),
        capacity: int = 1000,
        neighbours: int = 3,
        history: int = 6000,
        quantile: float = 0.999,
        decide: float = 0.52,
        quiet: int = 100,
        warmup: int = 150,
        escalate: float = 2.0,
    ) -> None:
        self.config: dict[str, Any] = {
            "long": long,
            "level": level,
            "scales": [[int(b), int(d)] for b, d in scales],
            "capacity": capacity,
            "neighbours": neighbours,
            "history": history,
            "quantile": quantile,
            "decide": decide,
            "quiet": quiet,
            "warmup": warmup,
            "escalate": escalate,
        }
        self.values = RollingOrder(long)
        self.steps = RollingOrder(long)
        self.recent: deque[float] = deque(maxlen=level)
        self.shapes = [ShapeNovelty(b, d, capacity, neighbours) for b, d in scales]
        self.spans = [1, 1, level, *(shape.span for shape in self.shapes)]
        """Points each signal is computed from (spike, jump, level, shapes)."""
        self.calibration = [
            HighQuantile(history, quantile) for _ in range(len(SIGNALS) + len(scales))
        ]
        spans = [2 * shape.span + capacity for shape in self.shapes]
        self.kept: deque[float] = deque(maxlen=max(long + 1, *spans))
        self.seen = 0
        self.since = quiet
        self.alarm = 0.0  # the score of the last alarm
        self.hush = quiet  # the length of its quiet period
        self.calm = True  # a point under every bar since the quiet period's end
        self.above = 0  # points in a row, up to the last, scored at or above the bar
        # Alarms kept out of the calibration: (point index, rounded raw signals)
        remembered = max(REMEMBERED, 2 * self.calibration[0].rank)
        self.excluded: deque[tuple[int, list[float | None]]] = deque(maxlen=remembered)
        self._cache: Judged | None = None

    def _raw(self, x: float) -> list[float | None]:
        """The raw signals of ``x`` against the state so far (None while one is not ready)."""
        if len(self.values) < MIN_POINTS:
            return [None] * len(self.calibration)
        median = self.values.quantile(0.5)
        floor = 1e-3 * abs(median) + 1e-9
        spread = self.values.quantile(0.75) - self.values.quantile(0.25) + floor
        step = self.steps.quantile(STEP_QUANTILE) + floor
        level = (sum(self.recent) + x) / (len(self.recent) + 1)
        return [
            abs(x - median) / spread,
            abs(x - self.recent[-1]) / step,
            abs(level - median) / spread,
            *(shape.score(x) for shape in self.shapes),
        ]

    def _calibrated(self, raw: list[float | None]) -> float:
        """Max over signals of r / (1 + r), r = raw / the signal's recent high quantile.

        A signal counts once its calibration history holds ``MIN_POINTS`` values, and at
        least as many as the points it spans (``_ratios``).
        """
        ratio = max((r for r in self._ratios(raw) if r is not None), default=0.0)
        return ratio / (1.0 + ratio)

    def _ratios(self, raw: list[float | None]) -> list[float | None]:
        """Each signal's raw value / its recent high quantile (None while not calibrated).

        A signal is calibrated once its history holds ``MIN_POINTS`` values and as many as
        the points the signal spans: successive shapes of 288 points share all but one, so
        their first 50 values are one look at the series, not 50, and the largest of them
        is no 99.9th percentile (a day's shape first met after two days alarmed at 4.8
        times that "percentile").
        """
        return [
            value / (history.quantile() + 1e-12)
            if value is not None and len(history) >= max(MIN_POINTS, span)
            else None
            for value, history, span in zip(raw, self.calibration, self.spans, strict=True)
        ]

    def _leading(self, raw: list[float | None]) -> int:
        """The index of the signal with the largest ratio (the one that raises an alarm)."""
        ratios = [-1.0 if r is None else r for r in self._ratios(raw)]
        return max(range(len(ratios)), key=ratios.__getitem__)

    def _repeats(self, raw: list[float | None]) -> bool:
        """Whether an alarm on ``raw`` is no longer rare: it repeats alarms kept out before.

        It is when, within the last ``history`` points, as many alarms at least as unusual on
        the signal that raises this one (its largest ratio) were already kept out of the
        calibration as the rank of the calibration's quantile (6 for the 0.999 quantile of
        6000 points). The quantile calls that many values per history "the rare unusual
        ones"; more extremes of that size are, by its own definition, not rare. Keeping
        alarms out protects the calibration from one-off anomalies (a twin of a flagged
        spike is still detected, several times over), but a pattern that recurs (a job's
        spike at irregular hours, a noise-free cycle's edges first met after the warm-up)
        was kept out at every occurrence and alarmed forever. Learned, it becomes ordinary.
        """
        signal = self._leading(raw)
        value = raw[signal]
        if value is None:
            return False
        count = 0
        for at, old in self.excluded:
            before = old[signal]
            if at > self.seen - self.config["history"] and before is not None and before >= value:
                count += 1
        return count >= self.calibration[signal].rank

    def _evaluate(self, x: float) -> Judged:
        """Raw signals and fused score of ``x``, computed once for score_one + learn_one."""
        if self._cache is None or self._cache.value != x:
            raw = self._raw(x)
            fused = self._calibrated(raw)
            stale = self._stale(raw, fused)
            self._cache = Judged(x, raw, fused, stale, self._scheduled(x, raw, fused, stale))
        return self._cache

    def _stale(self, raw: list[float | None], fused: float) -> bool:
        """Whether the metric has been above a bar longer than the leading signal spans.

        A run of points scored at or above ``BAR`` is one episode: something unusual going
        on. A signal that sees one point (a spike, a jump), or 12, is news in the first
        points of it; once the episode is older than the signal's span, the signal crossing
        ``decide`` is the episode creeping on (a drifting metric, a burst of tweets), and it
        alarms only at ``escalate`` times its bar, as in a quiet period.
        """
        e = float(self.config["escalate"])
        lead = self._leading(raw)
        return self.spans[lead] <= self.above and BAR <= fused < e / (1.0 + e)

    def _alarming(self, fused: float, stale: bool) -> bool:
        """Whether a point scored ``fused`` is past the warm-up, not damped, and decides."""
        return (
            self.seen >= self.config["warmup"]
            and not stale
            and not self._damped(fused)
            and fused >= self.config["decide"]
        )

    def _scheduled(self, x: float, raw: list[float | None], fused: float, stale: bool) -> bool:
        """Whether an alarm on ``x`` is a spike or a step that keeps a schedule.

        Each is read from its own quantity (``on_schedule``): a spike from how far the past
        values went from the median, a jump from the past steps. A level shift or a new
        shape has no such single quantity, and is never expected.
        """
        if not self._alarming(fused, stale):
            return False
        lead = self._leading(raw)
        past = np.fromiter(self.kept, dtype=np.float64)
        if lead == SIGNALS.index("spike"):
            return on_schedule(past, x, self.values.quantile(0.5))
        if lead == SIGNALS.index("jump") and len(past) > 1:
            return on_schedule(np.diff(past), x - past[-1], 0.0)
        return False

    def _score(self, x: Features) -> float:
        if "value" not in x or self.seen < self.config["warmup"]:
            return 0.0
        judged = self._evaluate(x["value"])
        quiet = judged.scheduled or judged.stale or self._damped(judged.fused)
        return 0.5 * judged.fused if quiet else judged.fused

    def _damped(self, fused: float) -> bool:
        """In the quiet period after an alarm, unless ``escalate`` times as unusual as it.

        The quiet period lasts ``quiet`` points, or as many as the signal that raised the
        alarm spans when more (``hush``): a new shape of 288 points is still in the window,
        and still new, 100 points later. With s the alarm's score, its ratio is s / (1 - s),
        and the score of ``e`` times that ratio is e s / (1 - s + e s); an alarm scored 1
        can never be exceeded.

        A quiet period ends only once a point scores under every signal's bar (a fused score
        under ``BAR``, ratio 1) after its ``hush`` points: a metric still above its bar then is
        the same incident going on, and its next small rise is not news (on NAB, alarms
        the point after a quiet period, at the height the incident had kept throughout).
        """
        if self.since >= self.hush and self.calm:
            return False
        e, s = float(self.config["escalate"]), self.alarm
        return fused <= e * s / (1.0 - s + e * s)

    def _learn(self, x: Features) -> None:
        if "value" not in x:
            return
        judged = self._evaluate(x["value"])
        self._cache = None
        alarm = self._alarming(judged.fused, judged.stale)  # flagged, or a spike on schedule
        self.since = 0 if alarm else self.since + 1
        self.alarm = judged.fused if alarm else self.alarm
        if alarm:
            span = self.spans[self._leading(judged.raw)]
            self.hush = max(int(self.config["quiet"]), span)
        self.calm = not alarm and (self.calm or (self.since >= self.hush and judged.fused < BAR))
        self.above = self.above + 1 if judged.fused >= BAR else 0
        if not judged.scheduled:  # expected, and not learned: the bar stays where it was
            self._calibrate(judged.raw, alarm)
        self._absorb(x["value"])

    def _calibrate(self, raw: list[float | None], alarm: bool) -> None:
        """Learn ``raw`` into the calibration, or keep a rare alarm out of it."""
        rounded = [None if v is None else float(f"{v:.4g}") for v in raw]
        if alarm and not self._repeats(rounded):
            self.excluded.append((self.seen, rounded))
            return
        for value, history in zip(rounded, self.calibration, strict=True):
            if value is not None:  # 4 digits calibrate as well and store in half the bytes
                history.add(value)

    def _absorb(self, value: float) -> None:
        """Learn ``value`` into the windows and shapes (not the calibration)."""
        if self.recent:
            self.steps.add(abs(value - self.recent[-1]))
        self.values.add(value)
        self.recent.append(value)
        self.kept.append(value)
        for shape in self.shapes:
            shape.add(value)
        self.seen += 1

    @property
    def threshold(self) -> float:
        return float(self.config["decide"])

    @property
    def params(self) -> dict[str, Any]:
        return {**self.config, "scales": [list(scale) for scale in self.config["scales"]]}

    def _state(self) -> dict[str, Any]:
        calibration = [[h.count, h.stored()] for h in self.calibration]
        return {
            "values": list(self.kept),
            "calibration": calibration,
            "since": self.since,
            "seen": self.seen,
            "alarm": self.alarm,
            "hush": self.hush,
            "calm": self.calm,
            "above": self.above,
            "excluded": [[at, raw] for at, raw in self.excluded],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> MetricDetector:
        """Rebuild from ``to_dict``, also from the two earlier layouts kept in Redis."""
        if "params" not in data:
            return cls._from_full_histories(data)
        if "seen" in data:  # stored while ``seen`` sat beside the state
            data = {**data, "state": {**data["state"], "seen": data["seen"]}}
        return super().from_dict(data)

    def _restore(self, state: Mapping[str, Any]) -> None:
        """The windows and shapes are relearned from the values."""
        for value in state["values"]:
            self._absorb(float(value))
        for history, (count, kept) in zip(self.calibration, state["calibration"], strict=True):
            history.count = int(count)
            history.kept = [[int(i), float(v), int(b)] for i, v, b in kept]
        self.seen, self.since = int(state["seen"]), int(state["since"])
        self.alarm = float(state.get("alarm", 1.0))  # stored before escalation: none
        self.hush = int(state.get("hush", self.config["quiet"]))  # stored before: ``quiet``
        self.calm = bool(state.get("calm", True))  # stored before: quiet periods were fixed
        self.above = int(state.get("above", 0))  # stored before episodes: none under way
        self.excluded.extend(  # stored before repeats were learned: none remembered
            (int(at), [None if v is None else float(v) for v in raw])
            for at, raw in state.get("excluded", [])
        )

    @classmethod
    def _from_full_histories(cls, data: Mapping[str, Any]) -> MetricDetector:
        """Read the earlier layout (``config``, whole calibration histories) kept in Redis."""
        detector = cls(**data["config"])
        for value in data["values"]:
            detector._absorb(float(value))
        for history, items in zip(detector.calibration, data["calibration"], strict=True):
            for value in items:
                history.add(float(value))
        detector.seen, detector.since = int(data["seen"]), int(data["since"])
        detector.alarm = 1.0  # stored before escalation: none
        return detector


def default_metric_detector() -> Detector:
    """The best per-metric detector measured on NAB (see the README), for ``{"value": x}``."""
    return MetricDetector()


def expected_range_violation(value: float, expected_range: Sequence[float | None] | None) -> bool:
    """True when ``value`` lies outside a declared ``[low, high]`` range (alerts at once).

    No range, or a ``None`` bound, never fires on that side; NaN is not a violation.
    """
    if not expected_range or math.isnan(value):
        return False
    low, high = [*expected_range, None, None][:2]
    return (low is not None and value < low) or (high is not None and value > high)
