"""The fingerprint model: what normal windows look like, and how far a new one is from them.

Pure: a list of normal feature dicts in, scores and deviations out; no Redis, no clock.
Two views of one window are combined, each calibrated against the training windows:

* per-feature robust z-scores (median and MAD/IQR of training, with a floor per feature
  kind), each calibrated against its own training tail, for single-feature jumps, and for
  the explanation;
* optionally an Isolation Forest (scikit-learn, fixed ``random_state`` so a refit from the
  same data is identical) on the scaled features, for unusual *combinations*. The system
  vector has one; a service's model does not (``forest=False``): with a thousand services
  the forests were nine tenths of the training time, most of the scoring time and all of
  the stored state, while a service's own faults move one of its features (which the
  z-view and the count tests judge) and a combination across services is the system's.

A model without a forest is stored as its fitted numbers (``state`` / ``from_state``, a
few hundred bytes); one with a forest is refitted from its training rows.

``IsolationForestDetector`` wraps the model in the streaming ``Detector`` contract
(buffer while learning, fit when enough points are seen, refit periodically).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from seismo.detect.base import Detector, Features, register
from seismo.detect.fingerprint_features import scale_floor
from seismo.fingerprint import features
from seismo.fingerprint.features import feature_kind

if TYPE_CHECKING:
    from sklearn.ensemble import IsolationForest

SUPPORTING = features.of_kind(features.LOGS, features.TRAFFIC) | {"business_observations"}
"""Log counts (of any level, of warnings) and counts of business events: evidence that
supports a finding, never one on their own. Services log in bursts (a retry loop, a deploy,
a chatty request), and a log count that rose with nothing users feel is not worth a page;
error logs are errors, and judged as such (``seismo.detect.count_model``). Business events
come with the traffic (a burst of orders is a burst of users), and each KPI's own values
and silence are judged by the per-metric watch (``seismo.detect.metric_watch``). Request
counts and rates are judged as counts too: on a log scale against the training median with
a Poisson guard (``count_model.TrafficTest``) and against their recent level with its
learned bursts (``seismo.detect.drift``). Their distance from the training median in
training spreads is the constant baseline that fires at every peak of a swing the training
did not cover (seen: "request rate of auth rose from 29 to 76", a burst of a generated
system that neither of those tests found unusual, paged)."""
UPWARD_ONLY = frozenset({"distinct_endpoints"})
"""Besides the latencies, features judged only when they rise (``RobustScale.judged``)."""
SERVED = frozenset(
    {
        *features.of_kind(features.LATENCY, features.ERRORS, features.CLIENT_ERRORS),
        "distinct_endpoints",
    }
)
"""Features a window without requests writes as 0 for "not measured": their normal is
learned from the windows that had requests (``RobustScale.fit``)."""
SUPPORT_CAP = 0.85
"""The highest score supporting features alone give: under the alert threshold, over the
level that keeps an incident open, so they extend an incident but never open one."""
Z_CLIP = 50.0
"""Scaled features are clipped here before the forest: a huge value is as isolated as 50."""


@dataclass(frozen=True)
class ModelConfig:
    """The fingerprint model's whole configuration (plain values, stored with the model)."""

    n_estimators: int = 100
    random_state: int = 0
    z_spread_min: float = 1.5
    """Smallest tail spread of each feature's z-score, in z units: a feature that hardly
    moved in training alerts (0.9) from about five spreads."""
    forest_spread_min: float = 0.02
    """Smallest tail spread of the forest view, in ``-score_samples`` units."""


@dataclass(frozen=True)
class Deviation:
    """How far one feature moved: normal value and spread from training, current value."""

    feature: str
    normal: float
    spread: float
    current: float
    deviation: float
    """Robust z-score: (current - normal) / spread."""


