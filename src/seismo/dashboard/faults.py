"""``/api/faults``: the demo's fault injection, from the dashboard's fault panel.

A thin adapter over ``seismo.demo.fault_store`` (the same store ``seismo fault`` writes):
GET lists the kinds and the active faults, POST starts one (``{"kind", "service"?,
"duration"?}``, or ``duration_s``). Faults only steer the demo's simulated traffic.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from seismo.dashboard.context import Context
from seismo.dashboard.params import BadRequest
from seismo.demo import fault_store
from seismo.demo.faults import KINDS, FaultError, fault_from_request

MAX_BODY = 64 * 1024


def listing(ctx: Context) -> dict[str, Any]:
    """The fault kinds and the faults active now."""
    now = fault_store.now_ms(ctx.clock)
    active = fault_store.active(ctx.client, ctx.keys, now)
    return {"kinds": list(KINDS), "active": [asdict(fault) for fault in active]}


def start(ctx: Context, body: bytes) -> dict[str, Any]:
    """Start the fault a request body describes; ``BadRequest`` naming a bad field."""
    if len(body) > MAX_BODY:
        raise BadRequest("body", f"must be at most {MAX_BODY} bytes", status=413)
    try:
        payload = json.loads(body)
    except ValueError:
        raise BadRequest("body", "must be a JSON object") from None
    if isinstance(payload, dict) and "duration" not in payload and "duration_s" in payload:
        payload["duration"] = payload.pop("duration_s")
    try:
        fault = fault_from_request(payload, fault_store.now_ms(ctx.clock))
    except FaultError as exc:
        raise BadRequest(exc.field, exc.message) from None
    return asdict(fault_store.store(ctx.client, ctx.keys, fault))
