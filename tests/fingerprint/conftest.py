"""Fixtures of the fingerprint tests: 5 s windows with 2 s grace, and an ingest call."""

from __future__ import annotations

import pytest
import redis

from seismo.config import Settings
from seismo.engine.keys import Keys

from .events import Ingest, ingest_events


@pytest.fixture
def settings() -> Settings:
    return Settings(window_seconds=5, grace_seconds=2)


@pytest.fixture
def ingest(redis_client: redis.Redis, keys: Keys, settings: Settings) -> Ingest:
    return lambda events: ingest_events(redis_client, keys, settings, events)
