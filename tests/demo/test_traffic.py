"""The traffic model: realistic normal traffic, and each fault kind visible where it should be."""

from __future__ import annotations

import statistics
from collections.abc import Callable

import pytest

from seismo.demo.faults import new_fault
from seismo.demo.system import SHOP
from seismo.demo.traffic import Item, TrafficModel

NEW_DEPENDENCY = SHOP.new_dependency
REVENUE_RANGE = SHOP.kpi.expected_range
SERVICES = SHOP.services

START = 1_800_000_000_000
SECONDS = 60


def run(kind: str | None, service: str | None = None, seed: int = 3) -> list[list[Item]]:
    """One minute of traffic per second, with ``kind`` active from the start if given."""
    model = TrafficModel(seed=seed, base_rate=15.0, period_s=300.0)
    faults = [] if kind is None else [new_fault(kind, service, 3600, START)]
    return [model.tick(START + s * 1000, 1.0, faults).items for s in range(SECONDS)]


def of(ticks: list[list[Item]], kind: str, service: str | None = None) -> list[Item]:
    return [
        item
        for tick in ticks
        for item in tick
        if item["type"] == kind and (service is None or item.get("service") == service)
    ]


def error_rate(items: list[Item]) -> float:
    return sum(item["status_code"] >= 500 for item in items) / len(items)


def p50(items: list[Item]) -> float:
    return statistics.median(item["response_time"] for item in items)


def test_the_same_seed_gives_the_same_traffic() -> None:
    assert run(None, seed=5) == run(None, seed=5)
    assert run(None, seed=5) != run(None, seed=6)


def test_normal_traffic_covers_every_service_with_callers_and_few_errors() -> None:
    metrics = of(run(None), "application")
    assert {item["service"] for item in metrics} == set(SERVICES)
    callers = {(item.get("caller"), item["service"]) for item in metrics}
    assert ("api-gateway", "payments") not in callers
    assert ("checkout", "payments") in callers
    assert ("web", "api-gateway") in callers
    assert error_rate(metrics) < 0.03
    assert all(item["response_time"] > 0 for item in metrics)


def test_a_caller_takes_at_least_as_long_as_the_calls_it_makes() -> None:
    web = of(run(None), "application", "web")
    gateway = of(run(None), "application", "api-gateway")
    assert p50(web) > p50(gateway)


def test_paid_orders_report_a_revenue_kpi_inside_its_expected_range() -> None:
    revenue = of(run(None), "business")
    assert len(revenue) > 20
    inside = [REVENUE_RANGE[0] <= item["value"] <= REVENUE_RANGE[1] for item in revenue]
    assert sum(inside) / len(inside) > 0.98
    assert all(item["metric_name"] == "revenue" and item["expected_range"] for item in revenue)


def test_the_rate_swings_over_the_compressed_day() -> None:
    model = TrafficModel(seed=1, base_rate=20.0, period_s=100.0)
    peak = statistics.mean(model.rate(START + 25_000 + i) for i in range(200))
    trough = statistics.mean(model.rate(START + 75_000 + i) for i in range(200))
    assert peak > 1.4 * trough


Check = Callable[[list[list[Item]], list[list[Item]]], bool]
CHECKS: dict[str, tuple[str, Check]] = {
    "error-spike": (
        "payments",
        lambda normal, fault: (
            error_rate(of(fault, "application", "payments"))
            > 0.2
            > 5 * error_rate(of(normal, "application", "payments"))
        ),
    ),
    "latency-regression": (
        "catalog",
        lambda normal, fault: (
            p50(of(fault, "application", "catalog")) > 4 * p50(of(normal, "application", "catalog"))
        ),
    ),
    "traffic-surge": (
        "web",
        lambda normal, fault: len(of(fault, "application")) > 3 * len(of(normal, "application")),
    ),
    "traffic-drop": (
        "web",
        lambda normal, fault: len(of(fault, "application")) < 0.3 * len(of(normal, "application")),
    ),
    "new-dependency": (
        "checkout",
        lambda normal, fault: (
            not of(normal, "application", NEW_DEPENDENCY.service)
            and {item.get("caller") for item in of(fault, "application", NEW_DEPENDENCY.service)}
            == {"checkout"}
        ),
    ),
    "slow-degradation": (
        "users",
        lambda normal, fault: (
            p50(of(fault[-10:], "application", "users"))
            > 2 * p50(of(fault[:10], "application", "users"))
        ),
    ),
    "kpi-drop": (
        "checkout",
        lambda normal, fault: (
            statistics.median(i["value"] for i in of(fault, "business"))
            < REVENUE_RANGE[0]
            < statistics.median(i["value"] for i in of(normal, "business"))
        ),
    ),
    "service-down": (
        "users",
        lambda normal, fault: (
            bool(of(normal, "application", "users"))
            and not of(fault, "application", "users")
            and error_rate(of(fault, "application", "checkout"))
            > 0.2
            > 5 * error_rate(of(normal, "application", "checkout"))
        ),
    ),
}


@pytest.mark.parametrize("kind", sorted(CHECKS))
def test_each_fault_kind_changes_the_traffic_of_its_target(kind: str) -> None:
    service, check = CHECKS[kind]
    assert check(run(None), run(kind, service))


def test_an_error_spike_shows_in_the_error_logs_of_the_failing_service() -> None:
    logs = of(run("error-spike", "payments"), "log", "payments")
    assert sum(item["level"] == "error" for item in logs) > 10