@dataclass(frozen=True)
class TailCalibrator:
    """Maps raw scores to [0, 1]: 0 up to the training median, 0.5 at its upper tail.

    ``1 - 2 ** -((raw - median) / spread)``: each further ``spread`` beyond the training
    median halves the distance to 1, so calibrated scores compare across models. Fitted per
    column, so that each feature's z-score is judged against its own training tail (a noisy
    p99 latency needs a larger jump than an error rate that never moved).
    """

    median: NDArray[np.float64]
    spread: NDArray[np.float64]

    def state(self) -> dict[str, list[float]]:
        return {"median": self.median.tolist(), "spread": self.spread.tolist()}

    @classmethod
    def from_state(cls, data: Mapping[str, Sequence[float]]) -> TailCalibrator:
        return cls(np.array(data["median"], dtype=np.float64), np.array(data["spread"]))

    @classmethod
    def fit(cls, raw: NDArray[np.float64], spread_min: float) -> TailCalibrator:
        """Median and upper tail (99th percentile) of each column of the training scores."""
        median = np.asarray(np.median(raw, axis=0), dtype=np.float64)
        tail = np.asarray(np.quantile(raw, 0.99, axis=0), dtype=np.float64)
        return cls(median, np.maximum(spread_min, tail - median))

    def __call__(self, raw: NDArray[np.float64] | float) -> float:
        """The calibrated score of the most extreme column of ``raw``."""
        excess = float(np.max(np.maximum(0.0, (raw - self.median) / self.spread)))
        return 1.0 - math.pow(2.0, -excess)

    def columns(self, raw: NDArray[np.float64]) -> NDArray[np.float64]:
        """The calibrated score of each column of ``raw``."""
        excess = np.maximum(0.0, (raw - self.median) / self.spread)
        scores: NDArray[np.float64] = 1.0 - np.power(2.0, -excess)
        return scores


