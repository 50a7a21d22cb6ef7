"""The Grafana dashboard (``deploy/grafana/seismo.json``) queries only metrics the roles
export: every name in every PromQL expression is scraped from the running roles."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from seismo.cli.health import HEALTH_ROUTES
from tests.deploy.conftest import DEPLOY, RunningRoles

DASHBOARD = DEPLOY / "grafana" / "seismo.json"
SAMPLE_SUFFIXES = {
    "counter": ("_total", "_created"),
    "histogram": ("_bucket", "_count", "_sum", "_created"),
    "summary": ("", "_count", "_sum", "_created"),
    "gauge": ("",),
}
KEYWORDS = {
    "by", "without", "on", "ignoring", "group_left", "group_right", "and", "or", "unless",
    "bool", "offset", "inf", "nan",
}  # fmt: skip


def exported_names(exposition: str) -> set[str]:
    """The sample names a scrape of ``exposition`` yields (labelled families with no child
    yet still declare their type, so their names count)."""
    names = set()
    for family in text_string_to_metric_families(exposition):
        # A multiprocess exposition declares a counter with its _total (``# TYPE x_total``).
        base = family.name.removesuffix("_total") if family.type == "counter" else family.name
        names |= {base + suffix for suffix in SAMPLE_SUFFIXES.get(family.type, ("",))}
    return names


def metric_names(expr: str) -> set[str]:
    """The metric names a PromQL expression selects: identifiers outside strings, label
    matchers, ranges and grouping clauses that are neither functions nor keywords."""
    text = re.sub(r'"(?:[^"\\]|\\.)*"', "", expr)
    text = re.sub(r"\{[^}]*\}|\[[^\]]*\]", " ", text)
    text = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", text)
    names = set()
    for match in re.finditer(r"[A-Za-z_:][A-Za-z0-9_:]*", text):
        name = match.group()
        if name.lower() in KEYWORDS or text[match.end() :].lstrip().startswith("("):
            continue
        if match.start() and (text[match.start() - 1].isdigit() or text[match.start() - 1] == "."):
            continue  # the exponent or unit of a number, like 1e3
        names.add(name)
    return names


def expressions(dashboard: dict[str, Any]) -> list[tuple[str, str]]:
    """(panel title, expr) of every target of every panel, rows' panels included."""
    found = []
    for panel in dashboard["panels"]:
        for inner in [panel, *panel.get("panels", [])]:
            found += [(inner["title"], t["expr"]) for t in inner.get("targets", [])]
    return found


@pytest.fixture(scope="module")
def exported(roles: RunningRoles) -> set[str]:
    """Every sample name the five roles serve on their metrics routes, once an event went
    through the collector (its processes share counters through files, which hold only
    the labelled series that have counted something)."""
    event = {
        "service": "checkout",
        "endpoint": "POST:/pay",
        "metrics": {"response_time": 9.5, "status_code": 200},
    }
    sent = httpx.post(roles.url("collector", "/api/metrics"), json=event, timeout=10)
    assert sent.status_code == 200, sent.text
    names: set[str] = set()
    for role in HEALTH_ROUTES:
        response = httpx.get(roles.url(role, "/metrics"), timeout=10)
        assert response.status_code == 200, f"{role}: {response.status_code}"
        names |= exported_names(response.text)
    return names


@pytest.mark.slow
def test_every_expression_names_only_metrics_the_roles_export(exported: set[str]) -> None:
    dashboard = json.loads(DASHBOARD.read_text())
    queries = expressions(dashboard)
    assert len(queries) >= 20, "the dashboard lost its panels"
    for title, expr in queries:
        names = metric_names(expr)
        assert names, f"{title}: {expr} selects no metric"
        assert names <= exported, f"{title}: {sorted(names - exported)} not exported by any role"


def test_every_role_has_a_panel() -> None:
    queried = set().union(
        *(metric_names(e) for _, e in expressions(json.loads(DASHBOARD.read_text())))
    )
    for prefix in ("seismo_ingest_", "seismo_aggregator_", "seismo_detector_",
                   "seismo_dashboard_", "seismo_deliver", "seismo_redis_"):  # fmt: skip
        assert any(name.startswith(prefix) for name in queried), f"no panel for {prefix}*"


def test_the_name_check_sees_metrics_and_skips_functions_labels_and_clauses() -> None:
    expr = (
        'histogram_quantile(0.95, sum by (le, route) (rate(seismo_x_bucket{status=~"5.."}'
        "[$__rate_interval]))) / on(job) group_left max(seismo_y) * 1e3 > bool 2"
    )
    assert metric_names(expr) == {"seismo_x_bucket", "seismo_y"}
    assert metric_names("up == 0") == {"up"}


def test_exported_names_include_the_samples_of_each_type() -> None:
    exposition = (
        "# HELP a_total x\n# TYPE a_total counter\n"
        "# HELP h x\n# TYPE h histogram\n"
        "# HELP g x\n# TYPE g gauge\ng 1.0\n"
    )
    assert exported_names(exposition) == {
        "a_total", "a_created", "h_bucket", "h_count", "h_sum", "h_created", "g",
    }  # fmt: skip
    multiprocess = "# HELP b_total x\n# TYPE b_total counter\nb_total 1.0\n"
    assert exported_names(multiprocess) == {"b_total", "b_created"}
