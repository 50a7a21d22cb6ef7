"""The chaos benchmark's load: marked events at a steady rate, answers recorded one by one.

Every event carries a marker unique to the run (``user_id`` of an application event,
``trace_id`` of a log), so what reached Redis can be checked event by event. Batches
(``/api/batch`` with a ``batch_id``) are retried until a 2xx, as a careful client would:
the collector counts a retried batch once. Single events (``/api/metrics``) are sent once,
never retried (a retry without an id could count twice). Requests are paced open-loop: a
stalled server makes them queue, as real clients would, rather than slowing the load down.

The generator runs on its own event loop in a thread; ``LoadRun.stop`` stops producing,
waits for the answers and retries in flight (bounded), and returns the record.
"""

from __future__ import annotations

import asyncio
import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

import msgspec

from seismo.bench.chaos_count import Answer
from seismo.bench.loadgen import post_request

SERVICES = [f"svc-{i:02d}" for i in range(8)]
ENDPOINTS = ["GET:/api/items", "POST:/api/orders", "GET:/api/users/{id}"]
REQUEST_TIMEOUT_S = 10.0
RECONNECT_PAUSE_S = 0.2
MAX_RETRY_PAUSE_S = 2.0
TICK_S = 0.02


@dataclass(frozen=True)
class LoadShape:
    """How much to send: events per second, the share sent one by one, the batch size."""

    rate: float = 2000.0
    single_share: float = 0.1
    batch_size: int = 100
    log_share: float = 0.05
    batch_connections: int = 4
    single_connections: int = 16
    kpi_period_s: int = 10
    """Each batch carries one business KPI, out of its expected range for the first
    ``kpi_bad_s`` seconds of every period: incidents open and resolve all along, so the
    alerts are there to be counted."""
    kpi_bad_s: int = 2

    @property
    def batches_per_s(self) -> float:
        return self.rate * (1 - self.single_share) / self.batch_size

    @property
    def singles_per_s(self) -> float:
        return self.rate * self.single_share


@dataclass
class LoadRecord:
    """What the client saw in one phase: events sent and acknowledged, every answer.

    Untracked (a long soak), only the counts are kept, not every marker and answer.
    """

    track: bool = True
    acked: set[str] = field(default_factory=set)
    sent: set[str] = field(default_factory=set)
    answers: list[Answer] = field(default_factory=list)
    sent_count: int = 0
    acked_count: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    bad_5xx: int = 0
    retries: int = 0

    def note_sent(self, markers: list[str]) -> None:
        self.sent_count += len(markers)
        if self.track:
            self.sent.update(markers)

    def note_answer(self, answer: Answer, markers: list[str]) -> None:
        self.statuses[answer.status] += 1
        self.bad_5xx += answer.bad_5xx
        if answer.ok:
            self.acked_count += len(markers)
        if self.track:
            self.answers.append(answer)
            if answer.ok:
                self.acked.update(markers)


def now_ms() -> int:
    return int(time.time() * 1000)


@dataclass
class Marks:
    """Unique markers for one phase: ``<run>-<phase>-<n>``."""

    prefix: str
    count: int = 0

    def next(self) -> str:
        self.count += 1
        return f"{self.prefix}-{self.count}"


def app_event(rng: random.Random, marker: str, timestamp: int) -> dict[str, object]:
    """An application event in the canonical flat shape, marked by ``user_id``."""
    return {
        "service": rng.choice(SERVICES),
        "endpoint": rng.choice(ENDPOINTS),
        "caller": rng.choice(SERVICES),
        "response_time": round(rng.lognormvariate(3.0, 0.5), 2),
        "status_code": 500 if rng.random() < 0.01 else 200,
        "timestamp": timestamp,
        "user_id": marker,
    }


def log_event(rng: random.Random, marker: str, timestamp: int) -> dict[str, object]:
    """A log event, marked by ``trace_id``."""
    return {
        "level": "warning" if rng.random() < 0.1 else "info",
        "message": "chaos bench event",
        "service": rng.choice(SERVICES),
        "trace_id": marker,
        "timestamp": timestamp,
    }


def kpi_event(shape: LoadShape, marker: str, timestamp: int) -> dict[str, object]:
    """A business KPI marked in its metadata, out of range in part of each period."""
    bad = timestamp // 1000 % shape.kpi_period_s < shape.kpi_bad_s
    return {
        "metric_name": "chaos_kpi",
        "value": 500.0 if bad else 50.0,
        "expected_range": [0.0, 100.0],
        "metadata": {"marker": marker},
        "timestamp": timestamp,
    }


def batch_body(
    rng: random.Random, marks: Marks, shape: LoadShape, batch_id: str
) -> tuple[bytes, list[str]]:
    """A batch of marked events (a KPI, a share of logs, application events) and its
    markers."""
    items, markers, timestamp = [], [], now_ms()
    for number in range(shape.batch_size):
        marker = marks.next()
        markers.append(marker)
        if number == 0:
            items.append({"type": "business_metric", **kpi_event(shape, marker, timestamp)})
        elif rng.random() < shape.log_share:
            items.append({"type": "log", **log_event(rng, marker, timestamp)})
        else:
            items.append({"type": "application", **app_event(rng, marker, timestamp)})
    return msgspec.json.encode({"batch_id": batch_id, "metrics": items}), markers


