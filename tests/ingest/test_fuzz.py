"""Property-based fuzzing of the collector from its own OpenAPI document: no 5xx, ever."""

from __future__ import annotations

import redis
import schemathesis
from hypothesis import HealthCheck, given, settings

from seismo.bench.serving import serving
from seismo.engine.server import EmbeddedRedis
from seismo.ingest.app import create_app
from tests.ingest.conftest import collector_settings


def test_no_generated_input_makes_the_collector_answer_5xx(
    redis_server: EmbeddedRedis, redis_client: redis.Redis
) -> None:
    with serving(create_app(collector_settings(redis_server.url))) as url:
        schema = schemathesis.openapi.from_url(f"{url}/openapi.json")
        checked = []
        for result in schema.get_all_operations():
            operation = result.ok()

            @given(case=operation.as_strategy())
            @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
            def call(case: schemathesis.Case) -> None:
                response = case.call(base_url=url)
                assert response.status_code < 500, (
                    f"{case.method} {case.formatted_path}: {response.status_code} {response.text}"
                )

            call()
            checked.append(operation.label)
        assert "POST /api/batch" in checked
