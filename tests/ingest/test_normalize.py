"""Payload normalisation: both shapes give the same event; timestamps in every format."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from seismo.ingest.normalize import (
    FieldError,
    application_event,
    batch_item_event,
    business_event,
    epoch_ms,
    log_event,
)

NOW = int(datetime(2026, 11, 25, 12, 0, tzinfo=UTC).timestamp() * 1000)


def test_nested_and_flat_application_shapes_give_the_same_event() -> None:
    nested = {
        "service": "a",
        "endpoint": "GET:/x",
        "metrics": {"response_time": 5, "status_code": 201},
    }
    flat = {"service": "a", "endpoint": "GET:/x", "response_time": 5, "status_code": 201}
    assert application_event(nested, NOW) == application_event(flat, NOW)


@pytest.mark.parametrize(
    "value",
    [
        NOW / 1000,
        NOW,
        str(NOW),
        "2026-11-25T12:00:00Z",
        "2026-11-25T13:00:00+01:00",
        "2026-11-25T12:00:00",
    ],
)
def test_timestamps_in_every_accepted_format(value: float | str) -> None:
    assert epoch_ms(value, NOW + 1000) == NOW


def test_absent_timestamp_means_now() -> None:
    assert epoch_ms(None, NOW) == NOW


@pytest.mark.parametrize("value", [float("inf"), -5, 1_000, "soon", NOW + 2 * 3_600_000])
def test_impossible_timestamps_are_refused(value: float | str) -> None:
    with pytest.raises(FieldError) as caught:
        epoch_ms(value, NOW)
    assert caught.value.field == "timestamp"


def test_log_level_synonyms_map_to_canonical_levels() -> None:
    levels = [
        log_event({"level": name, "message": "m"}, NOW)["level"]
        for name in ("WARN", "fatal", "err", "info")
    ]
    assert levels == ["warning", "critical", "error", "info"]


def test_business_metric_type_shape_keeps_descriptive_fields_as_metadata() -> None:
    event = business_event({"metric_type": "revenue", "value": 9.5, "currency": "EUR"}, NOW)
    assert event["metric_name"] == "revenue"
    assert event["metadata"] == {"currency": "EUR"}


def test_batch_item_errors_are_named_by_their_path() -> None:
    with pytest.raises(FieldError) as caught:
        batch_item_event({"type": "metric", "data": {"service": "a"}}, 7, NOW)
    assert caught.value.field == "metrics[7].data.endpoint"
