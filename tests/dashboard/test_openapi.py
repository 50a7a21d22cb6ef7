"""The dashboard's OpenAPI document: generated from the Alert dataclass, committed for the
UI's generated types (``ui/openapi.json``), and true to what the API answers."""

from __future__ import annotations

import json
from dataclasses import fields
from pathlib import Path

import httpx
import jsonschema_rs
import redis

from seismo.alert.model import STATUSES, Alert
from seismo.dashboard.openapi import openapi_document
from seismo.engine.keys import Keys
from tests.builders import add_alert, alert_dict
from tests.dashboard.conftest import add_fingerprint, add_log

COMMITTED = Path(__file__).parents[2] / "ui" / "openapi.json"


def validator(name: str) -> jsonschema_rs.Validator:
    """A validator of the document's schema ``name`` (its references resolved in place)."""
    components = openapi_document()["components"]
    return jsonschema_rs.validator_for(
        {"$ref": f"#/components/schemas/{name}", "components": components}
    )


def test_the_committed_document_is_the_one_the_code_produces() -> None:
    committed = json.loads(COMMITTED.read_text())
    assert committed == openapi_document(), "ui/openapi.json is stale: run make ui, commit it"


def test_the_alert_schema_lists_every_field_of_the_dataclass_all_required() -> None:
    schema = openapi_document()["components"]["schemas"]["Alert"]
    names = [f.name for f in fields(Alert)]
    assert list(schema["properties"]) == names
    assert schema["required"] == names
    assert schema["properties"]["status"]["enum"] == list(STATUSES)


def test_an_alert_as_the_detector_writes_it_matches_the_schema() -> None:
    check = validator("Alert")
    assert check.is_valid(alert_dict())
    assert not check.is_valid(alert_dict(status="scoring"))
    assert not check.is_valid({k: v for k, v in alert_dict().items() if k != "impacted"})


def test_what_the_api_answers_matches_its_schemas(
    api: httpx.Client, redis_client: redis.Redis, keys: Keys
) -> None:
    add_alert(redis_client, keys, alert_dict("a1", 1000))
    add_fingerprint(redis_client, keys, 5000, [1, 1, 0, 100], services={"api": {"x": 1}})
    add_log(redis_client, keys, "db timeout")
    listings = {
        "/api/anomalies": "AlertWithFeedback",
        "/api/fingerprints": "Fingerprint",
        "/api/logs": "LogEvent",
    }
    for path, name in listings.items():
        items = api.get(path).json()["items"]
        assert items, path
        for item in items:
            validator(name).validate(item)
    validator("Health").validate(api.get("/health").json())
    validator("RedisData").validate(api.get("/redis-data").json())
    mark = api.post("/api/anomalies/a1/ack")
    validator("FeedbackEvent").validate(mark.json())