@dataclass
class Request:
    """One request to send: path, body, the markers it carries, whether to retry it."""

    path: str
    body: bytes
    markers: list[str]
    retry: bool
    kind: str


class Connection:
    """One keep-alive HTTP/1.1 connection that reconnects after any failure."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post(self, path: str, body: bytes) -> tuple[int, bool]:
        """(status, has Retry-After); status 0 when no answer came (refused, reset, timeout)."""
        try:
            return await asyncio.wait_for(self._post(path, body), REQUEST_TIMEOUT_S)
        except (OSError, asyncio.IncompleteReadError, TimeoutError, ValueError):
            self.close()
            return 0, False

    async def _post(self, path: str, body: bytes) -> tuple[int, bool]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        self.writer.write(post_request(self.host, self.port, path, body))
        head = await self.reader.readuntil(b"\r\n\r\n")
        status, length, retry_after, close = int(head[9:12]), 0, False, False
        for line in head.lower().split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name == b"content-length":
                length = int(value)
            elif name == b"retry-after":
                retry_after = True
            elif name == b"connection" and value.strip() == b"close":
                close = True
        await self.reader.readexactly(length)
        if close:
            self.close()
        return status, retry_after

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


class LoadRun:
    """Marked load against the collector at ``host:port`` for one phase."""

    def __init__(
        self, host: str, port: int, shape: LoadShape, prefix: str, seed: int, track: bool = True
    ) -> None:
        self.host, self.port, self.shape = host, port, shape
        self.marks = Marks(prefix)
        self.rng = random.Random(seed)
        self.record = LoadRecord(track)
        self.batches = 0
        self._loop = asyncio.new_event_loop()
        self._producing = threading.Event()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._queues: dict[str, asyncio.Queue[Request]] = {}
        self._busy = 0
        self._tasks: list[asyncio.Future[None]] = []

    def start(self) -> None:
        self._producing.set()
        self._thread.start()
        future = asyncio.run_coroutine_threadsafe(self._start(), self._loop)
        future.result()

    async def _start(self) -> None:
        shape = self.shape
        self._queues = {"batch": asyncio.Queue(), "single": asyncio.Queue()}
        workers = [("batch", shape.batch_connections), ("single", shape.single_connections)]
        for kind, count in workers:
            for _ in range(count):
                self._tasks.append(asyncio.ensure_future(self._worker(kind)))
        self._tasks.append(asyncio.ensure_future(self._produce()))

    def stop(self, drain_s: float) -> LoadRecord:
        """Stop producing; wait up to ``drain_s`` for answers and retries; the record."""
        self._producing.clear()
        deadline = time.monotonic() + drain_s
        while time.monotonic() < deadline and (self._pending() or self._busy):
            time.sleep(0.05)
        asyncio.run_coroutine_threadsafe(self._cancel(), self._loop).result()
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join()
        self._loop.close()
        return self.record

    def _pending(self) -> int:
        return sum(q.qsize() for q in self._queues.values())

    async def _cancel(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _produce(self) -> None:
        started, batches, singles = time.monotonic(), 0, 0
        shape = self.shape
        while self._producing.is_set():
            elapsed = time.monotonic() - started
            while batches < int(elapsed * shape.batches_per_s) + 1:
                batches += 1
                self._queue_batch()
            while singles < int(elapsed * shape.singles_per_s) + 1:
                singles += 1
                self._queue_single()
            await asyncio.sleep(TICK_S)

    def _queue_batch(self) -> None:
        self.batches += 1
        batch_id = f"{self.marks.prefix}-b{self.batches}"
        body, markers = batch_body(self.rng, self.marks, self.shape, batch_id)
        self.record.note_sent(markers)
        self._queues["batch"].put_nowait(Request("/api/batch", body, markers, True, "batch"))

    def _queue_single(self) -> None:
        marker = self.marks.next()
        body = msgspec.json.encode(app_event(self.rng, marker, now_ms()))
        self.record.note_sent([marker])
        self._queues["single"].put_nowait(Request("/api/metrics", body, [marker], False, "single"))

    async def _worker(self, kind: str) -> None:
        connection = Connection(self.host, self.port)
        queue = self._queues[kind]
        try:
            while True:
                request = await queue.get()
                self._busy += 1
                try:
                    await self._send(connection, request)
                finally:
                    self._busy -= 1
        finally:
            connection.close()

    async def _send(self, connection: Connection, request: Request) -> None:
        sent = now_ms()
        status, retry_after = await connection.post(request.path, request.body)
        answer = Answer(request.kind, sent, now_ms(), status, retry_after)
        self.record.note_answer(answer, request.markers)
        if answer.ok:
            return
        if request.retry:
            self.record.retries += 1
            pause = MAX_RETRY_PAUSE_S if retry_after else RECONNECT_PAUSE_S
            self._busy += 1
            self._loop.call_later(pause, self._requeue, request)

    def _requeue(self, request: Request) -> None:
        self._busy -= 1
        self._queues[request.kind].put_nowait(request)
