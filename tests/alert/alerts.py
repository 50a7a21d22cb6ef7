"""Sample alert records for the delivery tests."""

from __future__ import annotations

from typing import Any


def sample_alert(**changes: Any) -> dict[str, Any]:
    """An open critical service alert with an explanation, business impact and hints."""
    alert: dict[str, Any] = {
        "id": "a1b2c3d4e5f60718",
        "time": 1_767_000_000_000,
        "window_start": 1_766_999_995_000,
        "window_end": 1_767_000_000_000,
        "scope": "service",
        "target": "checkout",
        "score": 0.97,
        "severity": "critical",
        "summary": "checkout: p99 latency 12x normal",
        "incident_id": "inc-42",
        "status": "open",
        "explanation": [
            {
                "feature": "latency_p99",
                "normal": 80.0,
                "spread": 5.0,
                "current": 960.0,
                "deviation": 176.0,
            },
        ],
        "business_impact": "orders per minute down 40%",
        "remediation": ["check the payment provider"],
        "similar": [],
        "suppressed_by": None,
        "impacted": ["frontend"],
        "early": False,
    }
    alert.update(changes)
    return alert
