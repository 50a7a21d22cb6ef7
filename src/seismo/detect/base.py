"""The detector contract: two verbs, a dict in and a float out, no I/O inside.

Production (the detector role), replay (``seismo replay``) and tests call the same objects.
``score_one`` returns a calibrated anomaly score in [0, 1] (higher is more anomalous) for a
point *before* it is learned; ``learn_one`` then updates the state. A detector's constructor
arguments are its whole configuration; ``to_dict`` / ``from_dict`` store it with its learned
state as plain JSON-able data (never pickle), and ``REGISTRY`` maps names to classes so a
stored model or a setting can name its class.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import Any, ClassVar, TypeVar

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

    @abstractmethod
    def _learn(self, x: Features) -> None: ...

    @abstractmethod
    def _score(self, x: Features) -> float: ...

    @abstractmethod
    def to_dict(self) -> dict[str, Any]:
        """Configuration and learned state as JSON-able data, with ``"name"``."""

    @classmethod
    @abstractmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Detector:
        """Rebuild a detector from ``to_dict``'s output."""


def _finite(x: Features) -> dict[str, float]:
    return {k: float(v) for k, v in x.items() if isinstance(v, int | float) and math.isfinite(v)}


REGISTRY: dict[str, type[Detector]] = {}
D = TypeVar("D", bound=type[Detector])


def register(cls: D) -> D:
    """Class decorator: make ``cls`` findable by its ``name`` (settings, stored models)."""
    REGISTRY[cls.name] = cls
    return cls


def detector_from_dict(data: Mapping[str, Any]) -> Detector:
    """Rebuild any registered detector from its stored dict."""
    return REGISTRY[str(data["name"])].from_dict(data)
