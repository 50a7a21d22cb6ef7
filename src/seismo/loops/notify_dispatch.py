"""What the notifier does with one alert, one acknowledgement or one due job.

An alert that a silence holds is recorded with that silence and goes nowhere. Otherwise,
for each route it takes, each receiver is told now or joins its group's job: the first
notice of an incident waits ``group_wait``, an update within ``group_interval`` of the last
notice waits for the interval's end, and an alert that arrives while its group waits
replaces the waiting one (keeping ``open`` when that was the group's first notice). After a
notice a reminder is scheduled ``repeat_interval`` later, and an open alert schedules its
route's escalation steps. A resolved alert cancels the incident's waiting jobs and goes to
every receiver told of the incident. A due step or reminder is dropped (the step recorded
as ``stopped``) once an operator marked the incident.

A notice for a receiver whose delivery slots are all taken (it is slow or down) waits as
a job due now instead, so its alert is acknowledged and the notifier reads on: a dead
receiver holds at most its own slots, never the other receivers' alerts.

Every send goes through ``deliver``: skipped when its marker exists, recorded with its
marker after.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Coroutine
from typing import Any

from seismo.alert.channels import Channel
from seismo.alert.channels.base import Delivery
from seismo.alert.model import AlertRecord
from seismo.alert.routing import Route, Routing
from seismo.alert.silence import Silence, holding
from seismo.loops.notify_metrics import NotifyMetrics
from seismo.loops.notify_store import Attempt, FollowUp, NotifyStore

SILENCES_FRESH_S = 1.0
"""A silence made in the dashboard or the CLI holds alerts at most this long after."""


def now_ms(clock: Callable[[], float]) -> int:
    return int(clock() * 1000)


def group_of(index: int, alert: AlertRecord, receiver: str) -> str:
    """One route's notices of one incident to one receiver."""
    return f"{index}:{alert.get('incident_id')}:{receiver}"


class KeyedLocks:
    """Turns per key (an incident and a receiver), served in the order they were reserved.

    A turn is reserved without waiting (``reserve``), so an alert takes its place in line
    the moment its handling starts, in the order alerts were read, whatever it awaits
    before it sends (the silences, an escalation's jobs): an update never overtakes its
    open. ``hold`` reserves and waits at once."""

    def __init__(self) -> None:
        self.tails: dict[str, asyncio.Future[None]] = {}

    def reserve(self, key: str) -> Turn:
        mine: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        turn = Turn(self, key, self.tails.get(key), mine)
        self.tails[key] = mine
        return turn

    def hold(self, key: str) -> Turn:
        return self.reserve(key)


class Turn:
    """One place in a key's line: entered once the turn before it ended, ended on exit
    (or by ``release`` when it is not used at all)."""

    def __init__(
        self,
        locks: KeyedLocks,
        key: str,
        before: asyncio.Future[None] | None,
        mine: asyncio.Future[None],
    ) -> None:
        self.locks, self.key, self.before, self.mine = locks, key, before, mine

    async def __aenter__(self) -> None:
        if self.before is None or self.before.done():
            return
        try:
            await asyncio.shield(self.before)
        except BaseException:
            self.before.add_done_callback(lambda _: self.release())
            raise

    async def __aexit__(self, *_: object) -> None:
        self.release()

    def release(self) -> None:
        """End this turn (again: nothing), letting the next one in."""
        if not self.mine.done():
            self.mine.set_result(None)
        if self.locks.tails.get(self.key) is self.mine:
            del self.locks.tails[self.key]


