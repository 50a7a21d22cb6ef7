"""Sends events to the collector's ``/api/batch``: each batch with its own id, retried.

A retry reuses the batch id, so a batch that reached Redis before its answer was lost
counts once. Waits are bounded: the backoff grows to ``MAX_WAIT_S`` and a ``Retry-After``
asking for longer is capped there, so an agent never sleeps for an hour on one header.
A batch that still fails after ``attempts`` is dropped and counted: the agent goes on
instead of holding an ever larger backlog in memory.
"""

from __future__ import annotations

import contextlib
import sys
import threading
import time
import uuid
from collections.abc import Callable
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

MAX_WAIT_S = 30.0
RETRIED = {429, 500, 502, 503, 504}


def retry_delay(
    retry_after: str | None, attempt: int, now: float, cap: float = MAX_WAIT_S
) -> float:
    """Seconds to wait before retry ``attempt`` (1, 2, ...): ``Retry-After`` when given (as
    seconds or an HTTP date), else exponential backoff from 0.5 s; never above ``cap``."""
    wanted = 0.5 * 2 ** min(attempt - 1, 16)
    if retry_after:
        text = retry_after.strip()
        if text.isdigit():
            wanted = float(text)
        else:
            with contextlib.suppress(TypeError, ValueError):
                wanted = parsedate_to_datetime(text).timestamp() - now
    return float(max(0.0, min(wanted, cap)))


class Sender:
    """Posts batches to one collector; counts what was sent and what was dropped.

    ``attempts=None`` retries until the batch lands or ``stop`` is set: the tail agent's
    choice, whose log file keeps what it has not read yet (it reads nothing while it waits).
    ``api_key`` (``SEISMO_API_KEY``, scope ingest) is sent as ``Authorization: Bearer``.
    """

    def __init__(
        self,
        collector_url: str,
        attempts: int | None = 5,
        timeout_s: float = 10.0,
        stop: threading.Event | None = None,
        sleep: Callable[[float], object] | None = None,
        api_key: str = "",
    ) -> None:
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self.http = httpx.Client(
            base_url=collector_url.rstrip("/"), timeout=timeout_s, headers=headers
        )
        self.attempts = attempts
        self.stop = stop
        self.sleep = sleep or (stop.wait if stop is not None else time.sleep)
        self.sent = 0
        self.dropped = 0

    def send(self, events: list[dict[str, Any]]) -> bool:
        """Send ``events`` as one batch; True once the collector stored it."""
        if not events:
            return True
        body = {"batch_id": f"agent-{uuid.uuid4().hex}", "metrics": events}
        attempt = 0
        while True:
            attempt += 1
            answer = self._post(body)
            if answer is not None and answer.status_code not in RETRIED:
                return self._settled(answer, len(events))
            if self._given_up(attempt):
                return self._drop(len(events), "collector unavailable")
            retry_after = answer.headers.get("retry-after") if answer is not None else None
            self.sleep(retry_delay(retry_after, attempt, time.time()))

    def _given_up(self, attempt: int) -> bool:
        if self.stop is not None and self.stop.is_set():
            return True
        return self.attempts is not None and attempt >= self.attempts

    def _post(self, body: dict[str, Any]) -> httpx.Response | None:
        try:
            return self.http.post("/api/batch", json=body)
        except httpx.TransportError:
            return None

    def _settled(self, answer: httpx.Response, count: int) -> bool:
        if answer.is_error:
            return self._drop(count, f"collector refused the batch: {answer.text[:500]}")
        self.sent += count
        return True

    def _drop(self, count: int, reason: str) -> bool:
        self.dropped += count
        print(f"seismo agent: dropped {count} events: {reason}", file=sys.stderr)
        return False

    def close(self) -> None:
        self.http.close()
