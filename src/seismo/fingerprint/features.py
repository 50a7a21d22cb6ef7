"""The fingerprint's features: names, order, units and meaning, declared once.

The window-closing Function computes every feature inside Redis; this module decides which
of them make up the system vector and each service's vector, and in what order. The order
travels with every fingerprint (its ``names`` field), so a detector never depends on it,
but keeping it here makes the README table and the Function's arguments one list.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Feature:
    """One named number of a fingerprint."""

    name: str
    unit: str
    meaning: str
    per_service: bool = True


FEATURES: tuple[Feature, ...] = (
    Feature("request_count", "requests", "application events in the window"),
    Feature("request_rate", "per second", "request_count / window length"),
    Feature("error_rate_4xx", "share", "responses 400-499 / requests (0 without requests)"),
    Feature("error_rate_5xx", "share", "responses >= 500 / requests (0 without requests)"),
    Feature("latency_p50", "ms", "median response time (t-digest); 0 without requests"),
    Feature("latency_p95", "ms", "95th percentile response time (t-digest); 0 without requests"),
    Feature("latency_p99", "ms", "99th percentile response time (t-digest); 0 without requests"),
    Feature("distinct_endpoints", "endpoints", "distinct `service endpoint` pairs (HyperLogLog)"),
    Feature(
        "new_interactions",
        "pairs",
        "`service:endpoint` and `caller:service` pairs the Cuckoo filter had never seen",
    ),
    Feature(
        "top_endpoint_share",
        "share",
        "the heaviest endpoint's requests / requests (TopK); system only",
        per_service=False,
    ),
    Feature(
        "active_services",
        "services",
        "services that reported anything (a vanished service lowers it); system only",
        per_service=False,
    ),
    Feature("log_count", "logs", "log events of any level"),
    Feature("log_errors", "logs", "log events at level error or critical"),
    Feature("log_warnings", "logs", "log events at level warning"),
    Feature(
        "business_observations",
        "observations",
        "business metric events (per service: those carrying a `service`)",
    ),
    Feature(
        "business_out_of_range",
        "observations",
        "business metric events outside their `expected_range`",
    ),
)

SYSTEM_FEATURES: tuple[str, ...] = tuple(feature.name for feature in FEATURES)
"""The system vector's feature names, in the order of its ``data``."""

SERVICE_FEATURES: tuple[str, ...] = tuple(f.name for f in FEATURES if f.per_service)
"""The feature names of each service's vector (a JSON object, so order is for humans)."""


def feature_table() -> list[tuple[str, str, str, str]]:
    """Rows (name, unit, scope, meaning) for the README and ``seismo`` help."""
    return [
        (f.name, f.unit, "system, service" if f.per_service else "system", f.meaning)
        for f in FEATURES
    ]
