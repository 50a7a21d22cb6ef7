"""Replaying a recorded scenario run offline: today's detection code on yesterday's windows.

A scenario run takes about 13 minutes of real time, most of it traffic. Run once with
``--log-dir DIR``, it leaves there the run's Redis data (every fingerprint, every
application event) and ``run.json`` (the plan, the faults, the normal stretch). ``seismo
bench scenarios --replay DIR`` then feeds those fingerprints, in order, through the same
pure core the detector role runs (``seismo.alert.judge``): training on the first normal
windows, retraining as the role does, the recent levels and CUSUM sums, the per-metric
detectors and the incident book, with the service-call graph read when the role reads it
(``GraphSchedule``).
The alerts are scored by the same scorer as a live run, in seconds.

What a replay leaves out: alerts raised from open windows (early alerts need the running
counters of the moment), the incident memory of marked false alarms, the endpoint an
alert's change is on (the application events are a capped stream, mostly gone by the end
of a run), and real arrival times (an alert counts as arriving ``grace`` after its window
ends).
"""

from __future__ import annotations

import contextlib
import json
import shutil
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import redis

from seismo.alert.incident import IncidentBook
from seismo.alert.judge import Detectors, judge_window
from seismo.bench.scenario_score import Received, Record
from seismo.config import Settings
from seismo.demo.faults import Fault
from seismo.demo.system import SHOP
from seismo.detect.base import metric_detector_class
from seismo.detect.call_graph import CallGraph, GraphSchedule
from seismo.detect.drift import Drift
from seismo.detect.fingerprint_fleet import FleetModel
from seismo.detect.metric_watch import MetricState
from seismo.engine import running_engine
from seismo.engine.connection import connect, text
from seismo.engine.keys import Keys
from seismo.engine.server import free_port
from seismo.fingerprint.entry import BadFingerprint, Fingerprint
from seismo.loops.detector import DetectorConfig

RUN_FILE = "run.json"
"""What a kept run injected and when, beside its ``redis`` data directory."""


@dataclass(frozen=True)
class RunMeta:
    """The part of a run that is not in Redis: its plan and its timeline."""

    plan: Mapping[str, Any]
    faults: Sequence[Fault]
    normal_start_ms: int
    normal_end_ms: int
    end_ms: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "plan": dict(self.plan),
            "faults": [vars(f) for f in self.faults],
            "normal_start_ms": self.normal_start_ms,
            "normal_end_ms": self.normal_end_ms,
            "end_ms": self.end_ms,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RunMeta:
        faults = [Fault(**f) for f in data["faults"]]
        return cls(
            data["plan"], faults, data["normal_start_ms"], data["normal_end_ms"], data["end_ms"]
        )


@dataclass
class Recorded:
    """A run's windows and application events, read back from its Redis."""

    windows: list[Fingerprint]
    callers: list[tuple[int, str, str]]
    """(arrival ms, caller, service) of every application event naming its caller."""

    def graph_until(self, until_ms: int) -> CallGraph:
        return CallGraph(frozenset((c, s) for at, c, s in self.callers if at <= until_ms))


@dataclass
class Replay:
    """The detector role's state, advanced window by window as the role advances it."""

    config: DetectorConfig
    detectors: Detectors
    book: IncidentBook = field(default_factory=IncidentBook)
    normal: list[Fingerprint] = field(default_factory=list)
    since_training: int = 0

    def step(self, window: Fingerprint, graph: CallGraph, now_ms: int) -> list[Received]:
        judged = judge_window(window, self.detectors, self.book, self.config.policy, graph, now_ms)
        self.book = judged.book
        if judged.normal:
            self.normal = [*self.normal, window][-self.config.retrain_windows :]
        if self.detectors.model is not None:
            self.since_training += 1
        self._train_if_due()
        received = []
        for alert in judged.alerts:
            record = alert.to_dict()
            received += [Received(record, now_ms, "pubsub"), Received(record, now_ms, "ws")]
        return received

    def _train_if_due(self) -> None:
        model = self.detectors.model
        due = (model is None and len(self.normal) >= self.config.training_windows) or (
            model is not None and self.since_training >= self.config.retrain_every
        )
        if due:
            fitted = FleetModel(self.normal, self.config.fleet)
            drift = self.detectors.drift or Drift()
            self.detectors = Detectors(
                fitted, drift, self.detectors.metrics, self.detectors.new_metric_detector
            )
            self.since_training = 0


def replay_settings(plan: Mapping[str, Any]) -> Settings:
    return Settings(
        window_seconds=int(plan.get("window_seconds", 1)),
        grace_seconds=int(plan.get("grace_seconds", 1)),
        training_windows=int(plan["training_windows"]),
    )


def replay(run_dir: Path) -> Record:
    """The ``Record`` today's detection code gives on the run kept in ``run_dir``."""
    meta = RunMeta.from_dict(json.loads((run_dir / RUN_FILE).read_text()))
    settings = replay_settings(meta.plan)
    config = DetectorConfig.from_settings(settings)
    recorded = read_run(run_dir / "redis")
    metrics: dict[str, MetricState] = {}
    factory = metric_detector_class(settings)
    state = Replay(config, Detectors(None, None, metrics, factory))
    received: list[Received] = []
    grace_ms = settings.grace_seconds * 1000
    schedule, graph = GraphSchedule(), CallGraph()
    for window in recorded.windows:
        arrival = window.window_end + grace_ms
        if schedule.read_now(arrival / 1000, window):
            graph = recorded.graph_until(arrival)
        received += state.step(window, graph, arrival)
    fingerprints = [
        {
            "window_start": w.window_start,
            "system": w.system,
            "services": w.services,
            "metrics": w.metrics,
        }
        for w in recorded.windows
        if w.window_start >= meta.normal_start_ms
    ]
    return Record(
        meta.faults,
        received,
        meta.normal_start_ms,
        meta.normal_end_ms,
        settings.window_seconds * 1000,
        meta.end_ms,
        fingerprints,
        str(meta.plan.get("system_name", SHOP.name)),
    )


def read_run(data_dir: Path) -> Recorded:
    """Every fingerprint and caller pair of a kept run (read from a copy of its data)."""
    with _serving_copy(data_dir) as client:
        keys = Keys()
        windows = []
        for _, fields in client.xrange(keys.fingerprints) or []:
            with contextlib.suppress(BadFingerprint):
                windows.append(Fingerprint.from_entry(fields or {}))
        callers = []
        for entry_id, fields in client.xrange(keys.detailed_metrics) or []:
            event = {text(k): text(v) for k, v in (fields or {}).items()}
            service, caller = event.get("service"), event.get("caller")
            if service and caller and service != caller:
                callers.append((int(text(entry_id).split("-")[0]), caller, service))
    windows.sort(key=lambda w: w.window_start)
    return Recorded(windows, callers)


@contextlib.contextmanager
def _serving_copy(data_dir: Path) -> Iterator[redis.Redis]:
    """An embedded Redis on a temporary copy of ``data_dir`` (the kept run stays as it was)."""
    with tempfile.TemporaryDirectory(prefix="seismo-replay-") as tmp:
        copy = Path(tmp) / "redis"
        shutil.copytree(data_dir, copy)
        settings = Settings(redis_port=free_port(), data_dir=copy, redis_url=None)
        with running_engine(settings) as engine:
            client = connect(engine.url)
            try:
                yield client
            finally:
                client.close()
