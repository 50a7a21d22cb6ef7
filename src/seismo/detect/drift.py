"""Normal that moves, and changes that creep: two streaming tests beside the fitted models.

* **Recent level** (traffic). A request count swings over a day by a factor; judged
  against the whole training day, a surge at the quiet hour or a drop at the busy one hides
  inside that swing. Here each scope's ``log(1 + request count)`` is compared with its own
  recent level (an exponentially weighted mean of the windows learned lately) and the
  spread of the windows around it, so a step is a large move at any hour while the slow
  daily swing is followed and never alerts. A step must also beat ``TAIL_MARGIN`` times the
  largest recent move the same way (a decaying maximum; rises and falls apart), so bursty
  traffic raises its own bar, and a surge does not raise the bar of the drop after it, and be
  improbable as Poisson chance around the level (a quiet service's empty window is not).
  Bursts last a window; a surge stays: two consecutive windows that both moved the same
  way are judged against the largest recent such pair, which one-window bursts never raise,
  so a step is caught in its second window where bursts hide its first. Traffic comes in
  spells too (a burst of users lasts a few windows), and two correlated windows both far out
  is far likelier than two independent ones: the pair's bar is widened by ``sqrt(1 + r)``
  for the scope's learned lag-1 correlation ``r`` (``Spell``), which keeps the chance of a
  pair past it what it is for independent windows (for a normal pair, within 2 % up to
  r = 0.5; a shop entry learned r = 0.29 and held 2.3x bursts at 3.7-3.9 spreads, paging
  twice an hour under the bar of 3.5 and not under its 4.0).
  Some systems burst for longer: a batch client or a crawler multiplies the traffic for
  several windows, again and again. A run of windows that came back by itself within
  ``BURST_WINDOWS`` is learned as a burst, with a long memory, whether it fired or not:
  each bar, one window, two and longer runs, is also ``TAIL_MARGIN`` times what the bursts
  held over as many windows. So the next burst of a height and length seen before does not
  page, while a change that outlasts every burst is judged by the plain bars once it has
  (``seismo bench surge`` measures both sides).
* **Pooled counts** (errors). A quiet service's faults show in few calls: at six calls a
  window, a 35 % failure rate often gives one or two failures, not enough alone. Each
  scope keeps its last windows' counts, and the error tests are run on this window pooled
  with them (``CountModel.pooled``) while this window's own share is elevated.
* **CUSUM** (latency). A slow degradation stays inside the noise of any single window for
  a long time. Page's CUSUM adds up each window's latency z-score (clipped so that one
  spike counts little) beyond an allowance ``CUSUM_SLACK``, and alerts
  once the sum passes ``CUSUM_ALERT``: a drift of a couple of spreads is caught within a few
  windows of leaving the normal band, while noise keeps the sum near 0. Real latency is
  autocorrelated (load, garbage collection, a slow disk come in spells), and a sum of
  correlated z-scores wanders much further than the same noise drawn afresh each window
  (measured on Student-t(3) noise with an earlier allowance of 1.5 spreads: with lag-1
  correlation 0.5, 1,145 alerting windows in 400,000 where independent draws gave 0; with
  the correction, 13 in 200,000).
  So each series' lag-1 correlation is learned from its quiet windows (``Spell``) and its
  z-scores are shrunk by the square root of the variance inflation ``(1 + r) / (1 - r)``
  before they are summed; and a latency whose ordinary windows reach past the clip (a mix
  of a fast and a slow mode) is measured in units of its training's 99th percentile.
  Each z-score is taken from the series' own recent mean in its own recent spread (both
  learned with the correlation), not in the fitted model's spread: a training spread
  covers every hour the training saw, and a service whose windows now wobble by a tenth
  of it (generated-17's billing, a 3.0 ms median judged by a 2 ms spread) hid a creep
  for 18 windows; a series noisier than its training is judged by its noise.

Pure: a ``Drift`` is updated window by window (``score`` then ``learn``, a flagged window
is not learned) and stored as plain JSON between windows; nothing looked ahead.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from seismo.detect.count_model import POOLED_FEATURES, Evidence
from seismo.detect.evidence import ALERT_Z, AT_ALERT, UNEASY, count_change_tail, tail_score
from seismo.detect.evidence import z_score as z_on_alert_scale
from seismo.detect.explain import Finding, headline_first
from seismo.detect.fingerprint_fleet import FleetModel
from seismo.detect.fingerprint_model import Deviation
from seismo.fingerprint.entry import Fingerprint, Vector

LEVEL_WEIGHT = 0.1
"""Weight of the newest learned window in a recent level (a memory of about 10 windows)."""
FLAGGED_WEIGHT = 0.01
"""Weight of a window whose scope fires: a step that stays becomes the new level over a few
hundred windows (so an alert does not last forever), a short fault hardly moves it."""
LEVEL_WARM = 20
"""Windows a level must have learned before it is used."""
LEVEL_SPREAD_MIN = 0.05
"""Smallest spread of a log count around its level: a 5 % wobble is never news."""
TAIL_DECAY = 0.995
"""Per window, how much of the largest recent move is kept (a half-life of ~140 windows)."""
TAIL_MARGIN = 1.5
"""A step must exceed this many times the largest recent move."""
HELD_Z = 3.5
"""Spreads that alert when two consecutive windows both moved that far the same way: by
chance alone, each is about a 1-in-4,000 event, and both together rarer than one window
past ``ALERT_Z``."""
STEP_Z = 2.0
"""Two consecutive windows both this many spreads out the same way are not learned as the
new normal: a 4x surge of an entry point whose windows wobble by 30 % (the shop, seed 2)
moved 2.9 then 3.8 then 2.5 spreads, each learned at full weight, and the level and its
spread chased the surge until it scored no more; held, it fires on its pair. A daily swing
moves a few hundredths of a spread a window, and a burst lasts one."""
BURST_WINDOWS = 16
"""A run of windows ``STEP_Z`` or more out the same way that ended within this many windows
was a burst (it came back by itself); a longer one is a change, and never learned as one."""
BURST_MEMORY = 20_000
"""Windows over which a learned burst's height halves (five and a half hours of 1-second
windows): a system's bursts are a property of it, kept far longer than its largest recent
move (``TAIL_DECAY``). ``seismo bench surge``, 20,000 windows of bursty traffic: 8 and 14
false alarms with a half-life of 3,600 windows, 3 and 4 with 20,000, the same with 86,400
(at 40 and 300 requests a window; 49 and 98 before bursts were learned)."""
BURST_DECAY = 0.5 ** (1.0 / BURST_MEMORY)
CUSUM_SLACK = 1.0
"""Allowance per window, in spreads: noise below it drains the sum. Half the 2-spread shift
that a thin service's latency creep shows once it has left the normal band: Page's CUSUM
is quickest for a shift of twice its allowance (``seismo bench creep``, 1,000,000 windows
a row: a steady 2-spread step caught in 10 windows, 15 with an allowance of 1.5 and a sum
of 8, at as few false alarms, 0 instead of 1 on independent noise and 14 instead of 18
with lag-1 correlation 0.5)."""
CUSUM_CLIP = 4.0
"""A window adds at most this many spreads (one spike is not a creep)."""
CUSUM_ALERT = 11.0
"""Sum that alerts (0.9): about four windows at the clip, or more at smaller excess."""
CUSUM_CAP = 1.2 * CUSUM_ALERT
"""Largest sum kept: it drains below the alert within about three quiet windows once the
latency is back (at 1.5 times the alert a sum stayed lit after the fault, and an empty
window of a thin callee beside it paged)."""
CREEP_FEATURES = ("latency_p50", "latency_p95", "latency_own")
SPELL_WEIGHT = 0.005
"""Weight of the newest quiet window in a series' mean, variance and lag-1 covariance (a
memory of about 200 windows, so the first windows of a creep barely pass for correlation:
with 0.02 a creep was caught a window later). A series' first windows are averaged
plainly (weight ``1 / n``), so its spread is its own from the start rather than a prior
that takes 600 windows to fade."""
SPELL_WARM = 30
"""Quiet windows learned before a series' correlation is used."""
SPELL_OWN_WARM = round(1 / SPELL_WEIGHT)
"""Quiet windows learned before a latency is measured in its own spread: a full memory.
After 30, a series that had not yet shown its occasional slow windows was judged too
finely (the demo's payments, trained on 10 windows: a median at 103 ms, then 152 and
198 ms, paged as a creep)."""
SPELL_QUIET_Z = 3.0
"""A latency window further out than this many of the series' own spreads is learned as
if it were this far: a slow mode the series visits now and then still widens its spread,
and a creep's windows weigh no more than an ordinary wobble. A window whose sum is past
half the alert is not learned at all: a creep under way must not pass for correlation."""
SPELL_MAX = 0.9
"""Largest lag-1 correlation used (an inflation of about 4.4)."""
SPELL_SD_MIN = 0.25
"""Smallest own spread of a latency series, in the fitted model's spreads: a series that
barely wobbles is judged at most four times as finely as its training's spread, so a move
too small to matter to anyone is no creep."""
POOLED_KEPT = 2
"""Earlier windows whose error counts are pooled with the current one's."""


