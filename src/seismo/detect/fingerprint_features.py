"""What a fingerprint feature *is*: its kind, how people call it and how its value reads.

One table serves three places: the robust scaler's smallest spread per kind (a feature that
never moved in training must not make a one-request change look infinite), the sentence of
an explanation ("5xx error rate ... rose from 0.4 % to 31 %"), and the alert's severity and
remediation hints, which depend on what moved, not only on how far.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FeatureKind:
    """A family of features: errors, latency, traffic, topology, logs, business, metric."""

    name: str
    unit: str
    floor: float
    """The smallest robust spread, in the feature's unit (training may show none)."""


ERRORS = FeatureKind("errors", "%", 0.01)
CLIENT_ERRORS = FeatureKind("client_errors", "%", 0.02)
LATENCY = FeatureKind("latency", "ms", 2.0)
TRAFFIC = FeatureKind("traffic", "", 1.0)
TOPOLOGY = FeatureKind("topology", "", 1.0)
SHARE = FeatureKind("topology", "%", 0.05)
LOG_ERRORS = FeatureKind("errors", "", 1.0)
LOGS = FeatureKind("logs", "", 1.0)
BUSINESS = FeatureKind("business", "", 1.0)
METRIC = FeatureKind("metric", "", 1.0)

_KINDS = {
    "request_count": TRAFFIC,
    "request_rate": TRAFFIC,
    "error_rate_4xx": CLIENT_ERRORS,
    "error_rate_5xx": ERRORS,
    "latency_p50": LATENCY,
    "latency_p95": LATENCY,
    "latency_p99": LATENCY,
    "distinct_endpoints": TOPOLOGY,
    "new_interactions": TOPOLOGY,
    "top_endpoint_share": SHARE,
    "log_errors": LOG_ERRORS,
    "log_warnings": LOGS,
    "log_count": LOGS,
    "active_services": TOPOLOGY,
    "business_observations": BUSINESS,
    "business_out_of_range": BUSINESS,
}

_LABELS = {
    "request_count": "request count",
    "request_rate": "request rate",
    "error_rate_4xx": "4xx error rate",
    "error_rate_5xx": "5xx error rate",
    "latency_p50": "median latency",
    "latency_p95": "p95 latency",
    "latency_p99": "p99 latency",
    "distinct_endpoints": "number of distinct endpoints",
    "new_interactions": "number of new interactions",
    "top_endpoint_share": "busiest endpoint's share of traffic",
    "log_errors": "error log count",
    "log_warnings": "warning log count",
    "log_count": "log count",
    "active_services": "number of active services",
    "business_observations": "business observation count",
    "business_out_of_range": "out-of-range business observations",
    "value": "mean value",
    "business_value": "value",
    "out_of_range": "out-of-range observations",
}

RELATIVE_FLOOR = 0.05
"""A spread is never below 5 % of the normal value: small relative wobbles are not news."""


def feature_kind(name: str) -> FeatureKind:
    """The kind of feature ``name``; unknown names (added later) count as plain metrics."""
    if name in _KINDS:
        return _KINDS[name]
    if name.startswith("latency"):
        return LATENCY
    if name.startswith("business"):
        return BUSINESS
    return METRIC


def scale_floor(name: str, normal: float, requests: float = 0.0) -> float:
    """The smallest spread the robust scaler accepts for ``name`` around ``normal``.

    A share of requests (an error rate) moves by ``1 / requests`` with a single request, so
    with ``requests`` per window (the training median) one event is never more than one
    spread: a quiet service's first two errors are not an incident, a 40 % error rate is.
    """
    kind = feature_kind(name)
    floor = max(kind.floor, RELATIVE_FLOOR * abs(normal))
    if kind.unit == "%" and requests > 0:
        floor = max(floor, 1.0 / requests)
    return floor


def label(name: str) -> str:
    """How a person calls feature ``name`` in a sentence."""
    return _LABELS.get(name, name.replace("_", " "))


def format_value(name: str, value: float) -> str:
    """``value`` of ``name`` with its unit: ``31 %``, ``240 ms``, ``12.5``."""
    unit = feature_kind(name).unit
    if unit == "%":
        return f"{_round(value * 100)} %"
    if unit == "ms":
        return f"{_round(value)} ms"
    return _round(value)


def _round(value: float) -> str:
    """Two or three significant digits: enough to read, not false precision."""
    if value == 0 or abs(value) >= 100:
        return f"{value:.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}".rstrip("0").rstrip(".")
    return f"{value:.2g}"
