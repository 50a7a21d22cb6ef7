"""The ``/ws`` WebSocket: fingerprints, alerts and operator marks as they happen.

A client may first send ``{"since": epoch_ms}``; it then gets what it missed (fingerprint,
alert and feedback entries appended since then, oldest first) before the live feed, so a
reconnect loses nothing. Fingerprints and marks are read with ``XREAD BLOCK`` from their
streams; alerts come from the ``alerts`` channel (subscribed before the replay, and an alert
already replayed is not sent twice). Messages are ``{"type": "fingerprint" | "alert" |
"feedback", "data": ...}``; a bad first message gets ``{"type": "error", ...}``.

A Redis outage pauses the feed; it resumes by itself when Redis answers again.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

import redis
import redis.asyncio as aioredis
from starlette.concurrency import run_in_threadpool
from starlette.websockets import WebSocket, WebSocketDisconnect

from seismo.dashboard.context import Context
from seismo.dashboard.history import enrich
from seismo.dashboard.streams import Fields, alert_item, entries, fingerprint_item

log = logging.getLogger("seismo.dashboard")
Message = dict[str, Any]
HELLO_WAIT_S = 0.5
BLOCK_MS = 1000
REPLAY_MAX = 1000
RETRY_S = 1.0
OUTAGE_MARGIN_MS = 5000
"""How far before the first failed read the replay after an outage starts."""


def _since(text: str) -> int | None:
    """The ``since`` of a client's first message; ValueError when it is malformed."""
    message = json.loads(text)
    since = message.get("since") if isinstance(message, dict) else None
    if since is None:
        return None
    if isinstance(since, bool) or not isinstance(since, int | float) or since < 0:
        raise ValueError("since must be epoch milliseconds (a non-negative number)")
    return int(since)


def _feedback(fields: Fields) -> Message:
    return {
        k: int(v) if k in ("time", "window_start", "window_end") else v for k, v in fields.items()
    }


def to_message(kind: str, fields: Fields, entry_id: str) -> Message | None:
    """The WebSocket message of one stream entry, or None when it is malformed."""
    if kind == "fingerprint":
        data = fingerprint_item(entry_id, fields)
    elif kind == "alert":
        data = alert_item(fields)
    else:
        data = _feedback(fields)
    return None if data is None else {"type": kind, "data": data}


class Feed:
    """One client's feed: replay since a time, then live messages, through one queue."""

    def __init__(self, ctx: Context, client: aioredis.Redis) -> None:
        self.ctx = ctx
        self.client = client
        self.kinds = {
            ctx.keys.fingerprints: "fingerprint",
            ctx.keys.anomalies: "alert",
            ctx.keys.feedback_stream: "feedback",
        }
        self.queue: asyncio.Queue[Message] = asyncio.Queue(maxsize=10_000)
        self.sent_alerts: set[str] = set()

    async def _enriched(self, alert: Message) -> Message:
        """An alert with its feedback and similar incidents, like ``/api/anomalies``."""
        try:
            return (await run_in_threadpool(enrich, self.ctx, [alert]))[0]
        except redis.RedisError:
            return {**alert, "feedback": None, "similar": alert.get("similar") or []}

    async def _put(self, message: Message) -> None:
        if message["type"] == "alert":
            alert_id = str(message["data"].get("id"))
            if alert_id in self.sent_alerts:
                return
            self.sent_alerts.add(alert_id)
            message = {"type": "alert", "data": await self._enriched(message["data"])}
        await self.queue.put(message)

    async def replay(self, since: int | None) -> dict[str, str]:
        """Queue what was appended since ``since``; return where each live read starts."""
        positions = {}
        for stream, kind in self.kinds.items():
            newest = entries(await self.client.xrevrange(stream, count=1))
            positions[stream] = newest[0][0] if newest else "0-0"
            if since is None:
                continue
            missed = await self.client.xrevrange(
                stream, max=positions[stream], min=str(since), count=REPLAY_MAX
            )
            for entry_id, fields in reversed(entries(missed)):
                message = to_message(kind, fields, entry_id)
                if message is not None:
                    await self._put(message)
        alerts = self.ctx.keys.anomalies
        return {s: p for s, p in positions.items() if s != alerts}

    async def read_streams(self, positions: dict[str, str]) -> None:
        """Forever: XREAD BLOCK the fingerprint and feedback streams and queue new entries."""
        while True:
            try:
                wanted: dict[Any, Any] = positions
                reply = await self.client.xread(wanted, block=BLOCK_MS, count=100)
            except redis.RedisError as exc:
                log.warning("dashboard feed paused: %s", exc)
                await asyncio.sleep(RETRY_S)
                continue
            for stream, batch in _stream_reply(reply):
                for entry_id, fields in batch:
                    positions[stream] = entry_id
                    message = to_message(self.kinds[stream], fields, entry_id)
                    if message is not None:
                        await self._put(message)

    async def replay_alerts(self, since: int) -> None:
        """Queue the alerts appended to ``anomalies`` since ``since`` (epoch ms)."""
        missed = await self.client.xrange(self.ctx.keys.anomalies, min=str(since))
        for entry_id, fields in entries(missed)[-REPLAY_MAX:]:
            message = to_message("alert", fields, entry_id)
            if message is not None:
                await self._put(message)

    async def read_alerts(self, pubsub: aioredis.client.PubSub) -> None:
        """Forever: queue every alert published on the ``alerts`` channel.

        Pub/Sub drops what is published while the subscription is down, so after an outage
        the alerts appended to ``anomalies`` meanwhile are replayed (never sent twice).
        """
        lost_at: int | None = None
        while True:
            try:
                message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
                if lost_at is not None:
                    await self.replay_alerts(lost_at - OUTAGE_MARGIN_MS)
                    lost_at = None
            except redis.RedisError as exc:
                log.warning("dashboard alert feed paused: %s", exc)
                lost_at = lost_at or int(time.time() * 1000)
                await asyncio.sleep(RETRY_S)
                continue
            if message is None or message.get("type") != "message":
                continue
            with contextlib.suppress(ValueError):
                alert = alert_item({"alert": message["data"]})
                if alert is not None:
                    await self._put({"type": "alert", "data": alert})


