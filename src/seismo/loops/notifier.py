"""The notifier: delivers alerts of ``anomalies`` to the receivers the routing file picks.

Any number of notifiers share the ``notifiers`` consumer group, so each alert is handled by
one; an alert is acknowledged in the group only once every delivery it asked for ended
(sent, dead-lettered, silenced or scheduled), and one pending past ``claim_idle_ms`` (its
notifier died) is taken over with XAUTOCLAIM. While a notifier works on an alert it renews
its claim, so a slow receiver does not hand the alert to a second notifier. Each delivery is
checked against its marker before it is sent and recorded with it after (``NotifyStore``),
so a takeover resends only what was not finished.

Every alert is its own task and every receiver its own delivery, so a receiver that hangs
delays nothing but itself; the detector never waits: it only appends to the stream.

Beside the stream the notifier follows ``feedback-stream`` (an operator's acknowledgement is
passed to the receivers that were told of the incident: PagerDuty acknowledges) and runs due
jobs: a group's wait, a repeat, an escalation step (skipped, and recorded as ``stopped``,
when the incident was acknowledged or resolved meanwhile).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, replace
from typing import Any

import redis.asyncio as aioredis

from seismo.alert.channels import Channel, ChannelEnv, build_channel
from seismo.alert.channels.base import OnFailure
from seismo.alert.routing import Routing, receiver_options
from seismo.engine.keys import Keys
from seismo.loops.notify_dispatch import Dispatcher, now_ms
from seismo.loops.notify_metrics import NotifyMetrics
from seismo.loops.notify_store import NotifyStore

log = logging.getLogger("seismo.notifier")
READ_COUNT = 100
MAX_IN_FLIGHT = 256
"""Entries handled at once by one notifier; past it, reading waits (a burst stays queued in
the stream, where another notifier can take its share)."""
ROOM_POLL_S = 0.01
DUE_SCAN = 1000
"""Due jobs looked at per poll: those of a receiver with no free slot are passed over."""
STOP_GRACE_S = 5.0
"""On stop, how long deliveries in hand may take before they are cancelled (their alerts
stay pending, for the next notifier, and their markers keep anything finished)."""
BLOCK_MS = 500


@dataclass(frozen=True)
class NotifierConfig:
    claim_idle_ms: int = 30_000
    poll_ms: int = 200
    deliveries_maxlen: int = 10_000


def counting_failures(metrics: NotifyMetrics, channel: str) -> OnFailure:
    """The hook that counts a channel's failed (to be retried) tries."""
    return lambda _: metrics.failed_try(channel)


