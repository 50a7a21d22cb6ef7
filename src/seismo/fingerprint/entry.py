"""One entry of ``system-fingerprints``, parsed (pure): the contract for the detector and
the dashboard.

Fields of a stream entry: ``window_start`` and ``window_end`` (epoch ms), ``names`` (JSON
list of feature names), ``data`` (JSON list: the system vector in that order),
``services`` (JSON object: service -> {feature: value}), ``metrics`` (JSON object: metric
-> {"count", "mean", "out_of_range"}) and ``late_events`` (late events counted since the
previous entry).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Fingerprint:
    """One closed window of the whole system, of each service and of each metric."""

    window_start: int
    window_end: int
    names: tuple[str, ...]
    data: tuple[float, ...]
    services: dict[str, dict[str, float]]
    metrics: dict[str, dict[str, float]]
    late_events: int

    @property
    def system(self) -> dict[str, float]:
        """The system vector as ``{feature: value}``, ready for ``Detector.learn_one``."""
        return dict(zip(self.names, self.data, strict=True))

    @classmethod
    def from_fields(cls, fields: Mapping[Any, Any]) -> Fingerprint:
        """Parse a stream entry's fields (bytes or str keys and values, as redis-py gives)."""
        text = {_text(key): _text(value) for key, value in fields.items()}
        return cls(
            window_start=int(text["window_start"]),
            window_end=int(text["window_end"]),
            names=tuple(json.loads(text["names"])),
            data=tuple(float(value) for value in json.loads(text["data"])),
            services=json.loads(text["services"]),
            metrics=json.loads(text["metrics"]),
            late_events=int(text["late_events"]),
        )


def _text(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
