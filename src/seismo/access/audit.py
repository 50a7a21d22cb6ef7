"""The audit log: the capped ``audit`` stream of admin actions and refused requests.

Each entry says who (the key's name; ``anonymous`` without one, ``cli:<user>`` for
``seismo keys``), with which scope, did what (method and path, or a command), when, from
which address, and how it ended. The gate writes an entry for every request to an admin
route and for every request it refuses (401, 403); ``seismo keys`` and ``seismo silence``
write one per change.
The dashboard's ``GET /api/audit`` (admin scope) and ``seismo audit`` read it, newest first.
"""

from __future__ import annotations

import getpass
import time
from typing import Any, cast

import msgspec
import redis
import redis.asyncio as aioredis

from seismo.engine.keys import Keys

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000


class Entry(msgspec.Struct, frozen=True):
    """One audit entry. ``outcome`` is ``ok``, ``failed`` (the route answered an error) or
    ``denied: <reason>``; ``status`` the HTTP status answered (0 for a command)."""

    time_ms: int
    who: str
    scope: str
    action: str
    address: str
    outcome: str
    status: int = 0
    id: str = ""

    def fields(self) -> dict[str, str]:
        """The stream entry's fields (the id is the stream's)."""
        values = msgspec.structs.asdict(self)
        values.pop("id")
        return {name: str(value) for name, value in values.items()}


def outcome_of(status: int) -> str:
    return "ok" if status < 400 else "failed"


async def append(client: aioredis.Redis, keys: Keys, entry: Entry, maxlen: int) -> None:
    """Add ``entry`` to the stream, trimmed to about ``maxlen`` entries."""
    await client.xadd(keys.audit, entry.fields(), maxlen=maxlen, approximate=True)  # type: ignore[arg-type]


def by_command(client: redis.Redis, keys: Keys, action: str, maxlen: int) -> None:
    """Audit an admin command run on this host (``seismo keys``, ``seismo silence``) as
    ``cli:<user>``: it reaches Redis directly, so no key names who ran it."""
    who = f"cli:{getpass.getuser()}"
    entry = Entry(int(time.time() * 1000), who, "admin", action, "local", "ok")
    client.xadd(keys.audit, entry.fields(), maxlen=maxlen, approximate=True)  # type: ignore[arg-type]


def recent(client: redis.Redis, keys: Keys, limit: int = DEFAULT_LIMIT) -> list[Entry]:
    """The newest ``limit`` entries, newest first."""
    reply = client.xrevrange(keys.audit, count=min(max(limit, 1), MAX_LIMIT))
    rows = cast("list[tuple[Any, dict[Any, Any]]]", reply or [])
    return [_entry(entry_id, fields) for entry_id, fields in rows]


def _entry(entry_id: Any, fields: dict[Any, Any]) -> Entry:
    text = {_str(name): _str(value) for name, value in fields.items()}
    return Entry(
        time_ms=int(text.get("time_ms", 0)),
        who=text.get("who", ""),
        scope=text.get("scope", ""),
        action=text.get("action", ""),
        address=text.get("address", ""),
        outcome=text.get("outcome", ""),
        status=int(text.get("status", 0)),
        id=_str(entry_id),
    )


def _str(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