def cusum_score(total: float) -> float:
    """A CUSUM sum on the alert scale: ``CUSUM_ALERT`` -> 0.9, every further half of it
    halves the distance to 1; below half of it, 0."""
    if total < CUSUM_ALERT / 2:
        return 0.0
    return 1.0 - (1.0 - AT_ALERT) * math.pow(2.0, (CUSUM_ALERT - total) / (CUSUM_ALERT / 2))


def traffic_series(scope: str) -> str:
    """The name under which ``scope``'s traffic correlation is kept in ``Drift.spells``."""
    return f"{scope}/request_count"


def held(z: float, before: float) -> float:
    """How far two consecutive windows both moved the same way (0 when they did not)."""
    return min(abs(z), abs(before)) if z * before > 0 else 0.0


@dataclass
class Level:
    """A recent level of one series, the spread around it, its largest recent move in one
    window and in two consecutive windows (rises and falls apart), and the last window's
    move; the run of windows under way and the bursts it learned."""

    mean: float
    dev: float = 0.0
    learned: int = 1
    tail: float = 0.0
    held_tail: float = 0.0
    last_z: float = 0.0
    fall_tail: float = 0.0
    held_fall_tail: float = 0.0
    run: list[float] = field(default_factory=list)
    """The moves of the windows under way that are ``STEP_Z`` or more out the same way (the
    last ``BURST_WINDOWS + 1`` of them, so a longer run shows as one that long), oldest
    first."""
    bursts: list[float] = field(default_factory=list)
    """``bursts[d - 1]``: the largest move held over ``d`` consecutive windows by a rising
    burst (a run that ended within ``BURST_WINDOWS``), fading over ``BURST_MEMORY``."""
    fall_bursts: list[float] = field(default_factory=list)

    def z(self, value: float, poisson: float) -> float:
        spread = max(1.25 * self.dev, poisson, LEVEL_SPREAD_MIN)
        return (value - self.mean) / spread

    def bar(self, z: float) -> float:
        """The one-window move that alerts now, the way ``z`` went.

        Rises and falls keep their own largest recent move: traffic comes in bursts, up,
        and a burst (or a surge that just ended) says nothing of how far a window may fall.
        With one bar for both, a 4x surge had raised it so far that the 5x drop 30 windows
        after it stayed under it for 4 windows (generated-12 of the scenario bench)."""
        return max(ALERT_Z, TAIL_MARGIN * (self.tail if z >= 0 else self.fall_tail))

    def score(self, z: float, spells: float = 0.0) -> float:
        """The stronger of two verdicts: this window alone, against ``TAIL_MARGIN`` times
        the largest recent one-window move the same way (so bursty traffic raises its own
        bar); and this window with the one before, both the same way, against the largest
        recent such pair (a one-window burst does not raise that bar, a step that stays
        clears it).

        A window that fired still raises the one-window bar, by at most ``TAIL_MARGIN`` at
        a time: bursts that alert once or twice then stop alerting, where a bar that never
        learned them would let every later one alert. The pair bar learns only windows that
        did not fire, so a surge leaves it as it was for the drop that may follow.

        ``spells`` is the series' lag-1 correlation: it widens the pair's floor.

        Each bar is also ``TAIL_MARGIN`` times what the learned bursts held over as many
        windows (``bursts``): a system whose traffic comes in bursts of some height and
        length is not paged by the next one, while a change that stays longer than any
        burst lasted is judged against the plain bars once it has."""
        bursts = self.bursts if z >= 0 else self.fall_bursts
        alone = z_on_alert_scale(z, max(self.bar(z), TAIL_MARGIN * _at(bursts, 1)))
        held_tail = self.held_tail if z >= 0 else self.held_fall_tail
        pair_bar = max(HELD_Z * math.sqrt(1.0 + spells), TAIL_MARGIN * held_tail)
        moves = [abs(z), *(abs(v) for v in reversed(self._same_way(z)))]
        longest = 0.0
        for windows in range(2, len(moves) + 1):
            bar = max(pair_bar, TAIL_MARGIN * _at(bursts, windows))
            longest = max(longest, z_on_alert_scale(min(moves[:windows]), bar))
        return max(alone, longest)

    def _same_way(self, z: float) -> list[float]:
        """The run under way, when ``z`` moved its way (else none)."""
        return self.run if self.run and (self.run[-1] > 0) == (z > 0) else []

    def learn(self, value: float, z: float, flagged: bool = False) -> None:
        """Learn ``value`` (``z`` spreads from the level). A window that fired, that moved
        ``HELD_Z`` or more (it may be a step's first window: the next one tells), or that
        moved ``STEP_Z`` or more the same way as the window before (a step under way), is
        learned at ``FLAGGED_WEIGHT`` and leaves the spread and the pair bar as they were,
        so a step's first windows do not widen the band its next ones are judged by; a lone
        burst still raises the one-window bar of its direction."""
        suspect = flagged or abs(z) >= HELD_Z or held(z, self.last_z) >= STEP_Z
        self._follow_run(z)
        self.mean += (FLAGGED_WEIGHT if suspect else LEVEL_WEIGHT) * (value - self.mean)
        before, self.last_z = self.last_z, z
        move = min(abs(z), self.bar(z)) if flagged else abs(z)
        rise, fall = (move, 0.0) if z >= 0 else (0.0, move)
        self.tail = max(rise, self.tail * TAIL_DECAY)
        self.fall_tail = max(fall, self.fall_tail * TAIL_DECAY)
        if suspect:
            return
        self.dev += LEVEL_WEIGHT * (abs(value - self.mean) - self.dev)
        self.learned += 1
        pair = held(z, before)
        self.held_tail = max(pair if z >= 0 else 0.0, self.held_tail * TAIL_DECAY)
        self.held_fall_tail = max(pair if z < 0 else 0.0, self.held_fall_tail * TAIL_DECAY)

    def _follow_run(self, z: float) -> None:
        """Extend the run under way with ``z``, or end it; a run that ended within
        ``BURST_WINDOWS`` is learned as a burst, whether its windows fired or not (it came
        back by itself), so a system's recurring bursts page once at most."""
        self.bursts = _faded(self.bursts)
        self.fall_bursts = _faded(self.fall_bursts)
        if abs(z) >= STEP_Z and (self._same_way(z) or not self.run):
            self.run = [*self.run, z][-(BURST_WINDOWS + 1) :]
            return
        if 0 < len(self.run) <= BURST_WINDOWS:
            if self.run[-1] > 0:
                self.bursts = _learned_burst(self.bursts, self.run)
            else:
                self.fall_bursts = _learned_burst(self.fall_bursts, self.run)
        self.run = [z] if abs(z) >= STEP_Z else []


