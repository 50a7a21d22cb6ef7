"""What the chaos benchmark reads from Redis and the dashboard while and after a fault.

A ``Snapshot`` of the counters that say whether windows were closed and scored once; the
markers of a phase's events found in the streams; the alert ids stored and heard; and
background watchers (role restarts, the first fingerprint after a fault, the dashboard's
health) that keep going while Redis is down.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import redis

from seismo.bench.chaos_count import Answer
from seismo.bench.chaos_stack import Stack
from seismo.engine.connection import text
from seismo.engine.keys import Keys

KEYS = Keys()
POLL_S = 0.1
PROBE_S = 0.25
READ_CHUNK = 5000
Log = Callable[[str], None]


def now_ms() -> int:
    return int(time.time() * 1000)


def quick_client(url: str) -> redis.Redis:
    """A client for a watcher: short timeouts, so a paused Redis does not stall it long."""
    return redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=1)


@dataclass(frozen=True)
class Snapshot:
    """Counters read in one transaction: fingerprints written and applied, and where the
    fingerprint and alert streams end."""

    fingerprints: int
    processed: int
    pending: int
    skipped: int
    last_fingerprint_id: str
    last_window: int | None
    last_alert_id: str


def snapshot(client: redis.Redis) -> Snapshot:
    """The counters now (raises ``redis.RedisError`` while Redis is away)."""
    pipe = client.pipeline(transaction=True)
    pipe.xlen(KEYS.fingerprints)
    pipe.hget(KEYS.detector_state, "processed")
    pipe.xpending(KEYS.fingerprints, KEYS.detector_group)
    pipe.hget(KEYS.state, "skipped_windows")
    pipe.xrevrange(KEYS.fingerprints, count=1)
    pipe.xrevrange(KEYS.anomalies, count=1)
    replies: list[Any] = pipe.execute(raise_on_error=False)
    length, processed, pending, skipped, last_fp, last_alert = replies
    pending_count = 0 if isinstance(pending, Exception) else int(pending["pending"])
    fp_id, window = "0-0", None
    if last_fp:
        fp_id, fields = text(last_fp[0][0]), last_fp[0][1]
        window = int(fields[b"window_start"])
    return Snapshot(
        fingerprints=int(length),
        processed=int(processed or 0),
        pending=pending_count,
        skipped=int(skipped or 0),
        last_fingerprint_id=fp_id,
        last_window=window,
        last_alert_id=text(last_alert[0][0]) if last_alert else "0-0",
    )


def snapshot_when_up(client: redis.Redis, timeout_s: float = 60.0) -> Snapshot:
    """A snapshot, waiting (bounded) while Redis restarts or loads its data."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            return snapshot(client)
        except redis.RedisError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def settled(client: redis.Redis, last_event_ms: int, window_ms: int, timeout_s: float) -> Snapshot:
    """Wait until the window of the last event is closed and every fingerprint so far is
    applied (none pending); the snapshot then, or the last one at the timeout."""
    target = last_event_ms // window_ms * window_ms
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            snap = snapshot(client)
        except redis.RedisError:
            snap = None
        if snap is not None:
            closed = snap.last_window is not None and snap.last_window >= target
            if closed and snap.pending == 0 and snap.processed >= snap.fingerprints:
                return snap
            if time.monotonic() > deadline:
                return snap
        elif time.monotonic() > deadline:
            return snapshot_when_up(client)
        time.sleep(0.2)


def window_starts(client: redis.Redis, after_id: str, upto_id: str) -> list[int]:
    """Window starts of the fingerprints after ``after_id`` up to ``upto_id``, in order."""
    entries: Any = client.xrange(KEYS.fingerprints, min=f"({after_id}", max=upto_id)
    return [int(fields[b"window_start"]) for _, fields in entries]


def alert_ids(client: redis.Redis, after_id: str) -> list[str]:
    """Ids of the alerts appended to ``anomalies`` after ``after_id``."""
    entries: Any = client.xrange(KEYS.anomalies, min=f"({after_id}", max="+")
    ids = []
    for _, fields in entries:
        try:
            ids.append(str(json.loads(fields[b"alert"])["id"]))
        except (KeyError, ValueError, TypeError):
            ids.append("unreadable")
    return ids


