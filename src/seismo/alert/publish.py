"""Publishing an alert: live on the ``alerts`` channel, durable in the ``anomalies`` stream.

The writes are queued on a caller's transaction pipeline (MULTI), so the alert, the incident
state that produced it and the acknowledgement of the window are applied together or not at
all; the ``alert-id:<id>`` marker (SET NX) records that the id was published. A suppressed
alert (like a marked false alarm) is kept in the history but not announced on ``alerts``.
"""

from __future__ import annotations

from typing import Any

from seismo.alert.model import Alert
from seismo.engine.keys import Keys

MARKER_TTL_S = 7 * 24 * 3600
"""How long an alert id is remembered as published (re-processing happens within minutes)."""


def queue_publish(pipe: Any, keys: Keys, alert: Alert, maxlen: int) -> None:
    """Queue the marker, the ``anomalies`` entry (field ``alert``) and the ``alerts`` message
    (unless suppressed)."""
    payload = alert.to_json()
    pipe.set(keys.alert_marker(alert.id), alert.time, nx=True, ex=MARKER_TTL_S)
    pipe.xadd(keys.anomalies, {"alert": payload}, maxlen=maxlen, approximate=True)
    if alert.suppressed_by is None:
        pipe.publish(keys.alerts, payload)
