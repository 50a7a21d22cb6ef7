"""The detector role: thin glue between the ``system-fingerprints`` stream and the pure core.

Each process reads the stream through one consumer group (XREADGROUP), so several detectors
split the windows; entries left pending by a crashed one are taken over with XAUTOCLAIM.
Per window: score it with the shared fingerprint model (``FleetModel``), then, in one
optimistic transaction (WATCH / MULTI), update the per-metric detectors and the incident
state, publish the alert it raises and XACK the entry: a crash before EXEC leaves the entry
pending and nothing written, and an entry no longer pending is not applied again, so each
window is applied once, whichever process gets it and in whatever order. Until a model
exists, windows are collected as training data; one process (holding the lock) trains and
later retrains. Windows operators mark as false alarms (``feedback-stream``, read through
the same group name) are added to that training data.

Between windows, every ``early_poll_ms``, the loop reads the running counters of the windows
still open (``OpenWindows``: one round trip for the counts, one for the slow responses of
the services with enough of them) and raises what is gross there (``seismo.detect.early``)
through the same incident book, in the same kind of transaction: the book is watched, and
an alert id already published is never published again, so with several detectors an
early incident opens once. Reading stops while a closed window waits: it comes first.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import redis
from prometheus_client import CollectorRegistry

from seismo.alert.decide import AlertPolicy, ScoredWindow, early_alerts
from seismo.alert.incident import IncidentBook
from seismo.alert.judge import Detectors, judge_window
from seismo.alert.memory import IncidentMemory
from seismo.alert.model import Alert
from seismo.alert.publish import queue_publish
from seismo.alert.rule import AlarmRule
from seismo.config import DEFAULTS, Settings
from seismo.detect.base import (
    METRIC_DETECTOR_SETTING,
    Detector,
    detector_class,
    metric_detector_class,
)
from seismo.detect.call_graph import CallGraph, GraphSchedule
from seismo.detect.drift import Drift
from seismo.detect.early import ServiceNormal, early_findings, learned_normals
from seismo.detect.endpoints import ServiceEvents
from seismo.detect.explain import Finding
from seismo.detect.fingerprint_fleet import FleetConfig, FleetModel
from seismo.detect.metric_watch import MetricState
from seismo.detect.model_store import ModelStore
from seismo.engine.connection import text
from seismo.engine.keys import Keys
from seismo.engine.shard_streams import newest_entries
from seismo.fingerprint.entry import BadFingerprint, Fingerprint
from seismo.loops.deferred_publish import for_transaction, send_deferred
from seismo.loops.detector_metrics import DetectorMetrics
from seismo.loops.open_windows import OpenWindows

log = logging.getLogger("seismo.detector")

RETRY_S = 1.0
"""Pause before trying again while Redis does not answer."""

Entry = tuple[Any, Any]
"""A stream entry: (id, fields)."""
GRAPH_EVENTS = 3000
"""Application events read each time (callers seen in them join the graph)."""
ENDPOINT_EVENTS = 5000
"""Most application events of one service read to name the endpoint an alert's change is
on (from the window's start: a window's requests, unless the service serves thousands)."""
DRIFT_FIELD = "@drift"
"""Field of the ``metric-detectors`` hash holding the recent levels and CUSUM sums
(``seismo.detect.drift``) as JSON; no metric name starts with ``@``."""


@dataclass(frozen=True)
class DetectorConfig:
    """The detector role's configuration (from ``Settings`` at the edge, defaults too)."""

    training_windows: int = DEFAULTS.training_windows
    retrain_windows: int = DEFAULTS.retrain_windows
    retrain_every: int = DEFAULTS.retrain_every
    policy: AlertPolicy = field(default_factory=AlertPolicy)
    fleet: FleetConfig = field(default_factory=FleetConfig)
    claim_idle_ms: int = DEFAULTS.claim_idle_ms
    block_ms: int = 1_000
    batch: int = 10
    anomalies_maxlen: int = DEFAULTS.stream_maxlen
    metric_detector: str = DEFAULTS.metric_detector
    """Registered name of the per-metric detector."""
    window_ms: int = DEFAULTS.window_seconds * 1000
    grace_ms: int = DEFAULTS.grace_seconds * 1000
    early_poll_ms: int = DEFAULTS.early_poll_ms
    """How often the open windows are read for gross faults (0: never)."""

    @classmethod
    def from_settings(cls, settings: Settings) -> DetectorConfig:
        return cls(
            training_windows=settings.training_windows,
            retrain_windows=max(settings.retrain_windows, settings.training_windows),
            retrain_every=settings.retrain_every,
            policy=AlertPolicy(AlarmRule(settings.alert_threshold), settings.resolve_windows),
            fleet=FleetConfig(min_service_windows=max(2, settings.training_windows // 2)),
            claim_idle_ms=settings.claim_idle_ms,
            anomalies_maxlen=settings.stream_maxlen,
            metric_detector=metric_detector_class(settings).name,
            window_ms=settings.window_seconds * 1000,
            grace_ms=settings.grace_seconds * 1000,
            early_poll_ms=settings.early_poll_ms,
        )


@dataclass
class Outcome:
    """What applying one window changes: incident and metric state, alerts, training data."""

    state: IncidentBook
    metrics: dict[str, MetricState]
    alerts: list[Alert]
    normal: bool
    """Not flagged and no incident open: the window joins the (re)training data."""
    score: float
    drift: Drift | None = None
    encoded: dict[str, bytes] = field(init=False)
    """The metric states (and the drift state) as written to Redis."""

    def __post_init__(self) -> None:
        self.encoded = {n: json.dumps(s.to_dict()).encode() for n, s in self.metrics.items()}
        if self.drift is not None:
            self.encoded[DRIFT_FIELD] = json.dumps(self.drift.to_dict()).encode()


def consumer_name() -> str:
    """A name unique to this process: host, pid and a random suffix."""
    return f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"


class DetectorLoop:
    """One detector process's consumer of ``system-fingerprints``."""

    def __init__(
        self,
        client: redis.Redis,
        keys: Keys,
        config: DetectorConfig,
        consumer: str | None = None,
        clock: Callable[[], float] = time.time,
        new_metric_detector: Callable[[], Detector] | None = None,
        memory: IncidentMemory | None = None,
    ) -> None:
        self.client = client
        self.keys = keys
        self.config = config
        self.consumer = consumer or consumer_name()
        self.clock = clock
        self.new_metric_detector = new_metric_detector or detector_class(
            config.metric_detector, METRIC_DETECTOR_SETTING
        )
        self.memory = memory
        self.store = ModelStore(client, keys)
        self.model_version = 0
        self.model: FleetModel | None = None
        self._metric_cache: dict[str, tuple[bytes, MetricState]] = {}
        self.graph = CallGraph()
        self._graph_schedule = GraphSchedule()
        self._drift_cache: tuple[bytes, Drift] | None = None
        self.open_windows = OpenWindows(client, keys, config.window_ms, config.grace_ms)
        self._normals: tuple[FleetModel, dict[str, ServiceNormal]] | None = None
        self._polled_at = float("-inf")
        self.metrics = DetectorMetrics(CollectorRegistry())

    def ensure_group(self) -> None:
        """Create the consumer groups (and streams) on fingerprints and feedback if missing."""
        for stream in (self.keys.fingerprints, self.keys.feedback_stream):
            try:
                self.client.xgroup_create(stream, self.keys.detector_group, id="0", mkstream=True)
            except redis.ResponseError as exc:
                if "BUSYGROUP" not in str(exc):
                    raise

    def run(self, stop: threading.Event) -> None:
        """Process windows until ``stop`` is set, riding out a Redis restart (the stream and
        its group come back from the append-only file, or are created again)."""
        self.ensure_group()
        log.info("detector %s reading %s", self.consumer, self.keys.fingerprints)
        while not stop.is_set():
            try:
                self.run_once(self._block_ms())
                self._poll_if_due()
            except (redis.ConnectionError, redis.TimeoutError) as exc:
                log.warning("Redis unavailable (%s); retrying", exc)
                stop.wait(RETRY_S)
            except redis.ResponseError as exc:
                if "NOGROUP" not in str(exc):
                    raise
                self.ensure_group()

    def run_once(self, block_ms: int | None = None) -> int:
        """Process one batch (stale pending entries first); how many entries it took."""
        self.learn_false_alarms()
        entries = self._claim() or self._read(
            self.config.block_ms if block_ms is None else block_ms
        )
        for entry_id, fields in entries:
            try:
                self.process(entry_id, fields)
            except redis.RedisError:
                raise
            except Exception:
                # A bug must not stop the role nor come back forever through XAUTOCLAIM.
                log.exception("failed on fingerprint %s; acknowledged and skipped", entry_id)
                self.client.xack(self.keys.fingerprints, self.keys.detector_group, entry_id)
        return len(entries)

    def _block_ms(self) -> int:
        """How long to wait for a closed window: no longer than the early poll interval."""
        poll = self.config.early_poll_ms
        return min(self.config.block_ms, poll) if poll else self.config.block_ms

    def _poll_if_due(self) -> None:
        if self.config.early_poll_ms and self.model is not None:
            now = self.clock()
            if (now - self._polled_at) * 1000 >= self.config.early_poll_ms:
                self._polled_at = now
                self.raise_early()

    def raise_early(self) -> list[Alert]:
        """Raise the gross faults of the windows still open; the alerts published."""
        model = self.model
        if model is None:
            return []
        normals = self._learned_normals(model)
        threshold = self.config.policy.rule.threshold
        raised: list[Alert] = []
        now_ms = int(self.clock() * 1000)
        for window_id, counts in self.open_windows.read(normals, now_ms):
            start = window_id * self.config.window_ms
            elapsed = min(1.0, max(0.0, (now_ms - start) / self.config.window_ms))
            findings = early_findings(normals, counts, threshold, elapsed)
            if any(f.score >= threshold for f in findings):
                window = ScoredWindow(start, start + self.config.window_ms, tuple(findings))
                raised += self._publish_early(window)
        return raised

    def _learned_normals(self, model: FleetModel) -> dict[str, ServiceNormal]:
        if self._normals is None or self._normals[0] is not model:
            self._normals = (model, learned_normals(model))
        return self._normals[1]

    def _publish_early(self, window: ScoredWindow) -> list[Alert]:
        """Open the early incidents of ``window`` and publish their alerts, in one optimistic
        transaction on the incident book (so a closed window applied meanwhile, or another
        detector that raised them first, leaves nothing to do)."""
        graph = self._call_graph()
        published: list[list[Alert]] = [[]]
        used: list[Any] = [None]

        def apply(pipe: Any) -> None:
            pipe = used[0] = for_transaction(self.client, pipe)
            raw = pipe.get(self.keys.detector_incident)
            book = IncidentBook.from_dict(json.loads(raw)) if raw else IncidentBook()
            now_ms = int(self.clock() * 1000)
            book, alerts = early_alerts(window, book, self.config.policy, now_ms, graph)
            fresh = [
                self._recall(a) for a in alerts if not pipe.exists(self.keys.alert_marker(a.id))
            ]
            pipe.multi()
            if fresh:
                pipe.set(self.keys.detector_incident, json.dumps(book.to_dict()))
                for alert in fresh:
                    queue_publish(pipe, self.keys, alert, self.config.anomalies_maxlen)
            published[0] = fresh

        self.client.transaction(apply, self.keys.detector_incident)
        send_deferred(self.client, used[0])
        self.metrics.alerted(published[0])
        for alert in published[0]:
            log.info(
                "early alert %s %s %s: %s", alert.status, alert.severity, alert.id, alert.summary
            )
            if self.memory is not None:
                self.memory.remember(alert.to_dict())
        return published[0]

    def _claim(self) -> list[Entry]:
        """Entries another consumer left pending longer than ``claim_idle_ms``."""
        reply: Any = self.client.xautoclaim(
            self.keys.fingerprints,
            self.keys.detector_group,
            self.consumer,
            self.config.claim_idle_ms,
            "0-0",
            count=self.config.batch,
        )
        return [(entry_id, fields) for entry_id, fields in reply[1] if fields]

    def _read(self, block_ms: int) -> list[Entry]:
        """New entries for this consumer, waiting up to ``block_ms`` (0: not at all)."""
        reply: Any = self.client.xreadgroup(
            self.keys.detector_group,
            self.consumer,
            {self.keys.fingerprints: ">"},
            count=self.config.batch,
            block=block_ms or None,
        )
        return list(reply[0][1]) if reply else []

    def learn_false_alarms(self) -> int:
        """Windows operators marked as false alarms (the dashboard's feedback stream) join
        the normal windows, so the next retraining learns them; how many were learned."""
        reply: Any = self.client.xreadgroup(
            self.keys.detector_group,
            self.consumer,
            {self.keys.feedback_stream: ">"},
            count=self.config.batch,
        )
        learned = 0
        for entry_id, fields in reply[0][1] if reply else []:
            mark = {text(k): text(v) for k, v in fields.items()}
            window = None
            if mark.get("feedback") == "false_alarm":
                window = self._fingerprint_at(int(mark.get("window_start") or 0))
            pipe = self.client.pipeline()
            if window is not None:
                self.store.add_normal(pipe, window, self.config.retrain_windows)
                learned += 1
            pipe.xack(self.keys.feedback_stream, self.keys.detector_group, entry_id)
            pipe.execute()
        return learned

    def _fingerprint_at(self, window_start: int) -> Fingerprint | None:
        """The fingerprint of the window starting at ``window_start`` (its entry is added
        when the window closes, so its id is after the start)."""
        reply: Any = self.client.xrange(self.keys.fingerprints, min=window_start, count=100)
        for _, fields in reply:
            with contextlib.suppress(BadFingerprint):
                window = Fingerprint.from_entry(fields)
                if window.window_start == window_start:
                    return window
        return None

    def process(self, entry_id: Any, fields: Any) -> list[Alert]:
        """Score, decide, publish and acknowledge one window; then train if due."""
        try:
            window = Fingerprint.from_entry(fields)
        except BadFingerprint as exc:
            log.warning("skipping fingerprint %s: %s", entry_id, exc)
            self.client.xack(self.keys.fingerprints, self.keys.detector_group, entry_id)
            return []
        started = time.perf_counter()
        model = self._current_model()
        fleet = model.findings(window) if model else []
        graph = self._call_graph(window)
        applied: list[Outcome | None] = [None]

        used: list[Any] = [None]

        def apply(pipe: Any) -> None:
            used[0] = for_transaction(self.client, pipe)
            applied[0] = self._apply(used[0], entry_id, window, (model, fleet), graph)

        self.client.transaction(apply, self.keys.detector_incident, self.keys.metric_detectors)
        send_deferred(self.client, used[0])
        outcome = applied[0]
        if outcome is None:
            return []
        self.metrics.scored(outcome.score, outcome.alerts, time.perf_counter() - started)
        self._metric_cache.update(
            {name: (outcome.encoded[name], state) for name, state in outcome.metrics.items()}
        )
        if outcome.drift is not None:
            self._drift_cache = (outcome.encoded[DRIFT_FIELD], outcome.drift)
        for alert in outcome.alerts:
            log.info("alert %s %s %s: %s", alert.status, alert.severity, alert.id, alert.summary)
            if self.memory is not None:
                self.memory.remember(alert.to_dict())
        self._train_if_due()
        return outcome.alerts

    def _call_graph(self, window: Fingerprint | None = None) -> CallGraph:
        """The caller pairs of the newest application events, joined to those seen before
        (read when ``GraphSchedule`` says so): the graph the origin of a cascade is ranked
        on."""
        if not self._graph_schedule.read_now(self.clock(), window):
            return self.graph
        reply = newest_entries(self.client, self.keys, lambda k: k.detailed_metrics, GRAPH_EVENTS)
        events = [{text(k): text(v) for k, v in fields.items()} for _, fields in reply]
        self.graph = CallGraph(self.graph.edges | CallGraph.from_events(events).edges)
        return self.graph

    def _apply(
        self,
        pipe: Any,
        entry_id: Any,
        window: Fingerprint,
        scored: tuple[FleetModel | None, list[Finding]],
        graph: CallGraph,
    ) -> Outcome | None:
        """Inside WATCH: read shared state, decide, then queue every write and the XACK.

        Every applying transaction writes the watched incident state, so if another process
        applied this same entry meanwhile (it was claimed from us), EXEC fails, this runs
        again, finds the entry no longer pending and only acknowledges it.
        """
        raw = pipe.get(self.keys.detector_incident)
        state = IncidentBook.from_dict(json.loads(raw)) if raw else IncidentBook()
        outcome = None
        if self._still_pending(pipe, entry_id):
            outcome = self._decide(pipe, window, scored, state, graph)
        pipe.multi()
        if outcome is not None:
            self._queue_writes(pipe, window, outcome)
        pipe.xack(self.keys.fingerprints, self.keys.detector_group, entry_id)
        return outcome

    def _decide(
        self,
        pipe: Any,
        window: Fingerprint,
        scored_by: tuple[FleetModel | None, list[Finding]],
        state: IncidentBook,
        graph: CallGraph,
    ) -> Outcome:
        """Drift and per-metric findings, the incident step and the alerts not yet published."""
        metrics = self._metric_states(pipe, sorted(window.metrics))
        model, fleet = scored_by
        drift = self._drift_state(pipe) if model is not None else None
        detectors = Detectors(model, drift, metrics, self.new_metric_detector)
        now_ms = int(self.clock() * 1000)
        events = self._service_events(window)
        judged = judge_window(
            window, detectors, state, self.config.policy, graph, now_ms, fleet, events
        )
        return Outcome(
            state=judged.book,
            metrics=metrics,
            alerts=[
                self._recall(a)
                for a in judged.alerts
                if not pipe.exists(self.keys.alert_marker(a.id))
            ],
            normal=judged.normal,
            score=judged.score,
            drift=drift,
        )

    def _service_events(self, window: Fingerprint) -> ServiceEvents:
        """A service's application events that reached Redis since a window length before
        ``window`` began (a client's clock may run ahead of Redis's), read from its shard's
        stream when an alert wants its endpoint."""
        since_ms = 2 * window.window_start - window.window_end

        def read(service: str) -> list[dict[str, str]]:
            stream = self.keys.for_service(service).detailed_metrics
            reply = self.client.xrange(stream, min=since_ms, count=ENDPOINT_EVENTS) or []
            return [{text(k): text(v) for k, v in (fields or {}).items()} for _, fields in reply]

        return read

    def _drift_state(self, pipe: Any) -> Drift:
        """The stored drift state (this process's copy while Redis holds the same bytes)."""
        raw = pipe.hget(self.keys.metric_detectors, DRIFT_FIELD)
        cached, self._drift_cache = self._drift_cache, None
        if cached is not None and cached[0] == raw:
            return cached[1]
        return Drift.from_dict(json.loads(raw)) if raw else Drift()

    def _recall(self, alert: Alert) -> Alert:
        """Add similar past incidents, and suppress the alert if it looks like a marked
        false alarm (incident memory on a vector set; off when the server has none)."""
        if self.memory is None or alert.status == "resolved":
            return alert
        data = alert.to_dict()
        match = self.memory.suppressing_match(data)
        return replace(
            alert,
            similar=[p.to_dict() for p in self.memory.similar(data)],
            suppressed_by=match.reason if match else None,
        )

    def _still_pending(self, pipe: Any, entry_id: Any) -> bool:
        """Not yet applied: still in the group's pending list (applying acknowledges it)."""
        return bool(
            pipe.xpending_range(
                self.keys.fingerprints, self.keys.detector_group, entry_id, entry_id, 1
            )
        )

    def _metric_states(self, pipe: Any, names: list[str]) -> dict[str, MetricState]:
        """The stored states; the one this process last wrote is reused while Redis still
        holds exactly those bytes (rebuilding a warm metric detector costs ~30 ms). Taken
        out of the cache, so a failed transaction cannot leave a half-updated state there."""
        if not names:
            return {}
        states = {}
        for name, raw in zip(names, pipe.hmget(self.keys.metric_detectors, names), strict=True):
            cached = self._metric_cache.pop(name, None)
            if cached is not None and cached[0] == raw:
                states[name] = cached[1]
            elif raw is not None:
                states[name] = MetricState.from_dict(json.loads(raw))
        return states

    def _queue_writes(self, pipe: Any, window: Fingerprint, outcome: Outcome) -> None:
        pipe.set(self.keys.detector_incident, json.dumps(outcome.state.to_dict()))
        if outcome.encoded:
            pipe.hset(self.keys.metric_detectors, mapping=outcome.encoded)
        for alert in outcome.alerts:
            queue_publish(pipe, self.keys, alert, self.config.anomalies_maxlen)
        if outcome.normal:
            self.store.add_normal(pipe, window, self.config.retrain_windows)
        pipe.hset(
            self.keys.detector_state,
            mapping={"last_window": window.window_start, "last_score": round(outcome.score, 4)},
        )
        pipe.hincrby(self.keys.detector_state, "processed", 1)
        if self.model is not None:
            pipe.hincrby(self.keys.detector_state, "since_training", 1)

    def _current_model(self) -> FleetModel | None:
        """The shared model, reloaded (refitted) when another process stored a new one."""
        version = self.store.version()
        if version != self.model_version:
            self.model_version, self.model = self.store.load()
            log.info("loaded fingerprint model version %d", self.model_version)
        return self.model

    def _train_if_due(self) -> None:
        """Train once enough normal windows exist; retrain every ``retrain_every`` windows."""
        if self.model is None:
            count = self.store.normal_count()
            self.client.hset(
                self.keys.detector_state,
                mapping={
                    "status": "training",
                    "trained": count,
                    "needed": self.config.training_windows,
                },
            )
            if count >= self.config.training_windows:
                self._train()
            return
        since = self.client.hget(self.keys.detector_state, "since_training")
        if since is not None and int(since) >= self.config.retrain_every:
            self._train()

    def _train(self) -> None:
        """Fit on the recent normal windows and store the model, if this process may."""
        token = self.store.acquire()
        if token is None:
            return
        try:
            if self.store.version() != self.model_version:
                return
            windows = self.store.normal_windows(self.config.retrain_windows)
            try:
                model = FleetModel(windows, self.config.fleet)
            except ValueError as exc:
                log.warning("cannot train on %d windows: %s", len(windows), exc)
                return
            self.model_version = self.store.save(model, int(self.clock() * 1000))
            self.model = model
            log.info("trained model version %d on %d windows", self.model_version, len(windows))
        finally:
            self.store.release(token)
