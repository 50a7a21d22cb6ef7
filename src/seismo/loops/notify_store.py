"""The notifier's Redis writes and reads, each one step (asyncio client, text replies).

``record`` is the idempotency step: the delivery's marker (SET NX) and its ``deliveries``
entry (plus a dead letter, and the incident's receiver list) go in one MULTI, so a marker
never exists without its record, nor a record without its marker; a delivery whose marker
exists is never sent again. Scheduled notices (group waits, repeats, escalation steps) are
jobs: an id in the ``notify-due`` sorted set (score = due time) and a JSON body in the
``notify-jobs`` hash. A notifier leases a due job by moving its score one lease ahead in a
WATCHed transaction (two notifiers cannot both win), and deletes it when done; a crashed
notifier's job comes due again when its lease runs out.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import WatchError

from seismo.alert.channels.base import Delivery
from seismo.alert.model import AlertRecord
from seismo.alert.silence import Silence, parse_all
from seismo.engine.keys import Keys

MARKER_TTL_S = 7 * 24 * 3600
"""How long a delivery is remembered as done (a takeover happens within minutes)."""
DEAD_LETTERS_MAXLEN = 10_000


@dataclass(frozen=True)
class Attempt:
    """What one recorded delivery was: which notice, to whom, why."""

    delivery_id: str
    receiver: str
    alert: AlertRecord
    reason: str

    def fields(self, delivery: Delivery, now_ms: int, silence_id: str = "") -> dict[Any, Any]:
        return {
            "alert_id": str(self.alert.get("id")),
            "incident_id": str(self.alert.get("incident_id")),
            "receiver": self.receiver,
            "action": str(self.alert.get("status")),
            "reason": self.reason,
            **delivery.to_fields(),
            "silence_id": silence_id,
            "time": str(now_ms),
        }


@dataclass(frozen=True)
class FollowUp:
    """What a sent group notice writes with its record: the group's last-notice time, and
    its reminder job ``repeat_ms`` later."""

    group: str
    repeat_job: str
    repeat: dict[str, Any]
    repeat_ms: int


class NotifyStore:
    def __init__(self, client: aioredis.Redis, keys: Keys, deliveries_maxlen: int) -> None:
        self.client = client
        self.keys = keys
        self.maxlen = deliveries_maxlen

    async def ensure_groups(self) -> None:
        """The notifiers' group on ``anomalies`` and ``feedback-stream``, reading from the
        start of each (an alert appended before the first notifier started is delivered)."""
        for stream in (self.keys.anomalies, self.keys.feedback_stream):
            try:
                await self.client.xgroup_create(
                    stream, self.keys.notifier_group, "0", mkstream=True
                )
            except aioredis.ResponseError as exc:
                if "BUSYGROUP" not in str(exc):
                    raise

    async def done(self, delivery_id: str) -> bool:
        """Whether this delivery was already recorded (by this notifier or another)."""
        return bool(await self.client.exists(self.keys.delivery_marker(delivery_id)))

    async def record(
        self,
        attempt: Attempt,
        delivery: Delivery,
        now_ms: int,
        silence_id: str = "",
        follow_up: FollowUp | None = None,
    ) -> bool:
        """Marker and record in one transaction (with, once sent, the group's time and its
        next reminder); False when another notifier recorded it."""
        keys = self.keys
        async with self.client.pipeline(transaction=True) as pipe:
            pipe.set(
                keys.delivery_marker(attempt.delivery_id),
                delivery.outcome,
                nx=True,
                ex=MARKER_TTL_S,
            )
            pipe.xadd(
                keys.deliveries,
                attempt.fields(delivery, now_ms, silence_id),
                maxlen=self.maxlen,
                approximate=True,
            )
            if delivery.outcome == "dead_letter":
                letter: dict[Any, Any] = {
                    "receiver": attempt.receiver,
                    "alert": json.dumps(attempt.alert),
                    "error": delivery.error or "",
                }
                pipe.xadd(keys.dead_letters, letter, maxlen=DEAD_LETTERS_MAXLEN, approximate=True)
            if delivery.outcome == "sent" and follow_up is not None:
                pipe.hset(keys.notify_groups, follow_up.group, now_ms)
                pipe.hset(keys.notify_jobs, follow_up.repeat_job, json.dumps(follow_up.repeat))
                pipe.zadd(keys.notify_due, {follow_up.repeat_job: now_ms + follow_up.repeat_ms})
            if delivery.outcome == "sent" and attempt.alert.get("status") in ("open", "update"):
                notified = keys.notified(str(attempt.alert.get("incident_id")))
                pipe.sadd(notified, attempt.receiver)
                pipe.expire(notified, MARKER_TTL_S)
            replies = await pipe.execute()
        return bool(replies[0])

    async def notified(self, incident_id: str) -> set[str]:
        """The receivers this incident's alerts were delivered to."""
        return {str(r) for r in await self.client.smembers(self.keys.notified(incident_id))}

    async def silences(self) -> list[Silence]:
        return parse_all(await self.client.hgetall(self.keys.silences))

    async def operator_mark(self, incident_id: str) -> str | None:
        """``acknowledged`` or ``false_alarm`` when an operator marked the incident."""
        mark = await self.client.hget(self.keys.alert_feedback, incident_id)
        return None if mark is None else str(mark)

    async def last_notice_ms(self, group: str) -> int | None:
        value = await self.client.hget(self.keys.notify_groups, group)
        return int(value) if value else None

    async def schedule(
        self, job_id: str, due_ms: int, body: Mapping[str, Any], *, keep_due: bool
    ) -> None:
        """Write a job's body and due time; ``keep_due`` keeps the due time of a job already
        scheduled (a newer alert joins a waiting group without delaying it)."""
        async with self.client.pipeline(transaction=True) as pipe:
            pipe.hset(self.keys.notify_jobs, job_id, json.dumps(body))
            pipe.zadd(self.keys.notify_due, {job_id: due_ms}, nx=keep_due)
            await pipe.execute()

    async def due_jobs(self, now_ms: int, limit: int) -> list[str]:
        jobs = await self.client.zrangebyscore(
            self.keys.notify_due, "-inf", now_ms, start=0, num=limit
        )
        return [str(job) for job in jobs]

    async def job_body(self, job_id: str) -> dict[str, Any] | None:
        """The body of a waiting job, if there is one."""
        body = await self.client.hget(self.keys.notify_jobs, job_id)
        found: dict[str, Any] | None = None if body is None else json.loads(body)
        return found

    async def lease(self, job_id: str, now_ms: int, until_ms: int) -> dict[str, Any] | None:
        """The job's body if this notifier won its lease (until ``until_ms``), else None."""
        async with self.client.pipeline(transaction=True) as pipe:
            try:
                await pipe.watch(self.keys.notify_due)
                score = await pipe.zscore(self.keys.notify_due, job_id)
                body = await pipe.hget(self.keys.notify_jobs, job_id)
                if score is None or score > now_ms or body is None:
                    return None
                pipe.multi()
                pipe.zadd(self.keys.notify_due, {job_id: until_ms}, xx=True)
                await pipe.execute()
            except WatchError:
                return None
        found: dict[str, Any] = json.loads(body)
        return found

    async def finish(self, job_id: str, leased_until: int) -> None:
        """Delete a job that ran, unless it was scheduled anew meanwhile (a reminder that
        set its next time)."""
        async with self.client.pipeline(transaction=True) as pipe:
            try:
                await pipe.watch(self.keys.notify_due)
                if await pipe.zscore(self.keys.notify_due, job_id) != leased_until:
                    return
                pipe.multi()
                pipe.zrem(self.keys.notify_due, job_id)
                pipe.hdel(self.keys.notify_jobs, job_id)
                await pipe.execute()
            except WatchError:
                return

    async def cancel_incident(self, incident_id: str) -> None:
        """Drop every waiting job of an incident (it resolved: no reminder, no escalation)."""
        marker = f":{incident_id}:"
        jobs = [job for job in await self.client.hkeys(self.keys.notify_jobs) if marker in job]
        if jobs:
            async with self.client.pipeline(transaction=True) as pipe:
                pipe.zrem(self.keys.notify_due, *jobs)
                pipe.hdel(self.keys.notify_jobs, *jobs)
                await pipe.execute()

    async def queue_depth(self) -> int:
        """Alerts read by a notifier but not acknowledged, plus waiting jobs."""
        pending = await self.client.xpending(self.keys.anomalies, self.keys.notifier_group)
        return int(pending["pending"]) + int(await self.client.zcard(self.keys.notify_due))
