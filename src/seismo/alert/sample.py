"""A made-up alert, for trying a receiver (``seismo notify test``) and the delivery bench."""

from __future__ import annotations

from typing import Any

from seismo.alert.model import Alert, stable_id


def sample_alert(now_ms: int, number: int = 0, **changes: Any) -> Alert:
    """An open critical alert on service ``checkout``, saying plainly that it is a test."""
    fields: dict[str, Any] = {
        "id": stable_id("sample", now_ms, number),
        "time": now_ms,
        "window_start": now_ms - 5000,
        "window_end": now_ms,
        "scope": "service",
        "target": "checkout",
        "score": 0.99,
        "severity": "critical",
        "summary": "Seismo test alert: checkout latency p99 12x normal (not a real incident)",
        "incident_id": stable_id("sample-incident", now_ms, number),
        "status": "open",
        "explanation": [
            {"feature": "latency_p99", "normal": 80.0, "spread": 5.0, "current": 960.0,
             "deviation": 176.0},
        ],
        "business_impact": "orders per minute down 40% (test)",
        "remediation": ["nothing to do: this is a test of the delivery"],
    }  # fmt: skip
    fields.update(changes)
    return Alert(**fields)
