"""The Lua library writes exactly the features the table declares: none extra, none missing.

The window-closing Function computes the features; ``seismo.fingerprint.features`` declares
them. The entries written through the real ingest and close Functions must hold the table's
system and per-service features, and the Function must refuse names that do not match what
it computes, so that a feature added on one side only fails here.
"""

from __future__ import annotations

import json

import pytest
import redis

from seismo.config import Settings
from seismo.engine.functions import CLOSE_WINDOWS
from seismo.engine.keys import Keys
from seismo.fingerprint.features import SERVICE_FEATURES, SYSTEM_FEATURES
from seismo.fingerprint.windows import lookback_windows, silent_service_windows
from seismo.loops.aggregator import close_windows

from .events import BASE_MS, Ingest, app

DUE = BASE_MS + 7000
"""When the window starting at BASE_MS may close (5 s windows, 2 s grace)."""


def test_every_entry_holds_exactly_the_declared_features(
    redis_client: redis.Redis, keys: Keys, settings: Settings, ingest: Ingest
) -> None:
    ingest([
        app(BASE_MS, service="cart", caller="web", status_code=503),
        app(BASE_MS + 1, service="web", endpoint="GET:/", response_time=4.0),
        {"type": "log", "timestamp": BASE_MS, "level": "error", "message": "x",
         "service": "cart"},
        {"type": "business", "timestamp": BASE_MS, "metric_name": "revenue", "value": 5.0,
         "expected_range": [0, 9], "service": "web"},
    ])  # fmt: skip
    close_windows(redis_client, keys, settings, now_ms=DUE)
    ingest([app(BASE_MS + 5000, service="web")])  # cart falls silent: a zero vector
    close_windows(redis_client, keys, settings, now_ms=DUE + 5000)

    entries = [fields for _, fields in redis_client.xrange(keys.fingerprints)]
    assert len(entries) == 2
    for fields in entries:
        names = json.loads(fields[b"names"])
        assert names == list(SYSTEM_FEATURES)
        assert len(json.loads(fields[b"data"])) == len(SYSTEM_FEATURES)
        services = json.loads(fields[b"services"])
        assert set(services) == {"cart", "web"}
        for vector in services.values():
            assert set(vector) == set(SERVICE_FEATURES)


def _close_with(
    client: redis.Redis, keys: Keys, settings: Settings, system: list[str], service: list[str]
) -> None:
    """``seismo_close_windows`` with feature names other than the table's."""
    argv = [
        keys.prefix, settings.window_seconds * 1000, settings.grace_seconds * 1000, DUE,
        settings.fingerprint_maxlen, 1, lookback_windows(settings),
        silent_service_windows(settings), json.dumps(system), json.dumps(service),
    ]  # fmt: skip
    client.fcall(CLOSE_WINDOWS, len(keys.close_keys), *keys.close_keys, *argv)


@pytest.mark.parametrize(
    ("system", "service", "message"),
    [
        (list(SYSTEM_FEATURES[:-1]), list(SERVICE_FEATURES), "undeclared feature"),
        (list(SYSTEM_FEATURES), list(SERVICE_FEATURES[1:]), "undeclared feature"),
        ([*SYSTEM_FEATURES, "made_up"], list(SERVICE_FEATURES), "unknown feature made_up"),
        (list(SYSTEM_FEATURES), [*SERVICE_FEATURES, "made_up"], "unknown feature made_up"),
    ],
)
def test_names_that_differ_from_what_lua_computes_are_refused(
    redis_client: redis.Redis,
    keys: Keys,
    settings: Settings,
    ingest: Ingest,
    system: list[str],
    service: list[str],
    message: str,
) -> None:
    ingest([app(BASE_MS)])
    with pytest.raises(redis.ResponseError, match=message):
        _close_with(redis_client, keys, settings, system, service)
    assert redis_client.xlen(keys.fingerprints) == 0
