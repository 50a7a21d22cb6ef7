"""One fingerprint model for the system vector and one per service, fitted together.

A service gets its own model once it appears in ``min_service_windows`` training windows,
so a service that shows up later is modelled at the next retraining. The fleet is stored
compactly (``to_dict`` / ``from_dict``): each service as its fitted numbers (about 1 KB),
the system as its training vectors, from which its forest is refitted (fixed seeds: the
same data gives the same model).

A pair of services never seen before is a signal of its own (SPEC): the fleet learns how
often new pairs appear once start-up is over, and when the steady training windows had
none, a window with a new pair is named after the service that got it, also a service that
has no model yet (a new callee was, by definition, never seen in training).

Beside each model, the scope's counts are judged as counts (``CountModel``: errors given
requests, request counts on a log scale); a window's finding takes the stronger verdict,
and evidence that fires leads its explanation (most user-visible kind first), ahead of
the model's view: a traffic drop's few requests can give any latency, the drop is the news.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from seismo.detect.count_model import RATE, REQUESTS, CountModel, Evidence
from seismo.detect.evidence import AT_ALERT
from seismo.detect.explain import Finding, finding, headline_first
from seismo.detect.fingerprint_features import scale_floor
from seismo.detect.fingerprint_model import (
    Deviation,
    FingerprintModel,
    ModelConfig,
    model_config_from_dict,
)
from seismo.fingerprint.entry import Fingerprint
from seismo.fingerprint.features import NEW_PAIRS


@dataclass(frozen=True)
class FleetConfig:
    """Configuration of the system and per-service models."""

    model: ModelConfig = field(default_factory=ModelConfig)
    min_service_windows: int = 10

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FleetConfig:
        return cls(model_config_from_dict(data["model"]), int(data["min_service_windows"]))


class FleetModel:
    """The system model plus a model per sufficiently seen service.

    Plainly outside the detector registry: it is not a single-stream ``learn_one`` /
    ``score_one`` detector. It is fitted in one go on a batch of windows, each with a system
    vector and a vector per service, and is immutable once fitted (the detector loop
    retrains it on the windows that were not flagged, so a flagged window is never learned);
    it answers a window with several findings (the system and each service), not one score;
    and it is shared by every detector process, stored as its configuration and training
    windows (``seismo.detect.model_store``), not as ``{"name", "params", "state"}``.
    ``IsolationForestDetector`` is the same fingerprint model as a registered streaming
    detector, for one stream.
    """

    def __init__(self, windows: Sequence[Fingerprint], config: FleetConfig) -> None:
        """Fit the system's and every sufficiently seen service's models on ``windows``."""
        rows: dict[str, list[dict[str, float]]] = {}
        for window in windows:
            for service, vector in window.services.items():
                rows.setdefault(service, []).append(vector)
        starts = [w.window_start for w in windows]
        self._fit_system(config, starts, [w.system for w in windows], novelty_score(windows))
        self.services = {
            service: FingerprintModel(vectors, config.model, forest=False)
            for service, vectors in sorted(rows.items())
            if len(vectors) >= max(2, config.min_service_windows)
        }
        self.counts = {service: CountModel(rows[service]) for service in self.services}

    def _fit_system(
        self, config: FleetConfig, starts: list[int], rows: list[dict[str, float]], novelty: float
    ) -> None:
        self.config = config
        self.trained_on = starts
        """The start of every training window, oldest first."""
        self.system_rows = rows
        self.system = FingerprintModel(rows, config.model)
        self.system_counts = CountModel(rows)
        self.new_pair_score = novelty

    def to_dict(self) -> dict[str, Any]:
        """The stored form: configuration, system training vectors, each service's state."""
        return {
            "config": self.config.to_dict(),
            "trained_on": self.trained_on,
            "new_pair_score": self.new_pair_score,
            "system_rows": self.system_rows,
            "services": {
                service: {"model": model.state(), "counts": self.counts[service].state()}
                for service, model in self.services.items()
            },
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FleetModel:
        """The fleet ``to_dict`` describes: services as stored, the system refitted."""
        fleet = cls.__new__(cls)
        config = FleetConfig.from_dict(data["config"])
        rows = [dict(row) for row in data["system_rows"]]
        starts = [int(start) for start in data["trained_on"]]
        fleet._fit_system(config, starts, rows, float(data["new_pair_score"]))
        stored = data["services"]
        fleet.services = {
            s: FingerprintModel.from_state(v["model"], config.model) for s, v in stored.items()
        }
        fleet.counts = {s: CountModel.from_state(v["counts"]) for s, v in stored.items()}
        return fleet

    def findings(self, window: Fingerprint) -> list[Finding]:
        """The system's finding, then one per service present in ``window`` that has a model
        or got a new pair (the stronger of the two when both)."""
        found = [self._judged("system", "system", window.system)]
        for service, vector in window.services.items():
            model = self.services.get(service)
            scored = [self._judged("service", service, vector)] if model else []
            if vector.get(NEW_PAIRS, 0.0) > 0 and self.new_pair_score > 0:
                scored.append(self._new_pairs(service, vector[NEW_PAIRS], model))
            if scored:
                found.append(max(scored, key=lambda f: f.score))
        return found

    def _judged(self, scope: str, target: str, vector: Mapping[str, float]) -> Finding:
        """The model's finding, strengthened by the scope's count evidence where it fires."""
        model = self.system if scope == "system" else self.services[target]
        counts = self.system_counts if scope == "system" else self.counts[target]
        modelled = finding(scope, target, model.score(vector))
        evidence = counts.evidence(vector)
        firing = [e.moved for e in evidence if e.score >= AT_ALERT]
        score = max([modelled.score, *(e.score for e in evidence)])
        lead = {d.feature for d in firing}
        rest = [d for d in modelled.moved if d.feature not in lead]
        moved = [*headline_first(firing), *rest]
        if counts.traffic is not None and counts.traffic.silent(vector):
            traffic = next((e for e in evidence if e.moved.feature in (REQUESTS, RATE)), None)
            moved = _silence_first(moved, traffic)
        return Finding(scope, target, score, tuple(moved[:4]))

    def _new_pairs(self, service: str, count: float, model: FingerprintModel | None) -> Finding:
        """``service`` got ``count`` never-seen pairs, against its normal (0 without a model)."""
        normal = model.normal(NEW_PAIRS) if model else 0.0
        spread = scale_floor(NEW_PAIRS, normal)
        moved = Deviation(NEW_PAIRS, normal, spread, count, (count - normal) / spread)
        return Finding("service", service, self.new_pair_score, (moved,))


def _silence_first(moved: list[Deviation], traffic: Evidence | None) -> list[Deviation]:
    """A silent scope's explanation leads with its traffic, however it scored: every other
    feature of an empty window is zero only because nothing was measured, and the silence
    is what a failing caller is explained by (``seismo.detect.origin``)."""
    if traffic is None:
        return moved
    return [traffic.moved, *(d for d in moved if d.feature != traffic.moved.feature)]


def novelty_score(windows: Sequence[Fingerprint]) -> float:
    """How surprising a new pair is after training, from the steady (second) half of it.

    The first half is start-up, where every pair is new. When the steady half had no window
    with a new pair, the chance of one in the next window is ``1 / (steady + 2)`` (Laplace's
    rule of succession) and its score ``1 - 1 / (steady + 2)``: 0.97 after 60 training
    windows. When new pairs kept appearing there, they are normal here: 0, the models decide.
    """
    steady = windows[len(windows) // 2 :]
    if any(w.system.get(NEW_PAIRS, 0.0) > 0 for w in steady):
        return 0.0
    return 1.0 - 1.0 / (len(steady) + 2)
