"""Evidence sized to the data: how surprising a count or a mean is, given how much was seen.

A rate over a handful of events is noisy: 2 errors in 4 requests is 50 %, and says little;
40 errors in 100 says a lot. So counts are judged as counts (a binomial test of errors given
requests against the learned normal rate, a Poisson test of events against the learned
mean) and a mean of ``n`` observations by its standard error (``sigma / sqrt(n)``). Each
test gives a tail probability, mapped onto the alert scale: ``alert_p`` (or ``alert_z``)
becomes 0.9, the alert threshold's default, and every further factor of a million (or
every further z unit) halves the distance to 1.

Pure functions of numbers; no state. The tails are SciPy's (incomplete beta and gamma
functions): exact to the last digits far into the tail, and a few microseconds a call,
which matters with a thousand services a window.
"""

from __future__ import annotations

import math

from scipy.special import bdtrc, pdtr, pdtrc

AT_ALERT = 0.9
"""The score a test at its alerting tail probability gets."""
UNEASY = 0.6
"""A score that does not alert but keeps its scope's incident open, and confirms a move
of the same scope that waits for a second window (``alert.decide``)."""
ALERT_P = 1e-6
"""Tail probability that alerts for a per-window, per-service test: with tens of services
and thousands of windows an hour, a rarer event than one in a million is news."""
ALERT_Z = 5.0
"""Standard errors that alert for a mean or a log-scale rate."""
GROSS_MARGIN = 1e-3
"""A gross move is this many times less likely than its test's alert p: far enough past the
alert that it needs no second look (a second window, or the open window's close)."""
SHORTFALL_CAP = 64.0
"""A z this many units below its bar already scores 0; the cap keeps ``2 ** shortfall``
finite when a bar learned from a near-constant series is astronomically high."""


def binomial_tail(events: float, trials: float, rate: float) -> float:
    """P(X >= events) for X ~ Binomial(trials, rate): ``events`` or more of ``trials``."""
    k, n = round(events), round(trials)
    if k <= 0:
        return 1.0
    if k > n:
        return 0.0
    return float(bdtrc(k - 1, n, min(max(rate, 1e-12), 1.0 - 1e-12)))


def poisson_tail(events: float, mean: float) -> float:
    """P(X >= events) for X ~ Poisson(mean)."""
    k = round(events)
    return 1.0 if k <= 0 else float(pdtrc(k - 1, max(mean, 1e-12)))


def poisson_below(events: float, mean: float) -> float:
    """P(X <= events) for X ~ Poisson(mean)."""
    k = round(events)
    return 0.0 if k < 0 else float(pdtr(k, max(mean, 1e-12)))


def count_change_tail(count: float, normal: float) -> float:
    """How likely a count this far from ``normal`` is by Poisson chance alone (the tail on
    its side): a quiet service's empty window is not yet silence, a busy one's is."""
    return poisson_tail(count, normal) if count > normal else poisson_below(count, normal)


SILENCE_P = 0.05
"""An empty window is silence when chance alone empties one this rarely or less (a normal
count of three or more): beside a caller that fails on its calls, that is the news."""


def empty_is_unlikely(expected: float) -> bool:
    """Whether no event at all, where ``expected`` were due, is unlikely enough to be
    silence rather than a quiet moment."""
    return poisson_below(0, expected) <= SILENCE_P


def tail_score(p_value: float, alert_p: float = ALERT_P) -> float:
    """A tail probability on the alert scale: ``alert_p`` -> 0.9, ``alert_p / 1e6`` -> 0.99,
    ``alert_p * 1e6`` and likelier -> 0."""
    if p_value <= 0.0:
        return 1.0
    ratio = p_value / alert_p
    return min(1.0, max(0.0, 1.0 - (1.0 - AT_ALERT) * math.pow(ratio, 1.0 / 6.0)))


GROSS_SCORE = tail_score(ALERT_P * GROSS_MARGIN)
"""A gross move's score on the alert scale (about 0.968)."""


def score_tail(score: float, alert_p: float = ALERT_P) -> float:
    """The tail probability a score on the alert scale stands for (``tail_score`` undone)."""
    if score >= 1.0:
        return 0.0
    return alert_p * math.pow(max(1.0 - score, 0.0) / (1.0 - AT_ALERT), 6.0)


def agreeing_score(a: float, b: float) -> float:
    """Two independent tests that point at one fault, as one score: their tails combined
    by Fisher's method (for two, ``x (1 - ln x)`` with ``x`` their product). Combining
    never credits agreement for free: a weak second test leaves the first one's score
    nearly unchanged, or lowers it."""
    product = score_tail(a) * score_tail(b)
    if product <= 0.0:
        return 1.0
    return tail_score(min(1.0, product * (1.0 - math.log(product))))


def z_score(z: float, alert_z: float = ALERT_Z) -> float:
    """A z-score (in standard errors) on the alert scale: ``alert_z`` -> 0.9, each further
    unit halves the distance to 1; 3.3 units below ``alert_z`` and less -> 0."""
    if not math.isfinite(z):
        return 1.0
    shortfall = min(alert_z - abs(z), SHORTFALL_CAP)
    return min(1.0, max(0.0, 1.0 - (1.0 - AT_ALERT) * math.pow(2.0, shortfall)))


def smoothed_rate(events: float, trials: float, prior: float, weight: float) -> float:
    """``events / trials`` pulled towards ``prior`` as if ``weight`` trials had shown it."""
    return (events + prior * weight) / (trials + weight)
