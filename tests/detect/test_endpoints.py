"""Naming the endpoint that carries a service's error or latency change."""

from __future__ import annotations

from seismo.detect.endpoints import carrying_endpoint, with_endpoints
from seismo.detect.explain import Finding, summary
from seismo.detect.fingerprint_model import Deviation

ERRORS = Deviation("error_rate_5xx", 0.001, 0.01, 0.35, 34.9)
SLOWER = Deviation("latency_p50", 40.0, 5.0, 240.0, 40.0)


def event(
    endpoint: str, status: int = 200, latency: float = 40.0, at: int = 1_500
) -> dict[str, str]:
    return {
        "timestamp": str(at),
        "service": "payments",
        "endpoint": endpoint,
        "status_code": str(status),
        "response_time": str(latency),
    }


def test_the_endpoint_with_most_of_the_5xx_is_named() -> None:
    events = (
        [event("POST:/pay", 500)] * 9 + [event("GET:/refunds", 500)] + [event("GET:/refunds")] * 30
    )

    assert carrying_endpoint(events, 1_000, 2_000, ERRORS) == "POST:/pay"


def test_5xx_spread_over_endpoints_name_none() -> None:
    events = [event("POST:/pay", 500)] * 5 + [event("GET:/refunds", 500)] * 4

    assert carrying_endpoint(events, 1_000, 2_000, ERRORS) is None


def test_too_few_5xx_name_none_and_events_outside_the_window_do_not_count() -> None:
    late = [event("POST:/pay", 500, at=2_000)] * 10

    assert carrying_endpoint([event("POST:/pay", 500)] * 2 + late, 1_000, 2_000, ERRORS) is None


def test_the_endpoint_with_most_of_the_slow_answers_is_named() -> None:
    events = [event("GET:/quote", latency=250.0)] * 6 + [event("POST:/pay", latency=45.0)] * 20

    assert carrying_endpoint(events, 1_000, 2_000, SLOWER) == "GET:/quote"


def test_a_firing_service_finding_names_its_endpoint_in_the_summary() -> None:
    errors = Finding("service", "payments", 0.99, (ERRORS,))
    traffic = Finding("service", "web", 0.99, (Deviation("request_count", 40, 6, 160, 20),))
    asked: list[str] = []

    def events(service: str) -> list[dict[str, str]]:
        asked.append(service)
        return [event("POST:/pay", 500)] * 4

    named = with_endpoints([errors, traffic], (1_000, 2_000), events, 0.9)

    assert [f.endpoint for f in named] == ["POST:/pay", None]
    assert asked == ["payments"]
    assert summary(named[0]).startswith("5xx error rate of payments (POST:/pay) rose from")
