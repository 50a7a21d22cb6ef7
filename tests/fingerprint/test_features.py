"""The pure side: feature lists, window arithmetic, TTLs and parsing a stream entry."""

from __future__ import annotations

import json
from pathlib import Path

from seismo.config import Settings
from seismo.fingerprint.entry import Fingerprint
from seismo.fingerprint.features import (
    BY_NAME,
    FEATURES,
    SERVICE_FEATURES,
    SYSTEM_FEATURES,
    feature_table,
    feature_table_markdown,
)
from seismo.fingerprint.windows import (
    CLOSE_BATCH,
    lookback_windows,
    newest_closable,
    seconds_until_due,
    window_id,
    window_ttl_seconds,
)
from seismo.loops.aggregator import CloseResult, next_wait

CONTRACT = {
    "request_count", "request_rate", "error_rate_4xx", "error_rate_5xx", "latency_p50",
    "latency_p95", "latency_p99", "distinct_endpoints", "new_interactions",
    "top_endpoint_share", "log_errors", "log_warnings", "business_observations",
    "business_out_of_range",
}  # fmt: skip


def test_system_vector_holds_every_contract_feature_once() -> None:
    assert set(SYSTEM_FEATURES) >= CONTRACT
    assert len(set(SYSTEM_FEATURES)) == len(SYSTEM_FEATURES)


def test_service_vector_drops_only_system_wide_features() -> None:
    assert set(SYSTEM_FEATURES) - set(SERVICE_FEATURES) == {"top_endpoint_share", "active_services"}
    assert [row[0] for row in feature_table()] == list(SYSTEM_FEATURES)


def test_window_ttl_covers_three_windows_grace_and_a_minute() -> None:
    settings = Settings(window_seconds=5, grace_seconds=2)
    assert window_ttl_seconds(settings) == 77
    assert lookback_windows(settings) == 16  # ceil(77 / 5)


def test_a_window_closes_at_its_end_plus_grace() -> None:
    assert window_id(10_004_999, 5000) == 2000
    assert newest_closable(now_ms=17_000, window_ms=5000, grace_ms=2000) == 2  # [10 s, 15 s)
    assert newest_closable(now_ms=16_999, window_ms=5000, grace_ms=2000) == 1


def test_aggregator_sleeps_until_the_next_window_is_due() -> None:
    settings = Settings(window_seconds=5, grace_seconds=2)
    # window 2 closed; window 3 ends at 20 s and is due at 22 s
    assert seconds_until_due(2, now_ms=17_500, settings=settings) == 4.5
    assert seconds_until_due(2, now_ms=30_000, settings=settings) == 0.0
    assert seconds_until_due(2, now_ms=-(10**9), settings=settings) == 7.0  # clock jumped back
    backlog = CloseResult(closed=CLOSE_BATCH, last_closed=2, skipped=0, now_ms=17_500)
    assert next_wait(backlog, settings) == 0.0


def test_entry_fields_parse_into_a_named_vector() -> None:
    fields = {
        b"window_start": b"1000",
        b"window_end": b"6000",
        b"names": json.dumps(["request_count", "error_rate_5xx"]).encode(),
        b"data": b"[4, 0.25]",
        b"services": b'{"a": {"request_count": 4}}',
        b"metrics": b'{"revenue": {"count": 1, "mean": 5, "out_of_range": 0}}',
        b"late_events": b"3",
    }
    fp = Fingerprint.from_entry(fields)
    assert fp.system == {"request_count": 4.0, "error_rate_5xx": 0.25}
    assert (fp.window_start, fp.window_end, fp.late_events) == (1000, 6000, 3)
    assert fp.services["a"]["request_count"] == 4
    assert fp.metrics["revenue"]["mean"] == 5


def test_readme_documents_every_feature() -> None:
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    section = readme.split("\n## Fingerprints\n")[1].split("\n## ")[0]
    assert all(f"| `{name}` |" in section for name in SYSTEM_FEATURES)


def test_readme_feature_table_is_the_generated_one() -> None:
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    assert feature_table_markdown() in readme


def test_every_feature_has_a_kind_a_label_and_a_known_scope() -> None:
    assert len(BY_NAME) == len(FEATURES)
    for feature in FEATURES:
        assert feature.label and feature.meaning and feature.floor > 0
        assert feature.scopes and set(feature.scopes) <= {"system", "service", "metric"}
