"""Counts judged as counts: errors given requests, error logs, request counts on a log scale.

The fingerprint model compares each feature with its training spread, which suits features
measured on plenty of data. A quiet service's error rate is not: 2 errors of 4 requests is
50 %. Here the errors of a window are tested against the learned normal error rate given
the window's requests (``binomial_tail``), so a 40 % 5xx rate over six calls is strong
evidence when the service hardly ever fails, and one error of two calls is not. Error logs
are counted against their learned mean per window (a Poisson tail).

Request counts swing over a day by a factor, not by an amount: they are judged on a log
scale, ``log(1 + count)``, against the training median and spread there, so a fall from 30
to 1 is a large move even against a +-35 % daily swing, and a doubling at the quiet hour is
as visible as at the busy one. The move must also be improbable as Poisson chance around
the normal count, so a service with about six calls a window does not alert on an empty
window (a 1-in-400 event): its silence takes a few windows to be sure of.

Each test is also calibrated against its own training windows (the strongest evidence seen
there, with a margin), so bursty errors or traffic that the training showed raise the bar
for this scope instead of paging. Pure: rows of features in, scores and deviations out.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any

import numpy as np

from seismo.detect.evidence import (
    ALERT_P,
    ALERT_Z,
    AT_ALERT,
    binomial_tail,
    count_change_tail,
    empty_is_unlikely,
    poisson_tail,
    smoothed_rate,
    tail_score,
)
from seismo.detect.evidence import z_score as z_on_alert_scale
from seismo.detect.fingerprint_features import scale_floor
from seismo.detect.fingerprint_model import Deviation

ERROR_FEATURES = ("error_rate_5xx", "error_rate_4xx")
LOG_ERRORS = "log_errors"
REQUESTS = "request_count"
RATE = "request_rate"
ERROR_PRIOR = 0.001
"""Error share assumed before any request is seen."""
ERROR_PRIOR_WEIGHT = 100.0
"""That prior counts as this many requests."""
TRAIN_P_MARGIN = 1e-3
"""A window must be this much less likely than the least likely training window."""
TRAIN_Z_MARGIN = 1.5
"""A log-scale move must be this many times the largest seen in training."""
POOLED_FEATURES = (REQUESTS, *ERROR_FEATURES, LOG_ERRORS)
"""What a window keeps for the pooled tests of the windows after it."""
LOG_SPREAD_MIN = 0.05
"""The smallest spread of ``log(1 + count)``: a 5 % wobble is never news."""


@dataclass(frozen=True)
class Evidence:
    """One test on one window: its score on the alert scale, what moved, and whether the
    test pooled this window with the ones before it (``Finding.held``)."""

    score: float
    moved: Deviation
    held: bool = False


@dataclass(frozen=True)
class ErrorTest:
    """Errors of one kind given requests, against the learned normal share."""

    feature: str
    rate: float
    alert_p: float
    dispersion: float = 1.0
    """How clustered the errors came in training (``dispersion``): errors are counted in
    groups of about this many, and judged as that many times fewer independent ones."""

    @classmethod
    def fit(cls, feature: str, rows: Sequence[Mapping[str, float]]) -> ErrorTest:
        requests = sum(r.get(REQUESTS, 0.0) for r in rows)
        counts = [r.get(feature, 0.0) * r.get(REQUESTS, 0.0) for r in rows]
        rate = smoothed_rate(sum(counts), requests, ERROR_PRIOR, ERROR_PRIOR_WEIGHT)
        test = cls(feature, rate, ALERT_P, dispersion(counts))
        tails = [test.tail(r.get(feature, 0.0), r.get(REQUESTS, 0.0)) for r in rows]
        return replace(test, alert_p=min([ALERT_P, *(p * TRAIN_P_MARGIN for p in tails)]))

    def tail(self, share: float, requests: float) -> float:
        """How likely this share of errors or more is, as ``requests / dispersion``
        independent calls."""
        per = self.dispersion
        return binomial_tail(share * requests / per, requests / per, self.rate)

    def evidence(self, x: Mapping[str, float]) -> Evidence | None:
        share, requests = x.get(self.feature), x.get(REQUESTS, 0.0)
        if share is None or requests <= 0:
            return None
        return self._judged(share, requests)

    def pooled(
        self, x: Mapping[str, float], earlier: Sequence[Mapping[str, float]]
    ) -> Evidence | None:
        """This window's errors with those of the windows just before it, newest first
        added, each span judged as one sample (the tails multiplied by the number of spans
        tried): six calls a window at a 35 % failure rate often show one or two failures,
        twelve calls show four. Only while this window's share is itself elevated, so the
        evidence ends with the errors, and only when this window alone does not fire."""
        share, requests = x.get(self.feature), x.get(REQUESTS, 0.0)
        if share is None or requests <= 0 or share < 2 * self.rate or share * requests < 0.5:
            return None
        if self._judged(share, requests).score >= AT_ALERT:
            return None
        errors, total, best = share * requests, requests, None
        for row in reversed(earlier):
            errors += row.get(self.feature, 0.0) * row.get(REQUESTS, 0.0)
            total += row.get(REQUESTS, 0.0)
            judged = self._judged(errors / total, total, len(earlier))
            best = judged if best is None or judged.score > best.score else best
        return best

    def _judged(self, share: float, requests: float, looks: int = 1) -> Evidence:
        tail = self.tail(share, requests) * looks
        score = tail_score(tail, self.alert_p)
        if share - self.rate < scale_floor(self.feature, self.rate) or share < 2 * self.rate:
            score = min(score, 0.5)
        spread = math.sqrt(self.rate * (1.0 - self.rate) / requests)
        return Evidence(
            score, Deviation(self.feature, self.rate, spread, share, (share - self.rate) / spread)
        )


@dataclass(frozen=True)
class LogErrorTest:
    """Error logs of a window against the learned mean per window (Poisson tail)."""

    mean: float
    alert_p: float
    dispersion: float = 1.0
    """As ``ErrorTest.dispersion``: one failure is logged by every service it passes."""

    @classmethod
    def fit(cls, rows: Sequence[Mapping[str, float]]) -> LogErrorTest:
        counts = [r.get(LOG_ERRORS, 0.0) for r in rows]
        mean = (sum(counts) + 1.0) / (len(counts) + 1.0)
        test = cls(mean, ALERT_P, dispersion(counts))
        tails = [test.tail(c) for c in counts]
        return replace(test, alert_p=min([ALERT_P, *(p * TRAIN_P_MARGIN for p in tails)]))

    def tail(self, count: float, windows: int = 1) -> float:
        """How likely ``count`` error logs or more are over ``windows`` windows."""
        per = self.dispersion
        return poisson_tail(count / per, self.mean * windows / per)

    def evidence(self, x: Mapping[str, float]) -> Evidence | None:
        count = x.get(LOG_ERRORS)
        if count is None:
            return None
        return self._judged(count)

    def pooled(
        self, x: Mapping[str, float], earlier: Sequence[Mapping[str, float]]
    ) -> Evidence | None:
        """Error logs of this window and the ones just before it, as ``ErrorTest.pooled``
        (reported as a mean per window); only while this window has more than its mean."""
        count = x.get(LOG_ERRORS)
        if count is None or count <= self.mean or self._judged(count).score >= AT_ALERT:
            return None
        total, best = count, None
        for spans, row in enumerate(reversed(earlier), start=2):
            total += row.get(LOG_ERRORS, 0.0)
            judged = self._judged(total / spans, spans, len(earlier))
            best = judged if best is None or judged.score > best.score else best
        return best

    def _judged(self, per_window: float, windows: int = 1, looks: int = 1) -> Evidence:
        tail = self.tail(per_window * windows, windows) * looks
        score = tail_score(tail, self.alert_p)
        spread = math.sqrt(self.mean / windows)
        z = (per_window - self.mean) / spread
        return Evidence(score, Deviation(LOG_ERRORS, self.mean, spread, per_window, z))


@dataclass(frozen=True)
class TrafficTest:
    """The request count on a log scale, against the training median and spread there."""

    median: float
    spread: float
    alert_z: float
    rate_per_request: float
    """``request_rate / request_count`` (one over the window length), for the explanation."""
    empty_share: float = 0.0
    """Share of the training windows without a request (Laplace-smoothed)."""
    empty_run: int = 0
    """The longest run of consecutive empty windows in training."""

    @classmethod
    def fit(cls, rows: Sequence[Mapping[str, float]]) -> TrafficTest:
        counts = np.array([r.get(REQUESTS, 0.0) for r in rows])
        logs = np.log1p(counts)
        median = float(np.median(logs))
        mad = 1.4826 * float(np.median(np.abs(logs - median)))
        q75, q25 = np.quantile(logs, [0.75, 0.25])
        poisson = 1.0 / math.sqrt(float(np.median(counts)) + 1.0)
        spread = max(mad, float(q75 - q25) / 1.349, poisson, LOG_SPREAD_MIN)
        largest = float(np.max(np.abs(logs - median))) / spread if len(rows) else 0.0
        per = [r[RATE] / r[REQUESTS] for r in rows if r.get(REQUESTS, 0.0) > 0 and RATE in r]
        empty = [count <= 0 for count in counts]
        return cls(
            median,
            spread,
            max(ALERT_Z, TRAIN_Z_MARGIN * largest),
            float(np.median(per or [1.0])),
            (sum(empty) + 1.0) / (len(empty) + 2.0),
            longest_run(empty),
        )

    @property
    def normal_count(self) -> float:
        return math.expm1(self.median)

    def silent(self, x: Mapping[str, float]) -> bool:
        """No request in a window where chance alone would rarely leave it empty."""
        return x.get(REQUESTS, 1.0) <= 0 and empty_is_unlikely(self.normal_count)

    def silent_run(
        self, x: Mapping[str, float], earlier: Sequence[Mapping[str, float]]
    ) -> Evidence | None:
        """A run of empty windows ending with ``x``, longer than any in training, judged as
        one sample: each empty window alone may be chance (about five calls a window leave
        one empty in 150), three in a row where five were due each time are not. The run's
        chance is the larger of the Poisson one and the training's share of empty windows
        to the power of its length."""
        if x.get(REQUESTS, 1.0) > 0:
            return None
        run = 1
        for row in reversed(earlier):
            if row.get(REQUESTS, 1.0) > 0:
                break
            run += 1
        judged = self.evidence(x)
        if run < 2 or run <= self.empty_run or judged is None:
            return None
        tail = max(math.exp(-self.normal_count * run), self.empty_share**run)
        return Evidence(max(judged.score, tail_score(tail)), judged.moved)

    def evidence(self, x: Mapping[str, float]) -> Evidence | None:
        count = x.get(REQUESTS)
        if count is None:
            return None
        z = (math.log1p(max(count, 0.0)) - self.median) / self.spread
        chance = tail_score(count_change_tail(count, self.normal_count))
        score = min(z_on_alert_scale(z, self.alert_z), chance)
        feature = RATE if RATE in x else REQUESTS
        scale = self.rate_per_request if feature == RATE else 1.0
        normal = self.normal_count * scale
        current = x[feature]
        spread = max(abs(current - normal) / abs(z), 1e-9) if z else self.spread * normal
        return Evidence(score, Deviation(feature, normal, spread, current, z))


class CountModel:
    """The count tests of one scope (the system's or one service's), fitted on training."""

    def __init__(self, rows: Sequence[Mapping[str, float]]) -> None:
        names = set(rows[0]) if rows else set()
        self.errors = [ErrorTest.fit(f, rows) for f in ERROR_FEATURES if f in names]
        self.logs = LogErrorTest.fit(rows) if LOG_ERRORS in names else None
        self.traffic = TrafficTest.fit(rows) if REQUESTS in names else None

    def state(self) -> dict[str, Any]:
        """The fitted tests as plain numbers (a few per test)."""
        return {
            "errors": [asdict(test) for test in self.errors],
            "logs": asdict(self.logs) if self.logs else None,
            "traffic": asdict(self.traffic) if self.traffic else None,
        }

    @classmethod
    def from_state(cls, data: Mapping[str, Any]) -> CountModel:
        """The model ``state`` describes, as fitted."""
        model = cls.__new__(cls)
        model.errors = [ErrorTest(**test) for test in data["errors"]]
        model.logs = LogErrorTest(**data["logs"]) if data["logs"] else None
        model.traffic = TrafficTest(**data["traffic"]) if data["traffic"] else None
        return model

    def pooled(
        self, x: Mapping[str, float], earlier: Sequence[Mapping[str, float]]
    ) -> list[Evidence]:
        """The error and error-log tests on ``x`` pooled with the ``earlier`` windows, and
        a run of empty windows (``TrafficTest.silent_run``)."""
        tests: list[ErrorTest | LogErrorTest] = [*self.errors]
        if self.logs is not None:
            tests.append(self.logs)
        found = [e for e in (t.pooled(x, earlier) for t in tests) if e is not None]
        silence = self.traffic.silent_run(x, earlier) if self.traffic is not None else None
        if silence is not None:
            found.append(silence)
        return sorted(found, key=lambda e: e.score, reverse=True)

    def evidence(self, x: Mapping[str, float]) -> list[Evidence]:
        """Every test's evidence on ``x``, strongest first."""
        tests: list[ErrorTest | LogErrorTest | TrafficTest] = [*self.errors]
        for test in (self.logs, self.traffic):
            if test is not None:
                tests.append(test)
        found = [e for e in (t.evidence(x) for t in tests) if e is not None]
        return sorted(found, key=lambda e: e.score, reverse=True)


def longest_run(flags: Sequence[bool]) -> int:
    """The length of the longest run of consecutive true ``flags``."""
    longest = current = 0
    for flag in flags:
        current = current + 1 if flag else 0
        longest = max(longest, current)
    return longest


def dispersion(counts: Sequence[float]) -> float:
    """How many events come together, from training counts: ``sum(c^2) / sum(c)`` less the
    mean (about 1 for independent rare events; about 3 when each failure is counted by the
    three services of its call chain, or logged three times). At least 1.

    Rare events that come in clusters of ``k`` make a Poisson or binomial test ``k`` times
    overconfident: one failed call through web, the gateway and a service is three 5xx in
    the system's count. Judging the counts divided by their clustering (a quasi-likelihood
    test) keeps a chain's one failure from looking like three."""
    total = sum(counts)
    if total <= 0:
        return 1.0
    return max(1.0, sum(c * c for c in counts) / total - total / len(counts))
