"""A batch none of whose items is valid is answered as its OpenAPI document says (found by
``seismo bench fuzz``: the 422 BatchResult used to break the documented 422 ErrorBody)."""

from __future__ import annotations

from typing import Any

import pytest
import redis
import schemathesis
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from seismo.bench.serving import serving
from seismo.engine.server import EmbeddedRedis
from seismo.ingest.app import create_app
from tests.ingest.conftest import collector_settings


@pytest.mark.parametrize(
    "body",
    [
        {"metrics": []},
        {"metrics": [{"type": "nope"}]},
        {"metrics": [{"type": "log", "level": "loud", "message": "x"}], "batch_id": "b-1"},
        {"items": []},
    ],
)
def test_a_rejected_batch_answers_422_as_documented(
    body: dict[str, Any], redis_server: EmbeddedRedis, redis_client: redis.Redis
) -> None:
    with serving(create_app(collector_settings(redis_server.url))) as url:
        schema = schemathesis.openapi.from_url(f"{url}/openapi.json")
        case = schema["/api/batch"]["POST"].Case(body=body, media_type="application/json")
        response = case.call(base_url=url)
        assert response.status_code == 422
        checks = [status_code_conformance, content_type_conformance, response_schema_conformance]
        case.validate_response(response, checks=checks)
