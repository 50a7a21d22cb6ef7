"""A small HTTP/1.1 load generator for the ingest benchmark.

Keep-alive connections, each sending one pre-encoded POST after another and reading the
answer by its Content-Length: a few microseconds of client work per request, so the
measurement is of the server, not of an HTTP client library. Every answer's status is
checked; a non-2xx is counted as an error, never as throughput.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass


@dataclass
class LoadResult:
    """Requests answered with a 2xx, errors, and the time they took."""

    ok: int
    errors: int
    seconds: float


def post_request(
    host: str, port: int, path: str, body: bytes, headers: dict[str, str] | None = None
) -> bytes:
    """The bytes of one keep-alive JSON POST (with ``headers`` such as an API key)."""
    extra = "".join(f"{name}: {value}\r\n" for name, value in (headers or {}).items())
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: application/json\r\n"
        f"{extra}Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


async def _read_answer(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    for line in head.split(b"\r\n"):
        if line[:15].lower() == b"content-length:":
            length = int(line[15:])
    await reader.readexactly(length)
    return status


async def _connection(
    host: str, port: int, request: bytes, stop_at: float, result: LoadResult
) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while time.perf_counter() < stop_at:
            writer.write(request)
            status = await _read_answer(reader)
            if 200 <= status < 300:
                result.ok += 1
            else:
                result.errors += 1
    finally:
        writer.close()


async def _run(
    host: str, port: int, request: bytes, connections: int, seconds: float
) -> LoadResult:
    result = LoadResult(0, 0, 0.0)
    started = time.perf_counter()
    stop_at = started + seconds
    await asyncio.gather(
        *(_connection(host, port, request, stop_at, result) for _ in range(connections))
    )
    result.seconds = time.perf_counter() - started
    return result


def drive(
    host: str,
    port: int,
    path: str,
    body: bytes,
    connections: int,
    seconds: float,
    headers: dict[str, str] | None = None,
) -> LoadResult:
    """POST ``body`` to ``path`` over ``connections`` connections for ``seconds``."""
    request = post_request(host, port, path, body, headers)
    return asyncio.run(_run(host, port, request, connections, seconds))
