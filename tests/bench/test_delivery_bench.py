"""``seismo bench delivery``'s arithmetic and routing file (the runs themselves start a
notifier process each and take a minute: they are the bench, not a test)."""

from __future__ import annotations

from seismo.alert.routing import parse_routing
from seismo.bench.delivery import Workload, result, routing_text
from seismo.bench.delivery_receiver import Arrivals


def test_latency_is_from_append_to_arrival_at_every_receiver_and_rate_over_the_run() -> None:
    appended = {f"a{i}": 100.0 + i for i in range(10)}
    receivers = [Arrivals(), Arrivals()]
    for i in range(10):
        receivers[0].note(f"a{i}", 100.0 + i + 0.010)
        receivers[1].note(f"a{i}", 100.0 + i + 0.030)
    measured = result("paced", appended, receivers)
    assert (measured.alerts, measured.receivers) == (10, 2)
    assert measured.p50_ms == 20.0 and measured.max_ms == 30.0
    assert measured.p99_ms <= measured.max_ms
    assert measured.per_second == round(10 / 9.03, 1)


def test_the_bench_routing_file_sends_every_alert_to_every_receiver() -> None:
    routing = parse_routing(routing_text(["http://127.0.0.1:1/hook", "http://127.0.0.1:2/hook"]))
    assert [
        name for _, route in routing.routes_for({"severity": "info"}) for name in route.receivers
    ] == ["hook0", "hook1"]


def test_a_scaled_workload_keeps_at_least_ten_alerts_per_run() -> None:
    assert Workload().scaled(0.001) == Workload(10, 10, 50.0)
