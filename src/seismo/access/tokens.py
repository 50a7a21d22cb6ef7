"""API keys as values: making one, hashing it, reading it from a request, its record.

A key is 32 random bytes (256 bits, ``secrets``) written in URL-safe base64 after a
``seismo_`` prefix that secret scanners can match. Redis keeps only its SHA-256 digest: a
slow password hash (bcrypt, argon2) protects guessable human passwords, but a 256-bit random
token cannot be guessed, so one fast hash is enough for a stolen copy of Redis to reveal no
usable key, and it lets a request be checked with one lookup. Looking a key up by its
digest is also what makes the check timing-safe: how long the lookup takes depends on the
digest, which says nothing about how close a guess was to a real key; the record found is
then compared with ``hmac.compare_digest`` all the same.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Mapping

import msgspec

from seismo.access.scopes import Scope

PREFIX = "seismo_"
TOKEN_BYTES = 32
ID_LENGTH = 12
"""Hex digits of the digest shown as a key's id: enough to tell keys apart, useless to an
attacker (a prefix of a hash of 256 random bits)."""
QUERY_PARAMETER = "api_key"
"""How a browser's WebSocket, which cannot send headers, passes its key: ``/ws?api_key=``."""
DURATION = re.compile(r"^(\d+)([smhdw])$")
UNIT_S = {"s": 1, "m": 60, "h": 3600, "d": 86_400, "w": 604_800}


class ApiKey(msgspec.Struct, frozen=True):
    """What Redis keeps about one key (never the key itself)."""

    id: str
    name: str
    scope: Scope
    created_ms: int
    digest: str
    expires_ms: int | None = None

    def expired(self, now_ms: int) -> bool:
        return self.expires_ms is not None and now_ms >= self.expires_ms


def new_token() -> str:
    """A fresh key, shown once to whoever created it."""
    return PREFIX + secrets.token_urlsafe(TOKEN_BYTES)


def digest(token: str) -> str:
    """The SHA-256 hex digest Redis stores and looks a key up by."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_key(
    name: str | None, scope: Scope, now_ms: int, expires_ms: int | None
) -> tuple[str, ApiKey]:
    """A new key and its record (named by its id when no name is given)."""
    token = new_token()
    hashed = digest(token)
    key_id = hashed[:ID_LENGTH]
    return token, ApiKey(key_id, name or key_id, scope, now_ms, hashed, expires_ms)


def matches(record: ApiKey, hashed: str) -> bool:
    """The record found is the one asked for, compared in constant time."""
    return hmac.compare_digest(record.digest, hashed)


def encode(record: ApiKey) -> bytes:
    return msgspec.json.encode(record)


def decode(raw: bytes | str) -> ApiKey:
    return msgspec.json.decode(raw, type=ApiKey)


def credentials(headers: Mapping[str, str], query: Mapping[str, str]) -> str | None:
    """The key a request carries: ``Authorization: Bearer``, ``X-API-Key``, else (for a
    browser's WebSocket) the ``api_key`` query parameter; None when it carries none."""
    authorization = headers.get("authorization", "")
    scheme, _, value = authorization.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return headers.get("x-api-key") or query.get(QUERY_PARAMETER) or None


def duration_ms(text: str) -> int:
    """``30d``, ``12h``, ``90m``, ``2w``, ``45s`` in milliseconds; ValueError otherwise."""
    found = DURATION.match(text.strip())
    if found is None or int(found.group(1)) == 0:
        raise ValueError(f"{text!r} is not a duration such as 30d, 12h, 90m, 2w")
    return int(found.group(1)) * UNIT_S[found.group(2)] * 1000