class Dispatcher:
    def __init__(
        self,
        store: NotifyStore,
        routing: Routing,
        channels: dict[str, Channel],
        metrics: NotifyMetrics,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.routing = routing
        self.channels = channels
        self.metrics = metrics
        self.clock = clock
        self.incidents = KeyedLocks()
        self.silences_read: tuple[float, list[Silence]] = (-SILENCES_FRESH_S, [])

    async def alert(self, alert: AlertRecord) -> None:
        """Deliver, hold (silence) or schedule ``alert`` for each route it takes. A receiver
        gets an incident's notices in the order they were read (an update never overtakes
        its open), and a slow receiver delays only its own."""
        routes = self.routing.routes_for(alert)
        if not routes or alert.get("suppressed_by"):
            return
        notices = [] if alert.get("status") == "resolved" else routes  # a resolve waits its turn
        turns = {
            (index, r): self.incidents.reserve(f"{alert.get('incident_id')}:{r}")
            for index, route in notices
            for r in route.receivers
        }
        try:
            await self._alert(alert, routes, turns)
        finally:
            for turn in turns.values():
                turn.release()

    async def _alert(
        self,
        alert: AlertRecord,
        routes: list[tuple[int, Route]],
        turns: dict[tuple[int, str], Turn],
    ) -> None:
        at = now_ms(self.clock)
        silence = holding(await self._silences(), alert, at)
        if silence is not None:
            held = Delivery("-", "silenced", 0, 0.0, detail=silence.comment)
            attempt = Attempt(f"{alert['id']}:silenced", "-", alert, "silence")
            await self.store.record(attempt, held, at, silence.id)
            return
        if alert.get("status") == "resolved":
            await self._resolved(alert, routes)
            return
        work: list[Coroutine[Any, Any, None]] = []
        for index, route in routes:
            work += [
                self._notice(index, route, r, alert, at, turns[index, r]) for r in route.receivers
            ]
            if alert.get("status") == "open":
                await self._schedule_steps(index, route, alert, at)
        await asyncio.gather(*work)

    async def _silences(self) -> list[Silence]:
        """The stored silences, read again at most every ``SILENCES_FRESH_S``."""
        read_at, silences = self.silences_read
        if time.monotonic() - read_at > SILENCES_FRESH_S:
            silences = await self.store.silences()
            self.silences_read = (time.monotonic(), silences)
        return silences

    async def _resolved(self, alert: AlertRecord, routes: list[tuple[int, Route]]) -> None:
        """Cancel the incident's waiting jobs; tell every receiver that was told of it."""
        incident = str(alert.get("incident_id"))
        await self.store.cancel_incident(incident)
        named = {r for _, route in routes for r in route.receivers}
        candidates = sorted(named | await self.store.notified(incident))
        await asyncio.gather(*(self._resolve(incident, r, alert) for r in candidates))

    async def _resolve(self, incident: str, receiver: str, alert: AlertRecord) -> None:
        """A resolve to a receiver that was told of the incident (after its notices)."""
        async with self.incidents.hold(f"{incident}:{receiver}"):
            if receiver in await self.store.notified(incident):
                await self.deliver(receiver, alert, "resolve")

    async def acknowledged(self, incident: str, notice: AlertRecord) -> None:
        """Tell the receivers told of ``incident`` that an operator acknowledged it (once a
        notice in flight to one has ended, so it is known whether it was told)."""

        async def tell(receiver: str) -> None:
            async with self.incidents.hold(f"{incident}:{receiver}"):
                if receiver in await self.store.notified(incident):
                    await self.deliver(receiver, notice, "operator", "ack")

        await asyncio.gather(*(tell(r) for r in sorted(self.routing.receivers)))

    def busy(self, receiver: str) -> bool:
        """Whether every delivery slot of ``receiver`` is taken (it is slow or down): a
        notice for it then waits as a job, due now, rather than holding its alert."""
        return self.channels[receiver].slots.locked()

    def can_run(self, job_id: str) -> bool:
        """Whether a due job's receivers have a free slot (else it waits in Redis). The id
        says whose job it is: ``group|repeat:<route>:<incident>:<receiver>`` or
        ``step:<route>:<incident>:<step>``."""
        kind, route, rest = job_id.split(":", 2)
        if kind == "step":
            step = self.routing.routes[int(route)].escalation[int(rest.rsplit(":", 1)[1])]
            return not any(self.busy(r) for r in step.receivers)
        return not self.busy(rest.rsplit(":", 1)[1])

    async def job(self, body: dict[str, Any]) -> None:
        """Run one due job: a group's notice, a reminder or an escalation step."""
        index, alert = int(body["route"]), body["alert"]
        route = self.routing.routes[index]
        if body["kind"] == "group":
            await self._grouped(index, route, body["receiver"], alert, "group")
        elif await self.store.operator_mark(str(alert["incident_id"])) is None:
            if body["kind"] == "repeat":
                await self._grouped(index, route, body["receiver"], alert, "repeat")
            else:
                await self._step(route, int(body["step"]), alert)
        elif body["kind"] == "step":
            await self._stopped(route, int(body["step"]), alert)

    async def _notice(
        self, index: int, route: Route, receiver: str, alert: AlertRecord, at: int, turn: Turn
    ) -> None:
        """Send now, or join the group's wait (open) or interval (update), in ``turn``."""
        async with turn:
            await self._notice_in_order(index, route, receiver, alert, at)

    async def _notice_in_order(
        self, index: int, route: Route, receiver: str, alert: AlertRecord, at: int
    ) -> None:
        group = group_of(index, alert, receiver)
        job = f"group:{group}"
        waiting = await self.store.job_body(job)
        due = at
        if waiting is not None:
            if waiting["alert"].get("status") == "open":
                alert = {**alert, "status": "open"}
        elif alert.get("status") == "open" and route.group_wait > 0:
            due = at + int(route.group_wait * 1000)
        elif alert.get("status") == "update":
            last = await self.store.last_notice_ms(group)
            if last is not None and at - last < route.group_interval * 1000:
                due = last + int(route.group_interval * 1000)
        if waiting is None and due == at and not self.busy(receiver):
            await self._grouped(index, route, receiver, alert, "route")
            return
        body = {"kind": "group", "receiver": receiver, "alert": alert, "route": index}
        await self.store.schedule(job, due, body, keep_due=True)

    async def _grouped(
        self, index: int, route: Route, receiver: str, alert: AlertRecord, reason: str
    ) -> None:
        """A group's notice; once sent, the group's time and its next reminder are written
        with its record."""
        occasion = f"repeat{now_ms(self.clock)}" if reason == "repeat" else ""
        group = group_of(index, alert, receiver)
        body = {"kind": "repeat", "receiver": receiver, "alert": alert, "route": index}
        follow_up = FollowUp(group, f"repeat:{group}", body, int(route.repeat_interval * 1000))
        await self.deliver(receiver, alert, reason, occasion, follow_up)

    async def _schedule_steps(self, index: int, route: Route, alert: AlertRecord, at: int) -> None:
        for number, step in enumerate(route.escalation):
            job = f"step:{index}:{alert.get('incident_id')}:{number}"
            body = {"kind": "step", "alert": alert, "route": index, "step": number}
            await self.store.schedule(job, at + int(step.after * 1000), body, keep_due=True)

    async def _step(self, route: Route, number: int, alert: AlertRecord) -> None:
        reason = f"escalation step {number + 1}"
        incident = alert.get("incident_id")

        async def page(receiver: str) -> None:
            async with self.incidents.hold(f"{incident}:{receiver}"):
                await self.deliver(receiver, alert, reason, f"step{number}")

        await asyncio.gather(*(page(r) for r in route.escalation[number].receivers))

    async def _stopped(self, route: Route, number: int, alert: AlertRecord) -> None:
        """Record that a step was not taken: an operator marked the incident first."""
        mark = await self.store.operator_mark(str(alert["incident_id"]))
        at = now_ms(self.clock)
        for receiver in route.escalation[number].receivers:
            channel = self.routing.receivers[receiver].channel
            stopped = Delivery(channel, "stopped", 0, 0.0, detail=mark or "")
            attempt = Attempt(f"{alert['id']}:{receiver}:step{number}", receiver, alert,
                              f"escalation step {number + 1}")  # fmt: skip
            await self.store.record(attempt, stopped, at)

    async def deliver(
        self,
        receiver: str,
        alert: AlertRecord,
        reason: str,
        occasion: str = "",
        follow_up: FollowUp | None = None,
    ) -> Delivery | None:
        """Send ``alert`` to ``receiver`` unless that was done; record it with its marker."""
        delivery_id = f"{alert.get('id')}:{receiver}" + (f":{occasion}" if occasion else "")
        if await self.store.done(delivery_id):
            return None
        delivery = await self.channels[receiver].send(alert)
        self.metrics.observe(delivery)
        if delivery.outcome != "skipped":
            attempt = Attempt(delivery_id, receiver, alert, reason)
            await self.store.record(attempt, delivery, now_ms(self.clock), follow_up=follow_up)
        return delivery
