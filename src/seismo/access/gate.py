"""The ASGI middleware both web apps put in front of their routes.

For each HTTP request and WebSocket it asks the app's policy (``seismo.access.scopes``)
which scope the route needs. Open routes pass. With ``SEISMO_AUTH=required`` the request's
key must be known, unexpired and of a scope that grants the route's, else 401 or 403 as
JSON naming the problem; a known key then takes a token from its bucket when the app has a
rate limit (429 with ``Retry-After`` when empty). Every refusal and every request to an
admin route (with or without auth) is written to the audit log. A refused WebSocket is
accepted and closed at once with code 4401, 4403 or 4429 and the reason, which a browser
can read (a refused handshake shows it nothing).

Known keys are remembered for ``CACHE_S`` per process, so a busy collector asks Redis once
per key every few seconds, and a revoked key stops working within that time.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import redis.asyncio as aioredis
from starlette.authentication import SimpleUser
from starlette.datastructures import Headers, QueryParams
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from seismo.access import audit, store, tokens
from seismo.access.limits import RateLimit
from seismo.access.scopes import Scope as KeyScope
from seismo.access.scopes import grants
from seismo.access.tokens import ApiKey
from seismo.config import Settings
from seismo.engine.keys import Keys
from seismo.web import REDIS_DOWN, error, redis_unavailable

log = logging.getLogger("seismo.access")
Policy = Callable[[str, str], KeyScope | None]
CACHE_S = 5.0
CACHE_SIZE = 10_000
WS_CLOSE = {401: 4401, 403: 4403, 429: 4429}
"""WebSocket close codes of a refusal: 4000 + the HTTP status it stands for."""


@dataclass(frozen=True)
class Access:
    """What the gate of one app needs to know."""

    policy: Policy
    required: bool
    client: aioredis.Redis
    keys: Keys
    audit_maxlen: int
    limit: RateLimit | None = None
    clock: Callable[[], float] = time.time

    @classmethod
    def of(
        cls, settings: Settings, policy: Policy, client: aioredis.Redis, *, limited: bool = False
    ) -> Access:
        """The access rules ``settings`` give an app (rate limited when ``limited``)."""
        rate = settings.rate_limit_per_second
        limit = RateLimit(rate, settings.rate_limit_burst) if limited and rate > 0 else None
        return cls(
            policy,
            settings.auth == "required",
            client,
            Keys(settings.namespace),
            settings.audit_maxlen,
            limit,
        )


@dataclass(frozen=True)
class Refusal:
    """Why a request is refused: its status, message and the field it is about."""

    status: int
    message: str
    field: str
    who: str = "anonymous"
    scope: str = ""
    retry_after_s: int = 0

    @property
    def audited(self) -> bool:
        """Auth failures are audited; a rate-limited flood is not (it would fill the log)."""
        return self.status != 429


@dataclass
class Call:
    """One request as the gate sees it."""

    method: str
    path: str
    headers: Headers
    query: QueryParams
    address: str
    websocket: bool

    @classmethod
    def of(cls, scope: Scope) -> Call:
        websocket = scope["type"] == "websocket"
        client = scope.get("client")
        return cls(
            "WEBSOCKET" if websocket else str(scope["method"]),
            str(scope["path"]),
            Headers(scope=scope),
            QueryParams(scope.get("query_string", b"")),
            str(client[0]) if client else "",
            websocket,
        )

    @property
    def action(self) -> str:
        return f"{self.method} {self.path}"


@dataclass
class Gate:
    """The middleware: ``Middleware(Gate, access=Access.of(...))``."""

    app: ASGIApp
    access: Access
    known: dict[str, tuple[float, ApiKey]] = field(default_factory=dict)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            return await self.app(scope, receive, send)
        call = Call.of(scope)
        needed = self.access.policy(call.method, call.path)
        if needed is None:
            return await self.app(scope, receive, send)
        try:
            verdict = await self._verdict(call, needed)
        except REDIS_DOWN as exc:
            return await redis_unavailable(exc)(scope, receive, send)
        if isinstance(verdict, Refusal):
            return await self._refuse(call, verdict, scope, receive, send)
        if verdict is not None:  # the routes see who calls (an operator's mark names them)
            scope["user"] = SimpleUser(verdict.name)
        if needed != "admin":
            return await self.app(scope, receive, send)
        await self._audited(call, verdict, scope, receive, send)

    async def _verdict(self, call: Call, needed: KeyScope) -> ApiKey | Refusal | None:
        """The key that may make ``call``, None when auth is off, else the refusal."""
        if not self.access.required:
            return None
        token = tokens.credentials(call.headers, call.query)
        if token is None:
            return Refusal(401, _MISSING, "authorization")
        key = await self._known(tokens.digest(token))
        if key is None:
            return Refusal(401, _UNKNOWN, "authorization", "unknown key")
        if key.expired(self._now_ms()):
            message = f"API key {key.name!r} has expired"
            return Refusal(401, message, "authorization", key.name, key.scope)
        if not grants(key.scope, needed):
            message = (
                f"{call.action} needs an API key of scope {needed!r}; "
                f"key {key.name!r} has scope {key.scope!r}"
            )
            return Refusal(403, message, "scope", key.name, key.scope)
        return await self._limited(key)

    async def _limited(self, key: ApiKey) -> ApiKey | Refusal:
        limit = self.access.limit
        if limit is None:
            return key
        wait_s = await limit.wait_s(self.access.client, self.access.keys, key.id)
        if wait_s == 0:
            return key
        message = (
            f"rate limit of API key {key.name!r} reached ({limit.rate:g} requests/s, "
            f"burst {limit.burst}); retry after Retry-After seconds"
        )
        return Refusal(429, message, "authorization", key.name, key.scope, wait_s)

    async def _known(self, hashed: str) -> ApiKey | None:
        """The key of digest ``hashed`` (remembered for ``CACHE_S``), noting its use."""
        now = time.monotonic()
        cached = self.known.get(hashed)
        if cached is not None and now - cached[0] < CACHE_S:
            return cached[1]
        key = await store.find(self.access.client, self.access.keys, hashed)
        if key is None:
            self.known.pop(hashed, None)
            return None
        await store.touch(self.access.client, self.access.keys, hashed, self._now_ms())
        if len(self.known) >= CACHE_SIZE:
            self.known.clear()
        self.known[hashed] = (now, key)
        return key

    async def _refuse(
        self, call: Call, refusal: Refusal, scope: Scope, receive: Receive, send: Send
    ) -> None:
        if refusal.audited:
            outcome = f"denied: {refusal.message}"
            await self._write(call, refusal.who, refusal.scope, refusal.status, outcome)
        if call.websocket:
            return await _close_websocket(refusal, receive, send)
        headers = {"Retry-After": str(refusal.retry_after_s)} if refusal.retry_after_s else {}
        if refusal.status == 401:
            headers["WWW-Authenticate"] = 'Bearer realm="seismo"'
        response = error(refusal.status, refusal.message, refusal.field, **headers)
        await response(scope, receive, send)

    async def _audited(
        self, call: Call, key: ApiKey | None, scope: Scope, receive: Receive, send: Send
    ) -> None:
        """Run an admin route, then write what it answered to the audit log."""
        answered = {"status": 500}

        async def noting(message: Message) -> None:
            if message["type"] == "http.response.start":
                answered["status"] = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, noting)
        finally:
            who, held = (key.name, key.scope) if key else ("anonymous", "")
            status = answered["status"]
            await self._write(call, who, held, status, audit.outcome_of(status))

    async def _write(self, call: Call, who: str, scope: str, status: int, outcome: str) -> None:
        """Append to the audit log; an outage loses the entry, said in the log, not the answer."""
        now = self._now_ms()
        entry = audit.Entry(now, who, scope, call.action, call.address, outcome, status)
        try:
            await audit.append(
                self.access.client, self.access.keys, entry, self.access.audit_maxlen
            )
        except REDIS_DOWN as exc:
            log.warning("audit entry not written (Redis: %s): %s", exc, entry)

    def _now_ms(self) -> int:
        return int(self.access.clock() * 1000)


_UNKNOWN = "API key not recognised (revoked, or never made)"
_MISSING = (
    "API key required: send it as 'Authorization: Bearer <key>' or 'X-API-Key: <key>' "
    "(make one with `seismo keys create`)"
)


async def _close_websocket(refusal: Refusal, receive: Receive, send: Send) -> None:
    """Accept, then close with the refusal's code and reason (at most 123 bytes)."""
    message = await receive()
    if message["type"] != "websocket.connect":
        return
    await send({"type": "websocket.accept"})
    reason = refusal.message.encode()[:123].decode(errors="ignore")
    await send({"type": "websocket.close", "code": WS_CLOSE[refusal.status], "reason": reason})
