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
from seismo.alert.channels.base import Delivery, OnFailure
from seismo.alert.model import AlertRecord
from seismo.alert.routing import Route, Routing, receiver_options
from seismo.alert.silence import holding
from seismo.engine.keys import Keys
from seismo.loops.notify_metrics import NotifyMetrics
from seismo.loops.notify_store import Attempt, NotifyStore

log = logging.getLogger("seismo.notifier")
READ_COUNT = 100
BLOCK_MS = 500
STOPPING_MARKS = ("acknowledged", "false_alarm")


@dataclass(frozen=True)
class NotifierConfig:
    claim_idle_ms: int = 30_000
    poll_ms: int = 200
    deliveries_maxlen: int = 10_000


def counting_failures(metrics: NotifyMetrics, channel: str) -> OnFailure:
    """The hook that counts a channel's failed (to be retried) tries."""
    return lambda _: metrics.failed_try(channel)


def now_ms(clock: Callable[[], float]) -> int:
    return int(clock() * 1000)


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
            entries: list[Any] = []
            if time.monotonic() >= next_claim:
                entries += await self._take_over(stream)
                next_claim = time.monotonic() + self.config.claim_idle_ms / 2000
            reply: Any = await self.client.xreadgroup(
                self.keys.notifier_group, self.consumer, {stream: ">"}, READ_COUNT, BLOCK_MS
            )
            for _, read in reply or []:
                entries += read
            for entry_id, fields in entries:
                if entry_id not in self.in_flight and fields:
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
        self.in_flight.add(entry_id)
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

    # --- one alert --------------------------------------------------------------------------

    async def _alert_entry(self, _: str, fields: dict[str, str]) -> None:
        alert: dict[str, Any] = json.loads(fields["alert"])
        if alert.get("suppressed_by"):
            return
        routes = self.routing.routes_for(alert)
        if routes:
            await self.route(alert, routes)

    async def route(self, alert: AlertRecord, routes: list[tuple[int, Route]]) -> None:
        """Deliver, hold (silence) or schedule ``alert`` for each route it takes."""
        at = now_ms(self.clock)
        silence = holding(await self.store.silences(), alert, at)
        if silence is not None:
            held = Delivery("-", "silenced", 0, 0.0, detail=silence.comment)
            attempt = Attempt(f"{alert['id']}:silenced", "-", alert, "silence")
            await self.store.record(attempt, held, at, silence.id)
            return
        incident = str(alert.get("incident_id"))
        work: list[Coroutine[Any, Any, object]] = []
        for index, route in routes:
            for receiver in route.receivers:
                work.append(self._notice(index, route, receiver, alert, at))
            if alert.get("status") == "open":
                await self._schedule_steps(index, route, alert, at)
        if alert.get("status") == "resolved":
            await self.store.cancel_incident(incident)
            told = await self.store.notified(incident)
            named = {r for _, route in routes for r in route.receivers}
            work += [self.deliver(r, alert, "resolve") for r in sorted(told - named)]
        await asyncio.gather(*work)

    async def _notice(
        self, index: int, route: Route, receiver: str, alert: AlertRecord, at: int
    ) -> None:
        """Send now, or join the group's wait (open) or interval (update)."""
        group = f"{index}:{alert.get('incident_id')}:{receiver}"
        status = alert.get("status")
        due = None
        if status == "open" and route.group_wait > 0:
            due = at + int(route.group_wait * 1000)
        elif status == "update":
            last = await self.store.last_notice_ms(group)
            if last is not None and at - last < route.group_interval * 1000:
                due = last + int(route.group_interval * 1000)
        if due is not None:
            body = {"kind": "group", "receiver": receiver, "alert": alert, "route": index}
            await self.store.schedule(f"group:{group}", due, body, keep_due=True)
            return
        await self._grouped_delivery(index, route, receiver, alert, "route")

    async def _grouped_delivery(
        self, index: int, route: Route, receiver: str, alert: AlertRecord, reason: str
    ) -> None:
        group = f"{index}:{alert.get('incident_id')}:{receiver}"
        delivery = await self.deliver(receiver, alert, reason)
        if delivery is not None and delivery.outcome == "sent":
            at = now_ms(self.clock)
            await self.store.noticed(group, at)
            if alert.get("status") != "resolved":
                body = {"kind": "repeat", "receiver": receiver, "alert": alert, "route": index}
                due = at + int(route.repeat_interval * 1000)
                await self.store.schedule(f"repeat:{group}", due, body, keep_due=False)

    async def _schedule_steps(self, index: int, route: Route, alert: AlertRecord, at: int) -> None:
        for number, step in enumerate(route.escalation):
            job = f"step:{index}:{alert.get('incident_id')}:{number}"
            body = {"kind": "step", "alert": alert, "route": index, "step": number}
            await self.store.schedule(job, at + int(step.after * 1000), body, keep_due=True)

    async def deliver(
        self, receiver: str, alert: AlertRecord, reason: str, occasion: str = ""
    ) -> Delivery | None:
        """Send ``alert`` to ``receiver`` unless that was done; record it with its marker."""
        delivery_id = f"{alert.get('id')}:{receiver}" + (f":{occasion}" if occasion else "")
        if await self.store.done(delivery_id):
            return None
        delivery = await self.channels[receiver].send(alert)
        self.metrics.observe(delivery)
        if delivery.outcome != "skipped":
            attempt = Attempt(delivery_id, receiver, alert, reason)
            await self.store.record(attempt, delivery, now_ms(self.clock))
        return delivery

    # --- operator marks -----------------------------------------------------------------------

    async def _feedback_entry(self, _: str, fields: dict[str, str]) -> None:
        if fields.get("feedback") != "acknowledged":
            return
        incident = fields["incident_id"]
        notice = {
            "id": fields["alert_id"],
            "incident_id": incident,
            "status": "acknowledged",
            "time": int(fields.get("time") or 0),
            "scope": fields.get("scope"),
            "target": fields.get("target"),
            "severity": "info",
            "summary": "acknowledged by an operator",
        }
        told = sorted(await self.store.notified(incident))
        await asyncio.gather(*(self.deliver(r, notice, "operator", "ack") for r in told))

    # --- scheduled jobs -----------------------------------------------------------------------

    async def _run_due_jobs(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            at = now_ms(self.clock)
            for job_id in await self.store.due_jobs(at):
                body = await self.store.lease(job_id, at, self.config.claim_idle_ms)
                if body is not None:
                    self._spawn(self._job(job_id, body))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.config.poll_ms / 1000)

    async def _job(self, job_id: str, body: dict[str, Any]) -> None:
        try:
            route = self.routing.routes[int(body["route"])]
            alert = body["alert"]
            if body["kind"] == "step":
                await self._step(route, int(body["step"]), alert)
            elif body["kind"] == "repeat":
                if await self.store.operator_mark(str(alert["incident_id"])) is None:
                    occasion = f"repeat{now_ms(self.clock)}"
                    await self.deliver(body["receiver"], alert, "repeat", occasion)
            else:
                await self._grouped_delivery(
                    int(body["route"]), route, body["receiver"], alert, "group"
                )
            await self.store.finish(job_id)
        except Exception:
            log.exception("job %s failed; it runs again when its lease ends", job_id)

    async def _step(self, route: Route, number: int, alert: AlertRecord) -> None:
        """An escalation step: its receivers, unless the incident was acknowledged."""
        step = route.escalation[number]
        reason = f"escalation step {number + 1}"
        mark = await self.store.operator_mark(str(alert["incident_id"]))
        if mark in STOPPING_MARKS:
            at = now_ms(self.clock)
            for receiver in step.receivers:
                stopped = Delivery(
                    self.routing.receivers[receiver].channel, "stopped", 0, 0.0, detail=mark or ""
                )
                attempt = Attempt(f"{alert['id']}:{receiver}:step{number}", receiver, alert, reason)
                await self.store.record(attempt, stopped, at)
            return
        await asyncio.gather(
            *(self.deliver(r, alert, reason, f"step{number}") for r in step.receivers)
        )