def _faded(bursts: list[float]) -> list[float]:
    """``bursts`` a window later, without the longest runs that no longer raise any bar
    (under ``HELD_Z / TAIL_MARGIN``: every bar is at least ``HELD_Z``; a run held over
    more windows is never higher, so the list stays short on a calm series)."""
    faded = [b * BURST_DECAY for b in bursts]
    while faded and faded[-1] < HELD_Z / TAIL_MARGIN:
        faded.pop()
    return faded


def _at(bursts: list[float], windows: int) -> float:
    """What the learned bursts held over ``windows`` windows (0: none lasted as long)."""
    return bursts[windows - 1] if windows <= len(bursts) else 0.0


def _learned_burst(bursts: list[float], run: list[float]) -> list[float]:
    """``bursts`` raised by ``run``: for each length, the largest move it held that long."""
    moves = [abs(v) for v in run]
    held_over = [
        max(min(moves[i : i + windows]) for i in range(len(moves) - windows + 1))
        for windows in range(1, len(moves) + 1)
    ]
    longest = max(len(bursts), len(held_over))
    return [max(_at(bursts, d), _at(held_over, d)) for d in range(1, longest + 1)]


@dataclass
class Spell:
    """One latency series' recent mean, variance and lag-1 covariance of its z-scores, from
    quiet windows, and the last z-score seen."""

    mean: float = 0.0
    var: float = 1.0
    cov: float = 0.0
    learned: int = 0
    last: float = 0.0

    @property
    def correlation(self) -> float:
        """The lag-1 correlation, within [0, ``SPELL_MAX``] (0 while not warm)."""
        if self.learned < SPELL_WARM or self.var <= 0:
            return 0.0
        return min(SPELL_MAX, max(0.0, self.cov / self.var))

    @property
    def inflation(self) -> float:
        """How much wider a sum of this series wanders than one of independent draws, as a
        factor on the z-scores (1 while not warm)."""
        r = self.correlation
        return math.sqrt((1.0 + r) / (1.0 - r))

    def own(self, z: float) -> float:
        """``z`` (in the fitted model's spreads) measured from this series' own recent mean
        in its own recent spread, once that rests on a full memory of windows
        (``SPELL_OWN_WARM``; ``z`` itself before)."""
        if self.learned < SPELL_OWN_WARM:
            return z
        return (z - self.mean) / max(math.sqrt(max(self.var, 0.0)), SPELL_SD_MIN)

    def learn(self, z: float, quiet: bool, clipped: bool = False) -> None:
        """Learn ``z`` when ``quiet``; ``clipped``: as at most ``SPELL_QUIET_Z`` of its own
        spreads from its mean (latency)."""
        before, self.last = self.last, z
        if not quiet:
            return
        if clipped and self.learned >= SPELL_WARM:
            reach = SPELL_QUIET_Z * math.sqrt(max(self.var, 0.0))
            z = min(max(z, self.mean - reach), self.mean + reach)
            before = min(max(before, self.mean - reach), self.mean + reach)
        weight = max(SPELL_WEIGHT, 1.0 / (self.learned + 2))
        self.mean += weight * (z - self.mean)
        self.var += weight * ((z - self.mean) ** 2 - self.var)
        self.cov += weight * ((z - self.mean) * (before - self.mean) - self.cov)
        self.learned += 1

    def to_list(self) -> list[float]:
        return [round(self.mean, 4), round(self.var, 4), round(self.cov, 4), self.learned,
                round(self.last, 3)]  # fmt: skip

    @classmethod
    def from_list(cls, data: list[float]) -> Spell:
        return cls(float(data[0]), float(data[1]), float(data[2]), int(data[3]), float(data[4]))


