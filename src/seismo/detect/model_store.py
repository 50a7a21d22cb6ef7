"""The fingerprint model in Redis, shared by every detector process, without pickle.

What is stored is data (JSON, ``FleetModel.to_dict``): each service's fitted numbers and
the system's training vectors, which a loading process refits (fixed seeds: the same data
gives the same model), so a restarted detector scores the next window at once. Windows
that were not flagged accumulate in a sorted set by window start (adding one twice is
harmless) and are the (re)training data. One process at a time trains, holding a lock key
set with NX PX.

The fleet model is outside the detector registry (``FleetModel`` says why), so its document
is its own: ``{"version", "trained_at", "model"}``. The registered per-metric detectors are
stored beside their metric's state as ``{"name", "params", "state"}``
(``seismo.detect.metric_watch``).
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import redis

from seismo.detect.fingerprint_fleet import FleetModel
from seismo.engine.keys import Keys
from seismo.fingerprint.entry import Fingerprint

LOCK_MS = 60_000


def model_document(model: FleetModel, version: int, now_ms: int) -> dict[str, Any]:
    """The stored form of a model: its version and training time beside ``to_dict``."""
    return {"version": version, "trained_at": now_ms, "model": model.to_dict()}


class ModelStore:
    """Reads and writes the shared model, the normal windows and the training lock."""

    def __init__(self, client: redis.Redis, keys: Keys) -> None:
        self.client = client
        self.keys = keys

    def version(self) -> int:
        """The stored model's version (0: none yet); cheap, read before every window."""
        raw = self.client.hget(self.keys.detector_state, "model_version")
        return int(raw) if raw else 0

    def load(self) -> tuple[int, FleetModel | None]:
        """The stored model and its version; (0, None) if none. A model stored in an older
        form gives its version and None, so that this process trains the next version."""
        raw = self.client.get(self.keys.detector_model)
        if raw is None:
            return 0, None
        stored = json.loads(raw)
        model = FleetModel.from_dict(stored["model"]) if "model" in stored else None
        return int(stored["version"]), model

    def save(self, model: FleetModel, now_ms: int) -> int:
        """Store ``model`` as its next version and publish that version in the state hash."""
        version = self.version() + 1
        pipe = self.client.pipeline()
        pipe.set(self.keys.detector_model, json.dumps(model_document(model, version, now_ms)))
        pipe.hset(
            self.keys.detector_state,
            mapping={
                "status": "ready",
                "model_version": version,
                "model_windows": len(model.trained_on),
                "services": len(model.services),
                "trained_at": now_ms,
                "since_training": 0,
            },
        )
        pipe.execute()
        return version

    def normal_count(self) -> int:
        return int(self.client.zcard(self.keys.detector_normal))

    def normal_windows(self, limit: int) -> list[Fingerprint]:
        """The most recent ``limit`` unflagged windows, oldest first."""
        members: Any = self.client.zrange(self.keys.detector_normal, -limit, -1)
        return [Fingerprint.from_training(json.loads(m)) for m in members]

    def add_normal(self, pipe: Any, window: Fingerprint, keep: int) -> None:
        """Queue ``window`` as normal on ``pipe`` (also the seam for false-alarm feedback)."""
        member = json.dumps(window.to_training(), sort_keys=True)
        pipe.zadd(self.keys.detector_normal, {member: window.window_start})
        pipe.zremrangebyrank(self.keys.detector_normal, 0, -keep - 1)

    def acquire(self) -> str | None:
        """A token if this process now holds the training lock, else None."""
        token = uuid.uuid4().hex
        got = self.client.set(self.keys.detector_lock, token, nx=True, px=LOCK_MS)
        return token if got else None

    def release(self, token: str) -> None:
        """Delete the lock only if it is still ours (it may have expired and moved on)."""

        def release_if_ours(pipe: Any) -> None:
            if pipe.get(self.keys.detector_lock) == token.encode():
                pipe.multi()
                pipe.delete(self.keys.detector_lock)

        self.client.transaction(release_if_ours, self.keys.detector_lock)