def _stream_reply(reply: Any) -> list[tuple[str, list[tuple[str, Fields]]]]:
    """XREAD's reply as (stream, entries) pairs, RESP2 (list) or RESP3 (map)."""
    if not reply:
        return []
    if isinstance(reply, dict):
        return [(str(k), v[0] if v and isinstance(v[0], list) else v) for k, v in reply.items()]
    return [(str(stream), entries) for stream, entries in reply]


async def _send_all(websocket: WebSocket, queue: asyncio.Queue[Message]) -> None:
    while True:
        await websocket.send_text(json.dumps(await queue.get()))


async def _receive_until_closed(websocket: WebSocket) -> None:
    with contextlib.suppress(WebSocketDisconnect):
        while True:
            await websocket.receive_text()


async def _hello(websocket: WebSocket) -> int | None:
    """The ``since`` the client sends right after connecting, if it sends one."""
    try:
        text = await asyncio.wait_for(websocket.receive_text(), HELLO_WAIT_S)
    except TimeoutError:
        return None
    return _since(text)


async def _run_until_first_done(*jobs: Awaitable[None]) -> None:
    tasks = [asyncio.ensure_future(job) for job in jobs]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


def live_endpoint(
    ctx: Context, make_client: Callable[[], aioredis.Redis]
) -> Callable[[WebSocket], Awaitable[None]]:
    """The ``/ws`` handler for ``ctx``; ``make_client`` gives the asyncio Redis client."""

    async def live(websocket: WebSocket) -> None:
        await websocket.accept()
        try:
            since = await _hello(websocket)
        except (ValueError, AttributeError) as exc:
            await websocket.send_json({"type": "error", "error": str(exc), "field": "since"})
            await websocket.close(code=1008)
            return
        except WebSocketDisconnect:
            return
        client = make_client()
        pubsub = client.pubsub()
        try:
            await pubsub.subscribe(ctx.keys.alerts)
            feed = Feed(ctx, client)
            positions = await feed.replay(since)
            await _run_until_first_done(
                _send_all(websocket, feed.queue),
                _receive_until_closed(websocket),
                feed.read_streams(positions),
                feed.read_alerts(pubsub),
            )
        except (redis.RedisError, WebSocketDisconnect, RuntimeError) as exc:
            log.info("dashboard WebSocket closed: %s", exc)
        finally:
            await pubsub.aclose()
            await client.aclose()
            with contextlib.suppress(RuntimeError, WebSocketDisconnect):
                await websocket.close()

    return live