@dataclass
class Drift:
    """Every scope's recent traffic level and every service's latency CUSUM."""

    levels: dict[str, Level] = field(default_factory=dict)
    cusums: dict[str, float] = field(default_factory=dict)
    earlier: dict[str, list[list[float]]] = field(default_factory=dict)
    """Per scope, the pooled counts (``POOLED_FEATURES``) of the last ``POOLED_KEPT``
    windows, oldest first."""
    spells: dict[str, Spell] = field(default_factory=dict)
    """Per latency series (``service/feature``) and traffic scope (``scope/request_count``),
    its learned correlation."""

    def earlier_rows(self, scope: str) -> list[dict[str, float]]:
        return [dict(zip(POOLED_FEATURES, row, strict=True)) for row in self.earlier.get(scope, [])]

    def keep_counts(self, scope: str, vector: Vector) -> None:
        """Keep this window's counts for the pooled tests of the next ones."""
        if any(name in vector for name in POOLED_FEATURES[1:]):
            row = [round(vector.get(name, 0.0), 5) for name in POOLED_FEATURES]
            self.earlier[scope] = [*self.earlier.get(scope, []), row][-POOLED_KEPT:]

    def traffic(self, scope: str, count: float) -> Evidence | None:
        """Score of ``count`` requests against ``scope``'s recent level, and the move."""
        level = self.levels.get(scope)
        if level is None or level.learned < LEVEL_WARM:
            return None
        value = math.log1p(max(count, 0.0))
        normal = math.expm1(level.mean)
        z = level.z(value, 1.0 / math.sqrt(normal + 1.0))
        spells = self.spells.get(traffic_series(scope), Spell()).correlation
        score = min(level.score(z, spells), tail_score(count_change_tail(count, normal)))
        spread = abs(count - normal) / abs(z) if z else 1.0
        return Evidence(score, Deviation("request_count", normal, spread, count, z))

    def learn_traffic(self, scope: str, count: float, flagged: bool = False) -> None:
        """Learn a window's count (a window whose scope fired, at ``FLAGGED_WEIGHT``)."""
        value = math.log1p(max(count, 0.0))
        level = self.levels.get(scope)
        if level is None:
            self.levels[scope] = Level(value)
            return
        z = level.z(value, 1.0 / math.sqrt(math.expm1(level.mean) + 1.0))
        spell = self.spells.setdefault(traffic_series(scope), Spell(last=level.last_z))
        spell.learn(z, quiet=not flagged and abs(z) < HELD_Z)
        level.learn(value, z, flagged)

    def creep(
        self,
        service: str,
        moved: Mapping[str, Deviation],
        reach: Mapping[str, float] | None = None,
    ) -> Evidence | None:
        """Add this window's latency deviations (their z-scores, in each series' own spread:
        ``Spell.own``) to ``service``'s sums; the score of the largest, with its deviation,
        as evidence held over windows. Every window is added (the reference is the series'
        recent mean, which a window whose sum is past half the alert does not move); a sum
        is capped at ``CUSUM_CAP`` so that it drains within a few windows once
        the latency is back.

        ``reach`` is how far each feature's training windows went one time in a hundred
        (``FingerprintModel.ordinary_reach``). A latency that mixes modes (a service whose
        calls to a slow dependency are one window in seven) reaches far past the clip in
        ordinary windows, and summed those as a creep: generated-12's search, p95 at
        40 ms or 150-500 ms, paged "p95 latency of search rose from 42.3 ms to 232 ms" on a
        few slow windows close together. Its z-scores are measured in units that put its
        99th percentile at the clip (``CUSUM_CLIP``); a series that stays within it is
        unchanged. Once warm, the series' own spread learns the slow mode as well, but these
        units still judge it before, and set how fine its floor (``SPELL_SD_MIN``) is:
        without them generated-19's ledger, a median at 3.5 ms or about 30 ms, paged twice
        in 10 normal minutes.

        A sum that this window did not add to is only ``UNEASY``: it keeps its incident
        open while it drains, but opens none. generated-21's search, whose own latency rose
        while the callee it fails on was down, still held a sum past the alert when that
        incident closed, and paged "own latency of search rose from 8.6 ms to 9.1 ms"."""
        sums, rising, reach = {}, {}, reach or {}
        for name in CREEP_FEATURES:
            if name in moved:
                z = moved[name].deviation / max(1.0, reach.get(name, 0.0) / CUSUM_CLIP)
                key = f"{service}/{name}"
                spell = self.spells.setdefault(key, Spell())
                before = self.cusums.get(key, 0.0)
                own = spell.own(z)
                step = min(own / spell.inflation, CUSUM_CLIP) - CUSUM_SLACK
                sums[name] = min(CUSUM_CAP, max(0.0, before + step))
                rising[name] = step > 0
                self.cusums[key] = sums[name]
                spell.learn(z, sums[name] < CUSUM_ALERT / 2, clipped=True)
        if not sums:
            return None
        name = max(sums, key=lambda n: sums[n])
        score = cusum_score(sums[name])
        if not rising[name]:
            score = min(score, UNEASY)
        return Evidence(score, moved[name], held=True)

    def to_dict(self) -> dict[str, Any]:
        return {
            "levels": {
                k: [
                    round(v.mean, 5),
                    round(v.dev, 5),
                    v.learned,
                    round(v.tail, 3),
                    round(v.held_tail, 3),
                    round(v.last_z, 3),
                    round(v.fall_tail, 3),
                    round(v.held_fall_tail, 3),
                    [round(z, 3) for z in v.run],
                    [round(b, 3) for b in v.bursts],
                    [round(b, 3) for b in v.fall_bursts],
                ]
                for k, v in self.levels.items()
            },
            "cusums": {k: round(v, 3) for k, v in self.cusums.items() if v > 0},
            "earlier": self.earlier,
            "spells": {k: v.to_list() for k, v in self.spells.items()},
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Drift:
        levels = {str(k): _level(v) for k, v in data.get("levels", {}).items()}
        cusums = {str(k): float(v) for k, v in data.get("cusums", {}).items()}
        earlier = {
            str(k): [list(map(float, r)) for r in v] for k, v in data.get("earlier", {}).items()
        }
        spells = {str(k): Spell.from_list(v) for k, v in data.get("spells", {}).items()}
        return cls(levels, cusums, earlier, spells)


def _level(stored: list[Any]) -> Level:
    """A stored level; one stored before falls had their own bars keeps the shared ones,
    and one stored before bursts were learned has none."""
    mean, dev, learned, tail, held_tail, last_z = stored[:6]
    fall_tail, held_fall_tail = stored[6:8] if len(stored) >= 8 else (tail, held_tail)
    run, bursts, fall_bursts = stored[8:11] if len(stored) >= 11 else ([], [], [])
    return Level(
        float(mean), float(dev), int(learned), float(tail), float(held_tail), float(last_z),
        float(fall_tail), float(held_fall_tail), [float(z) for z in run],
        [float(b) for b in bursts], [float(b) for b in fall_bursts],
    )  # fmt: skip


def apply_drift(
    model: FleetModel,
    window: Fingerprint,
    findings: list[Finding],
    drift: Drift,
    threshold: float,
) -> list[Finding]:
    """``findings`` strengthened by the recent-level and CUSUM tests (``drift`` is updated:
    each scope's traffic level learns the window, barely when that scope's finding fires)."""
    by_key = {f.key: f for f in findings}
    scopes: list[tuple[str, str, Vector]] = [("system", "system", window.system)]
    scopes += [("service", s, v) for s, v in sorted(window.services.items()) if s in model.services]
    for scope, target, vector in scopes:
        key = f"{scope}:{target}"
        evidence = _evidence(model, scope, target, vector, drift)
        before = by_key.get(key)
        merged = _merged(before, scope, target, evidence)
        if merged is not None:
            by_key[key] = merged
        if "request_count" in vector:
            flagged = merged is not None and merged.score >= threshold
            drift.learn_traffic(key, vector["request_count"], flagged)
        drift.keep_counts(key, vector)
    return list(by_key.values())


def _evidence(
    model: FleetModel, scope: str, target: str, vector: Vector, drift: Drift
) -> list[Evidence]:
    found = []
    key = f"{scope}:{target}"
    if "request_count" in vector:
        traffic = drift.traffic(key, vector["request_count"])
        if traffic is not None:
            found.append(traffic)
    counts = model.system_counts if scope == "system" else model.counts[target]
    earlier = drift.earlier_rows(key)
    if earlier:
        found += [Evidence(e.score, e.moved, held=True) for e in counts.pooled(vector, earlier)]
    if scope == "service":
        service = model.services[target]
        deviations = service.deviations(vector, CREEP_FEATURES)
        creep = drift.creep(target, deviations, service.ordinary_reach(CREEP_FEATURES))
        if creep is not None:
            found.append(creep)
    return found


def _merged(
    before: Finding | None, scope: str, target: str, evidence: list[Evidence]
) -> Finding | None:
    """``before`` with the evidence that fires leading its explanation (a new finding when
    there was none); None when nothing fires and there was no finding.

    Evidence that does not fire but is ``UNEASY``, stronger than ``before``, leads too:
    the scope is uneasy, which keeps its incident open and confirms a move of it in a
    neighbouring window (a traffic drop's second window, 0.75 where the first fired).

    When ``before`` fired on its own, its features and the evidence's are ranked together
    by what users feel: generated-22's session, at 35 % 5xx while its callers' retries
    doubled its calls, was headed "request count of session rose from 45.4 to 117" (the
    recent-level test fired too), and a caller's 502s, which only an error explains, were
    then named as an origin of their own."""
    ranked = sorted(evidence, key=lambda e: -e.score)
    firing = [e for e in ranked if e.score >= AT_ALERT]
    if not firing and ranked and ranked[0].score >= max(UNEASY, before.score if before else 0.0):
        firing = ranked[:1]
    if not firing:
        return before
    score = max([before.score if before else 0.0, *(e.score for e in evidence)])
    lead = {e.moved.feature for e in firing}
    rest = [d for d in (before.moved if before else ()) if d.feature not in lead]
    moved = headline_first([e.moved for e in firing]) + rest
    if before is not None and before.score >= AT_ALERT:
        moved = headline_first(moved)
    return Finding(scope, target, score, tuple(moved[:4]), held=firing[0].held)
