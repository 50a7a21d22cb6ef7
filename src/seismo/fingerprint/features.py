"""The feature table: every named number of a fingerprint, declared once.

The window-closing Function computes the system and service features inside Redis; the
aggregator passes it the names below (``SYSTEM_FEATURES``, ``SERVICE_FEATURES``), and the
Function refuses to write a feature this table does not declare or to omit one it does
(``tests/fingerprint/test_lua_features.py``). The detector reads each feature's kind, floor
and label from here; the README's table is ``feature_table_markdown()``.

The ``metric`` scope names what the per-metric detector calls a business or custom metric's
window summary (the fingerprint's ``metrics`` field holds ``count``, ``mean`` and
``out_of_range``), so an explanation names every moved feature the same way.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FeatureKind:
    """A family of features: errors, latency, traffic, topology, logs, business, metric.

    The kind decides how a value reads (``unit``: ``%`` for a share, ``ms``, or a plain
    number), which severity and hints a move earns, and the robust scaler's ``floor``.
    """

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
"""A plain metric: a custom metric, or a feature this version does not know."""

NEW_PAIRS = "new_interactions"
"""The feature counting pairs a window met for the first time (a new dependency's sign)."""

SYSTEM = "system"
SERVICE = "service"
METRIC_SCOPE = "metric"
EVERY_WINDOW = (SYSTEM, SERVICE)
"""The scopes of a feature computed for the system and for each service."""
ALL_SCOPES = (SYSTEM, SERVICE, METRIC_SCOPE)


@dataclass(frozen=True)
class Feature:
    """One named number: its unit and meaning for people, its kind for the detector."""

    name: str
    unit: str
    """What the number counts, as the README says it (``share``, ``ms``, ``requests``)."""
    kind: FeatureKind
    label: str
    """How a person calls it in a sentence: ``5xx error rate``."""
    meaning: str
    scopes: tuple[str, ...] = EVERY_WINDOW

    @property
    def floor(self) -> float:
        """The smallest robust spread of this feature (its kind's)."""
        return self.kind.floor


FEATURES: tuple[Feature, ...] = (
    Feature("request_count", "requests", TRAFFIC, "request count",
            "application events in the window"),
    Feature("request_rate", "per second", TRAFFIC, "request rate",
            "request_count / window length"),
    Feature("error_rate_4xx", "share", CLIENT_ERRORS, "4xx error rate",
            "responses 400-499 / requests (0 without requests)"),
    Feature("error_rate_5xx", "share", ERRORS, "5xx error rate",
            "responses >= 500 / requests (0 without requests)"),
    Feature("latency_p50", "ms", LATENCY, "median latency",
            "median response time (t-digest); 0 without requests"),
    Feature("latency_p95", "ms", LATENCY, "p95 latency",
            "95th percentile response time (t-digest); 0 without requests"),
    Feature("latency_p99", "ms", LATENCY, "p99 latency",
            "99th percentile response time (t-digest); 0 without requests"),
    Feature("latency_own", "ms", LATENCY, "own latency",
            "mean time per request not spent in the calls the service made (its requests' "
            "time less the response time of the calls naming it as caller); 0 without "
            "requests"),
    Feature("distinct_endpoints", "endpoints", TOPOLOGY, "number of distinct endpoints",
            "distinct `service endpoint` pairs (HyperLogLog)"),
    Feature(NEW_PAIRS, "pairs", TOPOLOGY, "number of new interactions",
            "`service:endpoint` and `caller:service` pairs the Cuckoo filter had never seen"),
    Feature("top_endpoint_share", "share", SHARE, "busiest endpoint's share of traffic",
            "the heaviest endpoint's requests / requests (TopK); system only", (SYSTEM,)),
    Feature("active_services", "services", TOPOLOGY, "number of active services",
            "services that reported anything (a vanished service lowers it); system only",
            (SYSTEM,)),
    Feature("log_count", "logs", LOGS, "log count", "log events of any level"),
    Feature("log_errors", "logs", LOG_ERRORS, "error log count",
            "log events at level error or critical"),
    Feature("log_warnings", "logs", LOGS, "warning log count", "log events at level warning"),
    Feature("business_observations", "observations", BUSINESS, "business observation count",
            "business metric events (per service: those carrying a `service`; per metric: "
            "that metric's)", (SYSTEM, SERVICE, METRIC_SCOPE)),
    Feature("business_out_of_range", "observations", BUSINESS,
            "out-of-range business observations",
            "business metric events outside their `expected_range` (per metric: that "
            "metric's)", (SYSTEM, SERVICE, METRIC_SCOPE)),
    Feature("business_value", "as sent", BUSINESS, "value",
            "a business metric's mean value in the window", (METRIC_SCOPE,)),
    Feature("value", "as sent", METRIC, "mean value",
            "a custom metric's (`<service>.<name>`) mean value in the window", (METRIC_SCOPE,)),
    Feature("out_of_range", "observations", METRIC, "out-of-range observations",
            "a custom metric's events outside their `expected_range`", (METRIC_SCOPE,)),
    Feature("observations", "observations", METRIC, "observation count",
            "a custom metric's events in the window", (METRIC_SCOPE,)),
)  # fmt: skip

BY_NAME: dict[str, Feature] = {feature.name: feature for feature in FEATURES}


def names_in(scope: str) -> tuple[str, ...]:
    """The names of the features of ``scope``, in table order."""
    return tuple(feature.name for feature in FEATURES if scope in feature.scopes)


SYSTEM_FEATURES: tuple[str, ...] = names_in(SYSTEM)
"""The system vector's feature names, in the order of its ``data``."""

SERVICE_FEATURES: tuple[str, ...] = names_in(SERVICE)
"""The feature names of each service's vector (a JSON object, so order is for humans)."""


def of_kind(*kinds: FeatureKind) -> frozenset[str]:
    """The names of the features of any of ``kinds``."""
    return frozenset(feature.name for feature in FEATURES if feature.kind in kinds)


def feature_kind(name: str) -> FeatureKind:
    """The kind of feature ``name``; unknown names (added later) count as plain metrics."""
    if name in BY_NAME:
        return BY_NAME[name].kind
    if name.startswith("latency"):
        return LATENCY
    if name.startswith("business"):
        return BUSINESS
    return METRIC


def label(name: str) -> str:
    """How a person calls feature ``name`` in a sentence."""
    feature = BY_NAME.get(name)
    return feature.label if feature else name.replace("_", " ")


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


def feature_table(scopes: tuple[str, ...] = EVERY_WINDOW) -> list[tuple[str, ...]]:
    """Rows (name, unit, kind, scopes, meaning) of the features in any of ``scopes``; by
    default those of a window's vectors, which are the system vector's, in its order."""
    rows = [f for f in FEATURES if set(f.scopes) & set(scopes)]
    return [(f.name, f.unit, f.kind.name, ", ".join(f.scopes), f.meaning) for f in rows]


def feature_table_markdown() -> str:
    """The README's feature table, every scope (``tests/fingerprint`` keeps the two equal)."""
    lines = ["| feature | unit | kind | scope | meaning |", "|---|---|---|---|---|"]
    lines += ["| `{}` | {} | {} | {} | {} |".format(*row) for row in feature_table(ALL_SCOPES)]
    return "\n".join(lines)
