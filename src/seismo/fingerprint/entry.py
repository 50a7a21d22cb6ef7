"""One ``system-fingerprints`` entry as a typed value: the one parser of the contract.

Fields: ``window_start`` / ``window_end`` (epoch ms), ``names`` and ``data`` (JSON: the system
vector), ``services`` (JSON: service -> {feature: value}), ``metrics`` (JSON: metric ->
{"count", "mean", "out_of_range"}), ``late_events``. Values that are not finite numbers are
dropped here, so every model downstream sees plain floats.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from seismo.engine.connection import text

Vector = dict[str, float]


class BadFingerprint(ValueError):
    """An entry that does not follow the fingerprint format; the message names the field."""


@dataclass(frozen=True)
class Fingerprint:
    """One closed window: the system vector, one vector per service, per-metric summaries."""

    window_start: int
    window_end: int
    system: Vector
    services: dict[str, Vector] = field(default_factory=dict)
    metrics: dict[str, Vector] = field(default_factory=dict)
    late_events: int = 0
    """Events that arrived after their window was closed, counted since the previous entry."""

    @property
    def names(self) -> tuple[str, ...]:
        """The system features, in the entry's order."""
        return tuple(self.system)

    @property
    def data(self) -> tuple[float, ...]:
        """The system vector's values, in the order of ``names``."""
        return tuple(self.system.values())

    @classmethod
    def from_entry(cls, fields: Mapping[Any, Any]) -> Fingerprint:
        """Parse a stream entry's fields (bytes or str keys and values)."""
        decoded = {text(k): text(v) for k, v in fields.items()}
        try:
            names = json.loads(decoded["names"])
            data = json.loads(decoded["data"])
            if len(names) != len(data):
                raise BadFingerprint("names and data differ in length")
            return cls(
                window_start=int(decoded["window_start"]),
                window_end=int(decoded["window_end"]),
                system=_vector(dict(zip(names, data, strict=True))),
                services=_vectors(json.loads(decoded.get("services", "{}"))),
                metrics=_vectors(json.loads(decoded.get("metrics", "{}"))),
                late_events=int(decoded.get("late_events", "0")),
            )
        except KeyError as exc:
            raise BadFingerprint(f"missing field {exc.args[0]}") from None
        except (ValueError, TypeError, AttributeError) as exc:
            raise BadFingerprint(str(exc)) from None

    def to_entry(self) -> dict[str, str]:
        """The stream entry's fields, as the window-closing Function writes them (``from_entry``
        reads them back): for replays, benchmarks and tests that stand in for the aggregator."""
        return {
            "window_start": str(self.window_start),
            "window_end": str(self.window_end),
            "names": json.dumps(list(self.names)),
            "data": json.dumps(list(self.data)),
            "services": json.dumps(self.services),
            "metrics": json.dumps(self.metrics),
            "late_events": str(self.late_events),
        }

    def to_training(self) -> dict[str, Any]:
        """The part a fingerprint model learns from, as JSON-able data."""
        return {"window_start": self.window_start, "system": self.system, "services": self.services}

    @classmethod
    def from_training(cls, data: Mapping[str, Any]) -> Fingerprint:
        """Inverse of ``to_training`` (window end and metrics are not needed to learn)."""
        start = int(data["window_start"])
        return cls(start, start, _vector(data["system"]), _vectors(data["services"]))


def _vector(raw: Mapping[str, Any]) -> Vector:
    return {
        str(k): float(v)
        for k, v in raw.items()
        if isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)
    }


def _vectors(raw: Mapping[str, Any]) -> dict[str, Vector]:
    return {str(name): _vector(values) for name, values in raw.items()}
