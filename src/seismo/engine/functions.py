"""The Lua Function libraries ``seismo`` and ``seismo_limits``, and their Functions' names.

The library sources live beside this module (``lua/seismo.lua``, ``lua/seismo_limits.lua``);
each Function there has a ``KEYS`` / ``ARGV`` header. ``load_library`` replaces whatever
version the server had, so every process that starts brings the server up to its own code.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from typing import Any

import redis

from seismo.config import Settings
from seismo.engine.keys import Keys

LIBRARY_VERSION = "7"

TTL_MARGIN_S = 60
"""Extra life of a window's structures beyond the time it should be closed, so an
aggregator restarting within a minute still finds them."""


def window_ttl_seconds(settings: Settings) -> int:
    """TTL of per-window keys (the ingest Function's ARGV[4]): three windows, the grace
    period and a minute's margin, so a window's data outlives a late or restarted
    aggregator; the closing Function deletes the keys as soon as the window is closed."""
    return settings.window_seconds * 3 + settings.grace_seconds + TTL_MARGIN_S


INGEST = "seismo_ingest"
"""Apply a list of validated events: sketches, streams and the per-window structures."""
CLOSE_WINDOWS = "seismo_close_windows"
"""Close every window whose end plus grace has passed: one fingerprint each, exactly once."""
MERGE_WINDOWS = "seismo_merge_windows"
"""Join the shards' closed windows into one system fingerprint each, exactly once."""
VERSION = "seismo_version"
"""The loaded library's version, to check it matches ``LIBRARY_VERSION``."""
TAKE_TOKEN = "seismo_take_token"
"""Take tokens from one API key's bucket (library ``seismo_limits``): allowed, or the wait."""


def library_source() -> str:
    """The Lua source of the ``seismo`` library."""
    return resources.files("seismo.engine").joinpath("lua/seismo.lua").read_text()


def limits_source() -> str:
    """The Lua source of the ``seismo_limits`` library (rate limits)."""
    return resources.files("seismo.engine").joinpath("lua/seismo_limits.lua").read_text()


def load_library(client: redis.Redis) -> str:
    """``FUNCTION LOAD REPLACE`` both libraries; the version of ``seismo`` the server now runs."""
    client.function_load(library_source(), replace=True)
    client.function_load(limits_source(), replace=True)
    return loaded_version(client)


def loaded_version(client: redis.Redis) -> str:
    """The version of the ``seismo`` library the server runs."""
    version = client.fcall_ro(VERSION, 0)
    return version.decode() if isinstance(version, bytes) else str(version)


BATCH_ID_TTL_S = 86_400
"""How long a batch id is remembered, so a client's retries within a day count once."""


@dataclass(frozen=True)
class IngestCall:
    """How to call ``seismo_ingest`` for one installation (its ``KEYS`` and fixed ``ARGV``)."""

    keys: Keys
    window_ms: int
    stream_maxlen: int
    window_ttl_s: int

    @classmethod
    def from_settings(cls, settings: Settings, keys: Keys) -> IngestCall:
        """The call for ``settings`` (window length, stream cap, per-window key TTL)."""
        ttl = window_ttl_seconds(settings)
        return cls(keys, settings.window_seconds * 1000, settings.stream_maxlen, ttl)

    def fcall_args(self, events_json: bytes, batch_id: str | None = None) -> list[Any]:
        """Arguments after the Function name: numkeys, KEYS, then ARGV as the header lists."""
        keys = self.keys.ingest_keys
        if batch_id:
            keys.append(self.keys.batch_marker(batch_id))
        argv = [
            self.keys.prefix,
            self.window_ms,
            self.stream_maxlen,
            self.window_ttl_s,
            BATCH_ID_TTL_S,
            events_json,
        ]
        return [len(keys), *keys, *argv]
