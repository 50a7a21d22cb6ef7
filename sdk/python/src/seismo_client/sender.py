"""The background sender: batches queued events into ``POST /api/batch`` from one thread.

The application thread only appends to a bounded queue (see ``queue``); everything slow —
encoding, the network, waiting out an outage — happens here. A batch keeps its ``batch_id``
across retries, so a batch the collector stored but whose answer was lost is not counted
twice. At interpreter exit the queue is flushed for at most ``exit_timeout_s`` seconds, so
a short script's events are stored when it ends, and a collector that is down delays the
exit by that bound at most.
"""

from __future__ import annotations

import atexit
import http.client
import math
import os
import random
import threading
import time
import uuid
import weakref
from dataclasses import dataclass, field
from typing import Any

from seismo_client.queue import DropOldestQueue
from seismo_client.retry import RETRIED_STATUSES, RetryPolicy, retry_after_seconds
from seismo_client.transport import Answer, Transport

BATCH_PATH = "/api/batch"


@dataclass
class Stats:
    """What became of the events: stored, dropped when the queue was full, refused by the
    collector, given up after the last retry, and how many retries it took."""

    sent: int = 0
    dropped: int = 0
    rejected: int = 0
    failed: int = 0
    retries: int = 0
    errors: int = 0


@dataclass(frozen=True)
class SenderSettings:
    """Batch size and interval, queue bound, retries and the wait at exit."""

    batch_size: int = 500
    """Events per request: sending 500 at a time costs the sender thread about half the CPU
    per event of 100 (measured with the bench app), and the collector takes up to 10,000."""
    flush_interval_s: float = 1.0
    max_queue: int = 10_000
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    exit_timeout_s: float = 5.0


class Sender:
    """Owns the queue, the sender thread and its ``Transport``."""

    def __init__(self, transport: Transport, settings: SenderSettings) -> None:
        self.transport = transport
        self.settings = settings
        self.stats = Stats()
        self._queue = DropOldestQueue(settings.max_queue)
        self._wake = threading.Event()
        self._closing = threading.Event()
        self._idle = threading.Condition()
        self._in_flight = False
        self._deadline = math.inf
        self._thread: threading.Thread | None = None
        self._running = False
        """Set while the thread runs (cheaper to read on every event than ``is_alive``)."""
        self._start_lock = threading.Lock()
        self._rng = random.Random()
        atexit.register(self.close)
        after_fork = weakref.WeakMethod(self._after_fork)
        os.register_at_fork(after_in_child=lambda: (method := after_fork()) and method())

    def put(self, event: dict[str, Any]) -> None:
        """Queue ``event``; wake the thread each time another full batch is waiting.

        Never blocks. Waking it only on each ``batch_size``-th event (and not while the
        queue is full: the thread is behind already) keeps a call a few microseconds.
        """
        if not self._running:
            self._start()
        length = self._queue.put(event)
        if length % self.settings.batch_size == 0 and length < self.settings.max_queue:
            self._wake.set()
        self.stats.dropped = self._queue.dropped

    def flush(self, timeout_s: float) -> bool:
        """Send everything queued now; True when the queue emptied within ``timeout_s``."""
        self._wake.set()
        with self._idle:
            return self._idle.wait_for(self._is_idle, timeout_s)

    def close(self, timeout_s: float | None = None) -> None:
        """Flush for at most ``timeout_s`` (default: the exit timeout); the thread then ends.

        Retries are cut short at that deadline. An event queued after this restarts the
        thread, which sends it without retries and ends again.
        """
        wait = self.settings.exit_timeout_s if timeout_s is None else timeout_s
        self._deadline = time.monotonic() + wait
        self._closing.set()
        if self._running:
            self.flush(wait)
        atexit.unregister(self.close)

    def _start(self) -> None:
        with self._start_lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="seismo-sender", daemon=True)
                self._running = True
                self._thread.start()

    def _after_fork(self) -> None:
        """In a forked child (a pre-forking server's worker) no sender thread runs, and the
        parent's connection is not this process's to use: start afresh on the next event."""
        self._running = False
        self._thread = None
        self._start_lock = threading.Lock()
        self._idle = threading.Condition()
        self.transport.forget()

    def _is_idle(self) -> bool:
        return not self._in_flight and len(self._queue) == 0

    def _run(self) -> None:
        """Send a batch when one is full or the interval passed; end after ``close``."""
        while True:
            self._wake.wait(self.settings.flush_interval_s)
            self._wake.clear()
            while self._send_one():
                pass
            if self._closing.is_set():
                self._running = False
                self.transport.close()
                return

    def _send_one(self) -> bool:
        """Send one batch from the queue; False when it was empty."""
        with self._idle:
            events = self._queue.take(self.settings.batch_size)
            self._in_flight = bool(events)
        try:
            if events:
                self._deliver(events)
        except Exception:  # the thread must outlive any surprise, or events pile up forever
            self.stats.errors += 1
        finally:
            with self._idle:
                self._in_flight = False
                self._idle.notify_all()
        return bool(events)

    def _deliver(self, events: list[dict[str, Any]]) -> None:
        payload = {"batch_id": uuid.uuid4().hex, "metrics": events}
        policy = self.settings.retry
        for attempt in range(policy.attempts):
            answer = self._post(payload)
            if answer is not None and answer.status not in RETRIED_STATUSES:
                self._settle(answer, len(events))
                return
            retry_after = retry_after_seconds(answer.retry_after if answer else None)
            delay = policy.delay(attempt, retry_after, self._rng)
            last = attempt + 1 == policy.attempts
            if last or time.monotonic() + delay > self._deadline:
                break
            self.stats.retries += 1
            self._closing.wait(delay)
        self.stats.failed += len(events)

    def _post(self, payload: dict[str, Any]) -> Answer | None:
        try:
            return self.transport.request("POST", BATCH_PATH, payload)
        except (OSError, http.client.HTTPException):
            return None

    def _settle(self, answer: Answer, count: int) -> None:
        body = answer.body if isinstance(answer.body, dict) else {}
        if 200 <= answer.status < 300:
            rejected = int(body.get("rejected", 0))
            self.stats.sent += count - rejected
            self.stats.rejected += rejected
        else:
            self.stats.rejected += count
