"""One fingerprint model for the system vector and one per service, fitted together.

A service gets its own model once it appears in ``min_service_windows`` training windows,
so a service that shows up later is modelled at the next retraining. The fleet is rebuilt
from its training windows and configuration alone (``FleetModel(windows, config)``), which
is how a stored model is loaded: the same data and fixed seeds give the same model.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from seismo.detect.explain import Finding, finding
from seismo.detect.fingerprint_entry import Fingerprint
from seismo.detect.fingerprint_model import FingerprintModel, ModelConfig, model_config_from_dict


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
    """The system model plus a model per sufficiently seen service."""

    def __init__(self, windows: Sequence[Fingerprint], config: FleetConfig) -> None:
        self.config = config
        self.windows = list(windows)
        self.system = FingerprintModel([w.system for w in windows], config.model)
        rows: dict[str, list[dict[str, float]]] = {}
        for window in windows:
            for service, vector in window.services.items():
                rows.setdefault(service, []).append(vector)
        self.services = {
            service: FingerprintModel(vectors, config.model)
            for service, vectors in sorted(rows.items())
            if len(vectors) >= max(2, config.min_service_windows)
        }

    def findings(self, window: Fingerprint) -> list[Finding]:
        """The system's finding, then one per modelled service present in ``window``."""
        found = [finding("system", "system", self.system.score(window.system))]
        for service, vector in window.services.items():
            model = self.services.get(service)
            if model is not None:
                found.append(finding("service", service, model.score(vector)))
        return found