def stored_markers(client: redis.Redis, since_ms: int, prefix: str) -> Counter[str]:
    """How many stream entries carry each marker starting with ``prefix``: application
    events by ``user_id``, logs by ``trace_id``, business KPIs by their metadata's
    ``marker``, appended since ``since_ms``."""
    found: Counter[str] = Counter()
    wanted = prefix.encode()
    streams = (
        (KEYS.detailed_metrics, _field(b"user_id")),
        (KEYS.log_stream, _field(b"trace_id")),
        (KEYS.business_stream, _metadata_marker),
    )
    for stream, marker_of in streams:
        for fields in _entries_since(client, stream, since_ms):
            marker = marker_of(fields)
            if marker.startswith(wanted):
                found[marker.decode()] += 1
    return found


def _field(name: bytes) -> Callable[[dict[bytes, bytes]], bytes]:
    return lambda fields: fields.get(name, b"")


def _metadata_marker(fields: dict[bytes, bytes]) -> bytes:
    try:
        return str(json.loads(fields.get(b"metadata", b"{}")).get("marker", "")).encode()
    except (ValueError, AttributeError):
        return b""


def _entries_since(client: redis.Redis, stream: str, since_ms: int) -> Iterator[Any]:
    """The fields of every entry appended since ``since_ms``, read in chunks."""
    start = f"{since_ms}-0"
    while True:
        entries: Any = client.xrange(stream, min=start, max="+", count=READ_CHUNK)
        for _, fields in entries:
            yield fields
        if len(entries) < READ_CHUNK:
            return
        start = "(" + text(entries[-1][0])


@dataclass
class Watchers:
    """Background loops for one run: role restarts, alerts heard, and per phase the first
    fingerprint after the fault and the dashboard's answers."""

    stack: Stack
    log: Log
    fault_ms: int | None = None
    first_fingerprint_ms: int | None = None
    dashboard: list[Answer] = field(default_factory=list)
    heard: list[tuple[int, str]] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)
    threads: list[threading.Thread] = field(default_factory=list)

    def start(self) -> None:
        for loop in (self._revive, self._fingerprints, self._probe, self._listen):
            thread = threading.Thread(target=loop, daemon=True)
            thread.start()
            self.threads.append(thread)

    def close(self) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=10)

    def new_phase(self) -> None:
        self.fault_ms = None
        self.first_fingerprint_ms = None
        self.dashboard = []

    def fault_at(self, when_ms: int) -> None:
        self.fault_ms = when_ms

    def _revive(self) -> None:
        while not self.stop.wait(0.2):
            for line in self.stack.revive():
                self.log(line)

    def _fingerprints(self) -> None:
        client = quick_client(self.stack.server.url)
        while not self.stop.wait(POLL_S):
            fault = self.fault_ms
            if fault is None or self.first_fingerprint_ms is not None:
                continue
            try:
                newest: Any = client.xrevrange(KEYS.fingerprints, count=1)
            except redis.RedisError:
                continue
            if newest:
                appended = int(text(newest[0][0]).split("-")[0])
                if appended > fault:
                    self.first_fingerprint_ms = appended - fault
        client.close()

    def _probe(self) -> None:
        with httpx.Client(timeout=2.0) as http:
            while not self.stop.wait(PROBE_S):
                sent = now_ms()
                try:
                    response = http.get(f"{self.stack.dashboard_url}/health")
                    status, retry = response.status_code, "retry-after" in response.headers
                except httpx.HTTPError:
                    status, retry = 0, False
                self.dashboard.append(Answer("dashboard", sent, now_ms(), status, retry))

    def _listen(self) -> None:
        while not self.stop.is_set():
            try:
                self._listen_once()
            except redis.RedisError:
                self.stop.wait(0.5)

    def _listen_once(self) -> None:
        client = quick_client(self.stack.server.url)
        pubsub = client.pubsub(ignore_subscribe_messages=True)
        try:
            pubsub.subscribe(KEYS.alerts)
            while not self.stop.is_set():
                message = pubsub.get_message(timeout=0.5)
                if message is not None and message.get("type") == "message":
                    alert_id = str(json.loads(message["data"]).get("id"))
                    self.heard.append((now_ms(), alert_id))
        finally:
            pubsub.close()
            client.close()

    def heard_between(self, start_ms: int, end_ms: int) -> list[str]:
        return [alert_id for when, alert_id in list(self.heard) if start_ms <= when <= end_ms]
