"""Property-based fuzzing of the dashboard from its own OpenAPI document: no 5xx, ever."""

from __future__ import annotations

import redis
import schemathesis
from hypothesis import HealthCheck, given, settings

from seismo.engine.keys import Keys
from tests.builders import add_alert, alert_dict
from tests.dashboard.conftest import add_fingerprint, add_log


def test_no_generated_request_makes_the_dashboard_answer_5xx(
    server: str, redis_client: redis.Redis, keys: Keys
) -> None:
    add_fingerprint(redis_client, keys, 5000, [1, 1, 0, 100], services={"api": {"x": 1}})
    add_alert(redis_client, keys, alert_dict("a1", 1000))
    add_log(redis_client, keys, "db timeout")
    schema = schemathesis.openapi.from_url(f"{server}/openapi.json")
    checked = []
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
        def call(case: schemathesis.Case) -> None:
            response = case.call(base_url=server)
            assert response.status_code < 500, (
                f"{case.method} {case.formatted_path}: {response.status_code} {response.text}"
            )

        call()
        checked.append(operation.label)
    assert "GET /api/anomalies" in checked
    assert "POST /api/anomalies/{id}/false-alarm" in checked
