"""The Lua Function library ``seismo`` and the names of the Functions it registers.

The library source lives beside this module (``lua/seismo.lua``); each Function there has a
``KEYS`` / ``ARGV`` header. ``load_library`` replaces whatever version the server had, so
every process that starts brings the server up to its own code.
"""

from __future__ import annotations

from importlib import resources

import redis

LIBRARY_NAME = "seismo"
LIBRARY_VERSION = "2"

INGEST = "seismo_ingest"
"""Apply a list of validated events: sketches, streams and the per-window structures."""
CLOSE_WINDOWS = "seismo_close_windows"
"""Close every window whose end plus grace has passed: one fingerprint each, exactly once."""
VERSION = "seismo_version"
"""The loaded library's version, to check it matches ``LIBRARY_VERSION``."""


def library_source() -> str:
    """The Lua source of the ``seismo`` library."""
    return resources.files("seismo.engine").joinpath("lua/seismo.lua").read_text()


def load_library(client: redis.Redis) -> str:
    """``FUNCTION LOAD REPLACE`` the library and return the version the server now runs."""
    client.function_load(library_source(), replace=True)
    return loaded_version(client)


def loaded_version(client: redis.Redis) -> str:
    """The version of the ``seismo`` library the server runs."""
    version = client.fcall_ro(VERSION, 0)
    return version.decode() if isinstance(version, bytes) else str(version)
