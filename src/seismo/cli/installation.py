"""The installation's Redis for a one-shot command (``seismo keys``, ``audit``, ``report``,
``silence``): where the demo or ``SEISMO_REDIS_URL`` puts it, closed when the command ends.

An unreachable Redis becomes ``EngineUnavailable`` naming the setting, which ``seismo``'s
``main`` prints as one line instead of a stack trace.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import redis

from seismo.config import Settings
from seismo.demo.simulator import demo_redis_url
from seismo.engine.connection import EngineUnavailable, connect


@contextlib.contextmanager
def installation_redis(settings: Settings, **options: Any) -> Iterator[redis.Redis]:
    """A client of the installation's Redis (``options`` as for ``connect``)."""
    url = demo_redis_url(settings)
    client = connect(url, **options)
    try:
        yield client
    except redis.ConnectionError as exc:
        raise EngineUnavailable(
            f"cannot reach Redis at {url} ({exc}): set SEISMO_REDIS_URL"
        ) from None
    finally:
        client.close()
