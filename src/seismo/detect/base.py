"""The detector contract: two verbs, a dict in and a float out, no I/O inside.

Production (the detector role), replay (``seismo replay``) and tests call the same objects.
``score_one`` returns a calibrated anomaly score in [0, 1] (higher is more anomalous) for a
point *before* it is learned; ``learn_one`` then updates the state. A point that scores at
least the detector's ``threshold`` is *flagged*, and a flagged point is not learned into
what decides the score, so one anomaly does not teach the detector that its twin is normal
(each detector's docstring says precisely what it keeps out).

A detector's constructor arguments are its whole configuration: ``to_dict`` stores it as
``{"name", "params", "state"}``, plain JSON-able data (never pickle), where ``cls(**params)``
builds the same configuration and ``state`` is what it learned. ``REGISTRY`` maps names to
classes so a stored model or a setting (``SEISMO_METRIC_DETECTOR``) can name its class;
importing ``seismo.detect`` registers every detector of the package.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import Any, ClassVar, Self, TypeVar

from seismo.config import ConfigError, Settings

METRIC_DETECTOR_SETTING = "SEISMO_METRIC_DETECTOR"
"""The setting that names the per-metric detector (its errors name it)."""

Features = Mapping[str, float]


class Detector(ABC):
    """A streaming anomaly detector. Subclasses implement the private hooks."""

    name: ClassVar[str]

    def learn_one(self, x: Features) -> None:
        """Update the state with one point (only finite values are learned)."""
        self._learn(_finite(x))

    def score_one(self, x: Features) -> float:
        """Anomaly score of ``x`` in [0, 1], from the state learned so far."""
        score = self._score(_finite(x))
        if math.isnan(score):
            return 0.0
        return min(1.0, max(0.0, score))

    @property
    @abstractmethod
    def threshold(self) -> float:
        """Score from which a point is flagged (a detection), and so not learned."""

    @property
    @abstractmethod
    def params(self) -> dict[str, Any]:
        """The constructor arguments, as JSON-able values: ``type(self)(**params)``."""

    def to_dict(self) -> dict[str, Any]:
        """``{"name", "params", "state"}``: configuration and learned state as JSON-able data."""
        return {"name": self.name, "params": self.params, "state": self._state()}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self:
        """Rebuild a detector from ``to_dict``'s output."""
        detector = cls(**data["params"])
        detector._restore(data["state"])
        return detector

    @abstractmethod
    def _learn(self, x: Features) -> None: ...

    @abstractmethod
    def _score(self, x: Features) -> float: ...

    @abstractmethod
    def _state(self) -> dict[str, Any]: ...

    @abstractmethod
    def _restore(self, state: Mapping[str, Any]) -> None: ...


def _finite(x: Features) -> dict[str, float]:
    return {k: float(v) for k, v in x.items() if isinstance(v, int | float) and math.isfinite(v)}


REGISTRY: dict[str, type[Detector]] = {}
D = TypeVar("D", bound=type[Detector])


def register(cls: D) -> D:
    """Class decorator: make ``cls`` findable by its ``name`` (settings, stored models)."""
    REGISTRY[cls.name] = cls
    return cls


def detector_class(name: str, setting: str = "detector") -> type[Detector]:
    """The detector registered as ``name``; a one-line ``ConfigError`` naming ``setting``
    and the registered names when there is none."""
    if name not in REGISTRY:
        known = ", ".join(sorted(REGISTRY))
        raise ConfigError(f"{setting}: no detector is registered as {name!r} (known: {known})")
    return REGISTRY[name]


def metric_detector_class(settings: Settings) -> type[Detector]:
    """The per-metric detector ``SEISMO_METRIC_DETECTOR`` names (the role, replay and the
    NAB bench all run the one the settings select)."""
    return detector_class(settings.metric_detector, METRIC_DETECTOR_SETTING)


def detector_from_dict(data: Mapping[str, Any]) -> Detector:
    """Rebuild any registered detector from its stored dict."""
    return REGISTRY[str(data["name"])].from_dict(data)
