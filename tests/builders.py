"""Test builders made from the real types: an alert, its explanation items, its publication,
and a fingerprint entry in the stream.

Every test that needs an alert builds it here, from ``seismo.alert.model.Alert``, and every
test that writes a fingerprint entry writes ``Fingerprint.to_entry``, so a field added to or
renamed in a contract reaches every test at once. ``overrides`` replace any
field (a test of odd input may pass values the dataclass's types do not allow).
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import redis

from seismo.alert.model import Alert, Explanation
from seismo.engine.keys import Keys
from seismo.fingerprint.entry import Fingerprint

WINDOW_MS = 5000


def moved(
    feature: str, normal: float, current: float, deviation: float, spread: float = 0.0
) -> Explanation:
    """One explanation item: ``feature`` moved from ``normal`` to ``current``."""
    return {
        "feature": feature,
        "normal": normal,
        "spread": spread,
        "current": current,
        "deviation": deviation,
    }


CHECKOUT_5XX = [
    moved("error_rate_5xx", 0.004, 0.31, 25.0),
    moved("latency_p95", 120.0, 180.0, 3.0),
]
"""The default alert's explanation: checkout's 5xx errors (and, less, its latency) rose."""


def alert(
    alert_id: str = "a1", moment: int = 1000, *, window_ms: int = WINDOW_MS, **overrides: Any
) -> Alert:
    """An open critical alert on checkout for the window ending at ``moment``."""
    base = Alert(
        id=alert_id,
        time=moment,
        window_start=moment - window_ms,
        window_end=moment,
        scope="service",
        target="checkout",
        score=0.93,
        severity="critical",
        summary="5xx error rate of checkout rose from 0.4 % to 31 %",
        incident_id=f"inc-{alert_id}",
        status="open",
        explanation=list(CHECKOUT_5XX),
        remediation=["check the last deploy of checkout"],
    )
    return replace(base, **overrides)


def alert_dict(
    alert_id: str = "a1", moment: int = 1000, *, window_ms: int = WINDOW_MS, **overrides: Any
) -> dict[str, Any]:
    """The same alert as its JSON carries it (``Alert.to_dict``)."""
    return alert(alert_id, moment, window_ms=window_ms, **overrides).to_dict()


def add_alert(client: redis.Redis, keys: Keys, alert: dict[str, Any]) -> None:
    """Append the alert to the history and publish it, as the detector does."""
    text = json.dumps(alert)
    client.xadd(keys.anomalies, {"alert": text})
    client.publish(keys.alerts, text)


def add_fingerprint(client: redis.Redis, keys: Keys, window: Fingerprint) -> str:
    """XADD ``window`` to the fingerprint stream, as the window-closing Function does."""
    return str(client.xadd(keys.fingerprints, window.to_entry()))  # type: ignore[arg-type]
