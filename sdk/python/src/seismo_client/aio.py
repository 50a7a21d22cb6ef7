"""``AsyncSeismoClient``: the same client for asyncio code.

Queueing an event never waits, so the ``send_*`` methods are plain calls inherited from
``SeismoClient`` and safe on the event loop. Only what waits for the network —
``health_check``, ``flush``, ``close`` — is awaitable here, run in a worker thread so the
loop keeps serving. The batches themselves leave from the sender thread, whose blocking
socket calls never touch the loop.
"""

from __future__ import annotations

import asyncio
from typing import Any

from seismo_client.client import SeismoClient


class AsyncSeismoClient(SeismoClient):
    """``async with AsyncSeismoClient(url) as client: client.send_metric(...)``."""

    async def ahealth_check(self) -> dict[str, Any]:
        return await asyncio.to_thread(self.health_check)

    async def aflush(self, timeout: float = 5.0) -> bool:
        return await asyncio.to_thread(self.flush, timeout)

    async def aclose(self, timeout: float = 5.0) -> None:
        await asyncio.to_thread(self.close, timeout)

    async def __aenter__(self) -> AsyncSeismoClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()