class Notifier:
    def __init__(
        self,
        client: aioredis.Redis,
        keys: Keys,
        routing: Routing,
        env: ChannelEnv,
        config: NotifierConfig,
        consumer: str,
        metrics: NotifyMetrics,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.client = client
        self.keys = keys
        self.routing = routing
        self.config = config
        self.consumer = consumer
        self.metrics = metrics
        self.clock = clock
        self.store = NotifyStore(client, keys, config.deliveries_maxlen)
        self.channels: dict[str, Channel] = {
            name: build_channel(
                receiver.channel,
                replace(env, on_failure=counting_failures(metrics, receiver.channel)),
                receiver_options(receiver),
            )
            for name, receiver in routing.receivers.items()
        }
        self.dispatch = Dispatcher(self.store, routing, self.channels, metrics, clock)
        self.in_flight: set[str] = set()
        self.tasks: set[asyncio.Task[None]] = set()

    async def run(self, stop: asyncio.Event) -> None:
        """Deliver until ``stop`` is set, then finish the deliveries in hand."""
        await self.store.ensure_groups()
        loops = [
            self._follow(self.keys.anomalies, self._alert_entry, stop),
            self._follow(self.keys.feedback_stream, self._feedback_entry, stop),
            self._run_due_jobs(stop),
            self._renew_claims(stop),
        ]
        await asyncio.gather(*loops)
        if self.tasks:
            _, late = await asyncio.wait(self.tasks, timeout=STOP_GRACE_S)
            for task in late:
                task.cancel()
            await asyncio.gather(*self.tasks, return_exceptions=True)
        for channel in self.channels.values():
            await channel.close()

    # --- reading the streams --------------------------------------------------------------

    async def _follow(
        self,
        stream: str,
        handle: Callable[[str, dict[str, str]], Coroutine[Any, Any, None]],
        stop: asyncio.Event,
    ) -> None:
        """Hand every entry of ``stream`` (new ones, then taken-over ones) to ``handle``."""
        next_claim = 0.0
        while not stop.is_set():
            room = min(READ_COUNT, MAX_IN_FLIGHT - len(self.in_flight))
            if room <= 0:
                await asyncio.sleep(ROOM_POLL_S)
                continue
            entries: list[Any] = []
            if time.monotonic() >= next_claim:
                entries += await self._take_over(stream)
                next_claim = time.monotonic() + self.config.claim_idle_ms / 2000
            reply: Any = await self.client.xreadgroup(
                self.keys.notifier_group, self.consumer, {stream: ">"}, room, BLOCK_MS
            )
            for _, read in reply or []:
                entries += read
            for entry_id, fields in entries:
                if entry_id not in self.in_flight and fields:
                    self.in_flight.add(entry_id)
                    self._spawn(self._handled(stream, entry_id, fields, handle))

    async def _take_over(self, stream: str) -> list[Any]:
        reply = await self.client.xautoclaim(
            stream,
            self.keys.notifier_group,
            self.consumer,
            self.config.claim_idle_ms,
            "0-0",
            count=READ_COUNT,
        )
        return list(reply[1])

    async def _handled(
        self,
        stream: str,
        entry_id: str,
        fields: dict[str, str],
        handle: Callable[[str, dict[str, str]], Coroutine[Any, Any, None]],
    ) -> None:
        try:
            await handle(entry_id, fields)
            await self.client.xack(stream, self.keys.notifier_group, entry_id)
        except Exception:
            log.exception("entry %s of %s left pending for a retry", entry_id, stream)
        finally:
            self.in_flight.discard(entry_id)

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(work)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _renew_claims(self, stop: asyncio.Event) -> None:
        """Reset the idle time of the entries in hand, so no other notifier takes them."""
        every = self.config.claim_idle_ms / 3000
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), every)
            held: list[Any] = list(self.in_flight)
            if held:
                await self.client.xclaim(
                    self.keys.anomalies,
                    self.keys.notifier_group,
                    self.consumer,
                    0,
                    held,
                    justid=True,
                )
            self.metrics.queue_depth.set(await self.store.queue_depth())

    # --- one alert, one acknowledgement ---------------------------------------------------

    async def _alert_entry(self, _: str, fields: dict[str, str]) -> None:
        await self.dispatch.alert(json.loads(fields["alert"]))

    async def _feedback_entry(self, _: str, fields: dict[str, str]) -> None:
        if fields.get("feedback") != "acknowledged":
            return
        notice = {
            "id": fields["alert_id"],
            "incident_id": fields["incident_id"],
            "status": "acknowledged",
            "time": int(fields.get("time") or 0),
            "scope": fields.get("scope"),
            "target": fields.get("target"),
            "severity": "info",
            "summary": "acknowledged by an operator",
        }
        await self.dispatch.acknowledged(fields["incident_id"], notice)

    # --- scheduled jobs -----------------------------------------------------------------------

    async def _run_due_jobs(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            at = now_ms(self.clock)
            leased_until = at + self.config.claim_idle_ms
            for job_id in await self.store.due_jobs(at, DUE_SCAN):
                if not self.dispatch.can_run(job_id):
                    continue
                body = await self.store.lease(job_id, at, leased_until)
                if body is not None:
                    self._spawn(self._job(job_id, body, leased_until))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.config.poll_ms / 1000)

    async def _job(self, job_id: str, body: dict[str, Any], leased_until: int) -> None:
        try:
            await self.dispatch.job(body)
            await self.store.finish(job_id, leased_until)
        except Exception:
            log.exception("job %s failed; it runs again when its lease ends", job_id)
