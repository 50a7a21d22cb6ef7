"""What every alert channel shares: the ``Delivery`` it returns, and tries with backoff.

A channel is a small class whose public ``send(alert)`` checks the alert and runs the tries;
its private hook ``_attempt(alert)`` makes one try and says how it ended (``Try``). The tries
follow ``RetryPolicy``: a timeout each, exponential backoff with full jitter between them, a
server's ``Retry-After`` (429 or 503) honoured up to the cap, and no retry of an answer that
cannot change (a 4xx other than 408 and 429). ``send`` never raises for a receiver's fault:
what happened is in the ``Delivery``, which the notifier records.

The alert's ``status`` says what the notice is: ``open``, ``update``, ``resolved``, or
``acknowledged`` (an operator acknowledged its incident in the dashboard).
"""

from __future__ import annotations

import asyncio
import random
import time
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import ClassVar

from seismo.alert.model import AlertRecord

OnFailure = Callable[["Try"], None]
CONCURRENCY = 16
"""Deliveries in flight to one receiver; more wait their turn before their first try starts,
so a burst queues here instead of timing out in the HTTP client's connection pool."""
ACTIONS = ("open", "update", "resolved", "acknowledged")
"""A notice's kind: an alert's status, or an operator's acknowledgement of its incident."""
OUTCOMES = ("sent", "failed", "dead_letter", "silenced", "skipped", "stopped")
"""How a delivery ended: ``failed`` is one try that will be retried (metrics only),
``skipped`` a channel with nothing to say for this notice, ``stopped`` an escalation step
an acknowledgement or a resolve made unneeded."""


@dataclass(frozen=True)
class RetryPolicy:
    """How hard one delivery tries. Tests use short times; the defaults come from settings."""

    timeout_s: float = 5.0
    attempts: int = 5
    backoff_s: float = 1.0
    backoff_cap_s: float = 60.0
    rng: random.Random = field(default_factory=random.Random, compare=False)

    def wait_before(self, attempt: int, retry_after_s: float | None) -> float:
        """Seconds to wait before try ``attempt`` (2, 3, ...): the server's ``Retry-After``
        when it gave one, else full jitter over an exponential backoff; capped both ways."""
        if retry_after_s is not None:
            return min(max(retry_after_s, 0.0), self.backoff_cap_s)
        ceiling = min(self.backoff_cap_s, self.backoff_s * 2 ** (attempt - 2))
        return self.rng.uniform(0.0, ceiling)


@dataclass(frozen=True)
class ChannelEnv:
    """What every channel gets besides its receiver's own options: the retry policy, the
    dashboard address for links, the default webhook secret, and a hook told of each failed
    try that will be retried (the notifier counts it)."""

    policy: RetryPolicy = field(default_factory=RetryPolicy)
    dashboard_url: str = "http://127.0.0.1:8080"
    webhook_secret: str = ""
    on_failure: OnFailure | None = None


@dataclass(frozen=True)
class Try:
    """How one try ended: ``ok``, or an error that may be retried (after ``retry_after_s``)."""

    ok: bool
    status: int | None = None
    error: str | None = None
    retryable: bool = True
    retry_after_s: float | None = None
    detail: str = ""


@dataclass(frozen=True)
class Delivery:
    """The end of one delivery: outcome, tries, time from first try to last answer."""

    channel: str
    outcome: str
    attempts: int
    latency_ms: float
    status: int | None = None
    error: str | None = None
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.outcome in ("sent", "skipped")

    def to_fields(self) -> dict[str, str]:
        """The ``deliveries`` stream fields this delivery contributes."""
        return {
            "channel": self.channel,
            "outcome": self.outcome,
            "attempts": str(self.attempts),
            "latency_ms": f"{self.latency_ms:.1f}",
            "status": "" if self.status is None else str(self.status),
            "error": self.error or "",
            "detail": self.detail,
        }


TryHook = Callable[[], Awaitable[Try]]


async def with_retries(
    channel: str, policy: RetryPolicy, attempt: TryHook, on_failure: OnFailure | None = None
) -> Delivery:
    """Run ``attempt`` until it succeeds, fails for good, or the policy's tries are spent."""
    started = time.perf_counter()
    result = Try(ok=False, error="not tried")
    tries = 0
    for tries in range(1, policy.attempts + 1):
        if tries > 1:
            await asyncio.sleep(policy.wait_before(tries, result.retry_after_s))
        try:
            result = await asyncio.wait_for(attempt(), policy.timeout_s)
        except TimeoutError:
            result = Try(ok=False, error=f"no answer within {policy.timeout_s:g} s")
        if result.ok or not result.retryable:
            break
        if on_failure is not None and tries < policy.attempts:
            on_failure(result)
    latency_ms = (time.perf_counter() - started) * 1000
    outcome = "sent" if result.ok else "dead_letter"
    return Delivery(channel, outcome, tries, latency_ms, result.status, result.error, result.detail)


class Channel(ABC):
    """One kind of receiver. Subclasses set ``name`` and implement ``_attempt``."""

    name: ClassVar[str]

    def __init__(self, env: ChannelEnv) -> None:
        self.env = env
        self.policy = env.policy
        self.slots = asyncio.Semaphore(CONCURRENCY)

    async def send(self, alert: AlertRecord) -> Delivery:
        """Deliver one notice; what happened is in the answer, never an exception."""
        action = str(alert.get("status"))
        if action not in ACTIONS:
            raise ValueError(f"alert status must be one of {ACTIONS}, not {action!r}")
        if not self._handles(action):
            return Delivery(self.name, "skipped", 0, 0.0, detail=f"{action}: not sent here")
        async with self.slots:
            return await with_retries(
                self.name, self.policy, lambda: self._attempt(alert), self.env.on_failure
            )

    def _handles(self, action: str) -> bool:
        """Whether this channel says anything for ``action`` (most skip acknowledgements)."""
        return action != "acknowledged"

    @abstractmethod
    async def _attempt(self, alert: AlertRecord) -> Try:
        """One try at delivering ``alert``."""

    async def close(self) -> None:  # noqa: B027 (most channels hold nothing)
        """Release what the channel holds (its HTTP client)."""