def _robust(
    matrix: NDArray[np.float64],
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Per column: the median, 1.4826 MAD and IQR / 1.349 (each a normal sigma's estimate)."""
    median = np.median(matrix, axis=0)
    mad = 1.4826 * np.median(np.abs(matrix - median), axis=0)
    q75, q25 = np.quantile(matrix, [0.75, 0.25], axis=0)
    return median, mad, (q75 - q25) / 1.349


@dataclass(frozen=True)
class RobustScale:
    """Per-feature median and spread (1.4826 MAD or IQR / 1.349, floored by kind and, for
    shares of requests, by one request's worth at the median request count).

    A share of requests (an error rate) is also floored per window at one request of *that*
    window: with two requests, one error is 50 %, which says little. A latency quantile's
    spread is widened by ``sqrt(median requests / requests of that window)``: a quantile's
    error shrinks as one over the square root of its sample, so the median of two calls is
    weak evidence and a traffic drop is told by its rate. An idle window's "0 ms" is no
    evidence at all: it is neither learned (``fit``) nor judged (``vector``)."""

    names: tuple[str, ...]
    median: NDArray[np.float64]
    spread: NDArray[np.float64]
    shares: NDArray[np.bool_]
    latencies: NDArray[np.bool_]
    requests_at: int | None
    supporting: NDArray[np.bool_]
    """Features that support a finding but never make one alone (``SUPPORTING``)."""
    upward_only: NDArray[np.bool_]
    """Features whose fall is no fault: the latencies and ``UPWARD_ONLY`` (``judged``)."""

    @classmethod
    def fit(cls, names: Sequence[str], matrix: NDArray[np.float64]) -> RobustScale:
        """Medians and spreads of the training ``matrix``; those of the ``SERVED`` features
        (latencies, shares of requests, distinct endpoints) only from the windows that had
        requests.

        A window without requests writes 0 for them, meaning "not measured": a service
        called in fewer than half its windows would otherwise learn "0 ms" as its normal
        latency, and every request it then served "rose from 0 ms" (a generated system of
        the scenario bench paged so every few seconds on its quiet services)."""
        median, mad, iqr = _robust(matrix)
        at = names.index("request_count") if "request_count" in names else None
        served = matrix if at is None else matrix[matrix[:, at] > 0]
        if len(served) and len(served) < len(matrix):
            measured = _robust(served)
            median, mad, iqr = (
                np.where(np.isin(names, list(SERVED)), m, a)
                for m, a in zip(measured, (median, mad, iqr), strict=True)
            )
        requests = 0.0 if at is None else float(median[at])
        floors = np.array([scale_floor(n, m, requests) for n, m in zip(names, median, strict=True)])
        return cls.of(names, median, np.maximum.reduce([mad, iqr, floors]))

    @classmethod
    def of(
        cls, names: Sequence[str], median: NDArray[np.float64], spread: NDArray[np.float64]
    ) -> RobustScale:
        """The scale with these medians and spreads (the rest follows from the names)."""
        shares = np.array([feature_kind(n).unit == "%" for n in names])
        latencies = np.array([feature_kind(n).unit == "ms" for n in names])
        at = names.index("request_count") if "request_count" in names else None
        supporting = np.array([n in SUPPORTING for n in names])
        upward = latencies | np.array([n in UPWARD_ONLY for n in names])
        return cls(tuple(names), median, spread, shares, latencies, at, supporting, upward)

    def state(self) -> dict[str, Any]:
        return {
            "names": list(self.names),
            "median": self.median.tolist(),
            "spread": self.spread.tolist(),
        }

    @classmethod
    def from_state(cls, data: Mapping[str, Any]) -> RobustScale:
        median, spread = np.array(data["median"], dtype=np.float64), np.array(data["spread"])
        return cls.of(list(data["names"]), median, spread)

    def vector(self, x: Mapping[str, float]) -> NDArray[np.float64]:
        """``x`` in this model's feature order; a missing feature counts as normal, and so do
        the latencies and shares of a window without requests: the window-closing Function
        writes 0 for them (the feature table says so), which means "no data", not "0 ms"."""
        vector = np.array([x.get(n, m) for n, m in zip(self.names, self.median, strict=True)])
        if self.requests_at is not None and vector[self.requests_at] <= 0:
            return np.where(self.latencies | self.shares, self.median, vector)
        return vector

    def spreads(self, matrix: NDArray[np.float64]) -> NDArray[np.float64]:
        """The spread for each row: shares floored at one request of that row, latencies
        widened as that row's requests fall below the median."""
        spread = np.broadcast_to(self.spread, matrix.shape)
        if self.requests_at is None:
            return spread
        requests = np.maximum(matrix[:, self.requests_at], 1.0)[:, np.newaxis]
        shares = np.where(self.shares, np.maximum(spread, 1.0 / requests), spread)
        few = np.sqrt(np.maximum(1.0, self.median[self.requests_at] / requests))
        return np.where(self.latencies, shares * few, shares)

    def z(self, matrix: NDArray[np.float64]) -> NDArray[np.float64]:
        return (matrix - self.median) / self.spreads(matrix)

    def judged(self, z: NDArray[np.float64]) -> NDArray[np.float64]:
        """``z`` as the score sees it: a latency, or a count of distinct endpoints, below
        its normal counts as normal. Users do not suffer from faster answers, and a
        service's latency quantile falls whenever the mix of its endpoints shifts towards
        the cheap ones for a while (a median flips to the faster mode of a mixture: seen as
        "median latency of billing fell from 207 ms to 71 ms" pages on a generated system
        of the scenario bench). Fewer distinct endpoints in a window means the rarely called
        ones were not called (the system's count fell from 14 to 9 in an hour of normal
        traffic, and paged); a service that stops is told by its traffic. A service failing
        fast is told by its errors. The fall stays in the explanation as a moved feature."""
        return np.where(self.upward_only & (z < 0), 0.0, z)


def average_path_length(n: NDArray[np.float64]) -> NDArray[np.float64]:
    """c(n): the mean path length of an unsuccessful search in a binary tree of n points."""
    out = np.zeros_like(n)
    out[n == 2] = 1.0
    big = n > 2
    out[big] = 2.0 * (np.log(n[big] - 1.0) + np.euler_gamma) - 2.0 * (n[big] - 1.0) / n[big]
    return out


class ForestPaths:
    """A fitted forest's anomaly score, ``-score_samples``, read from per-leaf path lengths.

    Same numbers as scikit-learn's ``score_samples`` (a test checks it), but computed from
    arrays prepared once at fit time: one window is scored in well under a millisecond
    instead of tens, which matters with one model per service.
    """

    def __init__(self, forest: IsolationForest) -> None:
        self.trees = [
            (estimator.tree_, features, self._leaf_lengths(estimator.tree_))
            for estimator, features in zip(
                forest.estimators_, forest.estimators_features_, strict=True
            )
        ]
        self.norm = float(average_path_length(np.array([float(forest.max_samples_)]))[0])

    @staticmethod
    def _leaf_lengths(tree: Any) -> NDArray[np.float64]:
        """Per node: its depth plus c(points that reached it) (children follow parents)."""
        depth = np.zeros(tree.node_count)
        for node in range(tree.node_count):
            for child in (tree.children_left[node], tree.children_right[node]):
                if child != -1:
                    depth[child] = depth[node] + 1
        lengths: NDArray[np.float64] = depth + average_path_length(
            tree.n_node_samples.astype(np.float64)
        )
        return lengths

    def raw(self, matrix: NDArray[np.float64]) -> NDArray[np.float64]:
        """``2 ** -(mean path length / c(max_samples))`` per row: higher is more isolated."""
        x = np.asarray(matrix, dtype=np.float32)
        total = sum(
            lengths[tree.apply(np.ascontiguousarray(x[:, features]))]
            for tree, features, lengths in self.trees
        )
        result: NDArray[np.float64] = np.power(2.0, -(total / len(self.trees)) / self.norm)
        return result


@dataclass(frozen=True)
class WindowScore:
    """A scored window: the calibrated score in [0, 1] and every feature's deviation."""

    score: float
    deviations: tuple[Deviation, ...]

    def moved(self, limit: int = 3, min_abs_z: float = 3.0) -> list[Deviation]:
        """The features that moved most (at least one, even when none passed ``min_abs_z``)."""
        ranked = sorted(self.deviations, key=lambda d: abs(d.deviation), reverse=True)
        strong = [d for d in ranked[:limit] if abs(d.deviation) >= min_abs_z]
        return strong or ranked[:1]


class FingerprintModel:
    """Learned normal of one feature vector (the system's or one service's)."""

    def __init__(
        self, rows: Sequence[Mapping[str, float]], config: ModelConfig, forest: bool = True
    ) -> None:
        """Fit on ``rows`` (normal windows); the features are those every row carries."""
        if len(rows) < 2:
            raise ValueError("a fingerprint model needs at least two training windows")
        self.config = config
        names = [n for n in rows[0] if all(n in row for row in rows)]
        if not names:
            raise ValueError("the training windows share no feature")
        self.scale = RobustScale.fit(names, np.array([[r[n] for n in names] for r in rows]))
        z = self.scale.z(np.array([self.scale.vector(r) for r in rows]))
        self.z_calibration = TailCalibrator.fit(np.abs(z), config.z_spread_min)
        self.forest: ForestPaths | None = None
        if forest:
            from sklearn.ensemble import IsolationForest  # loaded by the first fit, not import

            fitted = IsolationForest(
                n_estimators=config.n_estimators, random_state=config.random_state
            ).fit(_clipped(z))
            self.forest = ForestPaths(fitted)
            self.forest_calibration = TailCalibrator.fit(
                self.forest.raw(_clipped(z)), config.forest_spread_min
            )

    def state(self) -> dict[str, Any]:
        """The fitted numbers of a model without a forest (a forest is refitted instead)."""
        if self.forest is not None:
            raise ValueError("a model with a forest is stored as its training rows")
        return {"scale": self.scale.state(), "z_calibration": self.z_calibration.state()}

    @classmethod
    def from_state(cls, data: Mapping[str, Any], config: ModelConfig) -> FingerprintModel:
        """The model ``state`` describes, as fitted (no refit)."""
        model = cls.__new__(cls)
        model.config = config
        model.scale = RobustScale.from_state(data["scale"])
        model.z_calibration = TailCalibrator.from_state(data["z_calibration"])
        model.forest = None
        return model

    @property
    def names(self) -> tuple[str, ...]:
        return self.scale.names

    def normal(self, name: str) -> float:
        """The training median of feature ``name`` (0 for a feature this model lacks)."""
        return float(self.scale.median[self.names.index(name)]) if name in self.names else 0.0

    def deviations(self, x: Mapping[str, float], names: Sequence[str]) -> dict[str, Deviation]:
        """The deviations of the features ``names`` this model has (cheap: no forest)."""
        current = self.scale.vector(x)[np.newaxis, :]
        spread = self.scale.spreads(current)[0]
        out = {}
        for name in names:
            if name in self.names:
                i = self.names.index(name)
                m, s, c = float(self.scale.median[i]), float(spread[i]), float(current[0][i])
                out[name] = Deviation(name, m, s, c, (c - m) / s)
        return out

    def ordinary_reach(self, names: Sequence[str]) -> dict[str, float]:
        """How far, in robust z, the training windows of each of ``names`` reached one time
        in a hundred (the 99th percentile of their absolute z-scores)."""
        tail = self.z_calibration.median + self.z_calibration.spread
        return {n: float(tail[self.names.index(n)]) for n in names if n in self.names}

    def score(self, x: Mapping[str, float]) -> WindowScore:
        """Calibrated score (the larger of the views) and per-feature deviations."""
        current = self.scale.vector(x)[np.newaxis, :]
        spread = self.scale.spreads(current)[0]
        z = (current[0] - self.scale.median) / spread
        judged = self.scale.judged(z)
        jumps = self.z_calibration.columns(np.abs(judged))
        jump = float(np.max(np.where(self.scale.supporting, 0.0, jumps)))
        jump = max(jump, min(SUPPORT_CAP, float(np.max(jumps))))
        forest = 0.0
        if self.forest is not None:
            raw = float(self.forest.raw(_clipped(judged[np.newaxis, :]))[0])
            forest = self.forest_calibration(raw)
        columns = (self.scale.median.tolist(), spread.tolist(), current[0].tolist(), z.tolist())
        deviations = tuple(map(Deviation, self.names, *columns))
        return WindowScore(max(forest, jump), deviations)


def _clipped(z: NDArray[np.float64]) -> NDArray[np.float64]:
    return np.clip(z, -Z_CLIP, Z_CLIP)


def model_config_from_dict(data: Mapping[str, Any]) -> ModelConfig:
    """A ``ModelConfig`` from stored data, ignoring keys a newer version may have added."""
    known = ModelConfig.__dataclass_fields__
    return ModelConfig(**{k: v for k, v in data.items() if k in known})


@register
class IsolationForestDetector(Detector):
    """The fingerprint model as a streaming detector: buffer, fit, score, refit periodically.

    Learns nothing until ``min_train`` points are buffered, then scores against a model
    fitted on the last ``window`` learned points, refitted every ``refit_every`` points.
    A point scoring at least ``threshold`` against a fitted model is flagged and not
    buffered, so it never joins the training data. Stored as its configuration and those
    points (never pickle); ``from_dict`` refits.
    """

    name = "isolation_forest"

    def __init__(
        self,
        min_train: int = 30,
        window: int = 256,
        refit_every: int = 64,
        config: ModelConfig | Mapping[str, Any] | None = None,
        threshold: float = 0.9,
    ) -> None:
        self.min_train = min_train
        self.window = window
        self.refit_every = refit_every
        self.config = (
            config if isinstance(config, ModelConfig) else model_config_from_dict(config or {})
        )
        self._threshold = threshold
        self.fitted_on: list[dict[str, float]] = []
        self.pending: list[dict[str, float]] = []
        self.model: FingerprintModel | None = None

    @property
    def threshold(self) -> float:
        return self._threshold

    @property
    def params(self) -> dict[str, Any]:
        return {
            "min_train": self.min_train,
            "window": self.window,
            "refit_every": self.refit_every,
            "config": asdict(self.config),
            "threshold": self._threshold,
        }

    def _learn(self, x: Features) -> None:
        if self.model is not None and self._score(x) >= self._threshold:
            return
        self.pending.append(dict(x))
        due = self.refit_every if self.model else self.min_train - len(self.fitted_on)
        if len(self.pending) >= due:
            self.fitted_on = (self.fitted_on + self.pending)[-self.window :]
            self.pending = []
            self._fit()

    def _fit(self) -> None:
        self.model = FingerprintModel(self.fitted_on, self.config) if self.fitted_on else None

    def _score(self, x: Features) -> float:
        if self.model is None:
            return 0.0
        return self.model.score(x).score

    def _state(self) -> dict[str, Any]:
        return {"fitted_on": self.fitted_on, "pending": self.pending}

    def _restore(self, state: Mapping[str, Any]) -> None:
        self.fitted_on = [dict(p) for p in state["fitted_on"]]
        self.pending = [dict(p) for p in state["pending"]]
        self._fit()

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> IsolationForestDetector:
        """Rebuild from ``to_dict``, also from the earlier flat layout kept in Redis."""
        if "params" not in data:
            names = ("min_train", "window", "refit_every", "config")
            state = ("fitted_on", "pending")
            data = {
                "params": {n: data[n] for n in names},
                "state": {n: data[n] for n in state},
            }
        return super().from_dict(data)
