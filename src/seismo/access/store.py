"""API keys in Redis: the ``api-keys`` hash (digest -> record) and ``api-key-uses``.

``KeyStore`` is what ``seismo keys`` uses (synchronous, one Redis round trip per call);
``find`` and ``touch`` are the two calls the web apps' gate makes, asynchronously.
"""

from __future__ import annotations

from dataclasses import dataclass

import redis
import redis.asyncio as aioredis

from seismo.access import tokens
from seismo.access.scopes import Scope
from seismo.access.tokens import ApiKey
from seismo.engine.keys import Keys


@dataclass(frozen=True)
class Listed:
    """A key as ``seismo keys list`` shows it: its record and when it was last used."""

    key: ApiKey
    last_used_ms: int | None


class UnknownKey(LookupError):
    """No key has this id or name."""


@dataclass(frozen=True)
class KeyStore:
    """Create, list and revoke keys (``seismo keys``)."""

    client: redis.Redis
    keys: Keys

    def create(
        self, name: str | None, scope: Scope, now_ms: int, expires_ms: int | None
    ) -> tuple[str, ApiKey]:
        """Store a new key's record; the key itself, which nothing keeps, is returned too."""
        token, record = tokens.new_key(name, scope, now_ms, expires_ms)
        self.client.hset(self.keys.api_keys, record.digest, tokens.encode(record))
        return token, record

    def listing(self) -> list[Listed]:
        """Every key, oldest first."""
        records = [tokens.decode(raw) for raw in self.client.hvals(self.keys.api_keys)]
        uses = self.client.hgetall(self.keys.api_key_uses)
        listed = [Listed(r, _int(uses.get(r.digest.encode()))) for r in records]
        return sorted(listed, key=lambda item: item.key.created_ms)

    def revoke(self, id_or_name: str) -> list[ApiKey]:
        """Delete every key whose id or name is ``id_or_name``; UnknownKey when none is."""
        gone = [item.key for item in self.listing() if id_or_name in (item.key.id, item.key.name)]
        if not gone:
            raise UnknownKey(f"no API key has the id or name {id_or_name!r}")
        digests = [key.digest for key in gone]
        self.client.hdel(self.keys.api_keys, *digests)
        self.client.hdel(self.keys.api_key_uses, *digests)
        return gone


def _int(raw: bytes | str | None) -> int | None:
    return None if raw is None else int(raw)


async def find(client: aioredis.Redis, keys: Keys, hashed: str) -> ApiKey | None:
    """The record of the key whose digest is ``hashed``, or None."""
    raw = await client.hget(keys.api_keys, hashed)
    if raw is None:
        return None
    record = tokens.decode(raw)
    return record if tokens.matches(record, hashed) else None


async def touch(client: aioredis.Redis, keys: Keys, hashed: str, now_ms: int) -> None:
    """Note that the key was used at ``now_ms``."""
    await client.hset(keys.api_key_uses, hashed, now_ms)
