"""The dashboard's view of alert delivery: an alert's deliveries, and the silences.

An alert's deliveries are those of its incident (``deliveries`` stream, oldest first), so
its page tells the whole story: "sent to Slack 12:01:03, PagerDuty triggered 12:01:04,
acknowledged 12:03:10". Silences are read and written through ``SilenceBook``; a body that
does not make a silence is a 400 naming its field.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from seismo.alert.silence import SilenceError
from seismo.alert.silence_book import SilenceBook
from seismo.dashboard.context import Context
from seismo.dashboard.history import find_alert
from seismo.dashboard.params import BadRequest
from seismo.dashboard.streams import scan_newest

MAX_DELIVERIES = 200
MAX_SILENCE_S = 366 * 24 * 3600.0
NUMBER_FIELDS = ("attempts", "latency_ms", "status", "time")


def deliveries(ctx: Context, alert_id: str) -> list[dict[str, Any]]:
    """The delivery records of the alert's incident, oldest first."""
    incident = str(find_alert(ctx, alert_id).get("incident_id"))

    def keep(_: str, fields: dict[str, str]) -> dict[str, Any] | None:
        if fields.get("incident_id") != incident:
            return None
        return {k: _number(v) if k in NUMBER_FIELDS else v for k, v in fields.items()}

    found = scan_newest(ctx.client, ctx.keys.deliveries, ("-", "+"), keep, MAX_DELIVERIES)
    return found[::-1]


def _number(value: str) -> float | None:
    try:
        return float(value)
    except ValueError:
        return None


def book(ctx: Context) -> SilenceBook:
    return SilenceBook(ctx.client, ctx.keys, clock=ctx.clock)


def silences(ctx: Context) -> list[dict[str, Any]]:
    return [asdict(s) for s in book(ctx).listing()]


def create_silence(ctx: Context, body: bytes) -> dict[str, Any]:
    """A silence from the JSON body ``{matchers, duration_s, comment, created_by,
    incident_id}``."""
    try:
        document = json.loads(body or b"null")
    except ValueError:
        raise BadRequest("body", "the body is not JSON") from None
    if not isinstance(document, dict):
        raise BadRequest("body", "the body must be a JSON object")
    duration = document.get("duration_s")
    if not isinstance(duration, int | float) or not 0 < duration <= MAX_SILENCE_S:
        raise BadRequest("duration_s", f"a number of seconds in (0, {MAX_SILENCE_S:.0f}]")
    matchers, incident = document.get("matchers") or {}, document.get("incident_id")
    if not isinstance(matchers, dict) or not isinstance(incident, str | None):
        raise BadRequest("matchers", "matchers is an object, incident_id a string")
    text = {name: document.get(name) or "" for name in ("comment", "created_by")}
    if not all(isinstance(value, str) for value in text.values()):
        raise BadRequest("comment", "comment and created_by are strings")
    try:
        silence = book(ctx).create(matchers, float(duration), incident_id=incident, **text)
    except SilenceError as exc:
        raise BadRequest(str(exc).split(":")[0], str(exc)) from None
    return asdict(silence)


def expire_silence(ctx: Context, silence_id: str) -> dict[str, Any]:
    ended = book(ctx).expire(silence_id)
    if ended is None:
        raise BadRequest("id", f"no silence with id {silence_id[:100]!r}", status=404)
    return asdict(ended)
