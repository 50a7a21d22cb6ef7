"""The agents' loops: thin glue between a source (targets, a log file) and the ``Sender``.

Both stop when ``stop`` is set (the command sets it on Ctrl-C; tests set it themselves)
and send what they hold before returning.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from typing import Any

import httpx

from seismo.agent.config import ScrapeConfig, TailConfig
from seismo.agent.follow import Follower, Position
from seismo.agent.logformats import Request
from seismo.agent.routes import RouteTemplates
from seismo.agent.scrape import Scraper
from seismo.agent.sender import Sender

POLL_S = 0.1


def scrape(config: ScrapeConfig, sender: Sender, stop: threading.Event) -> None:
    """Scrape every target each ``interval_s`` and send what the scrapes add."""
    scrapers = [Scraper(target) for target in config.targets]
    with httpx.Client(timeout=min(config.interval_s, 10.0)) as http:
        while not stop.is_set():
            started = time.monotonic()
            for scraper in scrapers:
                sender.send(_scraped(http, scraper))
            stop.wait(max(0.0, config.interval_s - (time.monotonic() - started)))


def _scraped(http: httpx.Client, scraper: Scraper) -> list[dict[str, Any]]:
    try:
        answer = http.get(scraper.target.url)
        answer.raise_for_status()
    except httpx.HTTPError as exc:
        print(f"seismo agent: scrape of {scraper.target.url} failed: {exc}", file=sys.stderr)
        return []
    return scraper.items(answer.text, time.time())


def request_item(request: Request, service: str, routes: RouteTemplates) -> dict[str, Any]:
    """The batch item of one logged request."""
    return {
        "type": "application",
        "service": service,
        "endpoint": routes.endpoint(request.method, request.path),
        "response_time": request.latency_ms,
        "status_code": request.status,
        "payload_size": request.bytes,
        "timestamp": request.timestamp,
    }


def tail(
    follower: Follower,
    parse: Callable[[str], Request | None],
    config: TailConfig,
    sender: Sender,
    stop: threading.Event,
    save: Callable[[Position], None] | None = None,
) -> int:
    """Send the requests of every line appended, ``batch_size`` at most per batch, at the
    latest ``flush_interval_s`` after the oldest one held was read; returns how many lines
    were not requests of the format (told on exit, so a wrong ``--format`` shows).

    ``save`` is given the follower's position at the start and after each batch the
    collector took, so a restarted agent goes on from there."""
    routes = RouteTemplates(config.routes)
    pending: list[dict[str, Any]] = []
    unparsed = 0
    _send(sender, [], follower, save)  # a first run saves where it starts
    oldest = time.monotonic()
    while not stop.is_set():
        was_empty = not pending
        lines = follower.lines(config.batch_size - len(pending))
        for line in lines:
            request = parse(line)
            if request is None:
                unparsed += 1
                continue
            service = config.service or request.backend or "unknown"
            pending.append(request_item(request, service, routes))
        if was_empty and pending:
            oldest = time.monotonic()
        full = len(pending) >= config.batch_size
        if pending and (full or time.monotonic() - oldest >= config.flush_interval_s):
            _send(sender, pending, follower, save)
            pending = []
        if not lines:
            stop.wait(POLL_S)
    _send(sender, pending, follower, save)
    return unparsed


def _send(
    sender: Sender,
    pending: list[dict[str, Any]],
    follower: Follower,
    save: Callable[[Position], None] | None,
) -> None:
    position = follower.position()  # every line read so far is in ``pending``
    if sender.send(pending) and save is not None and position is not None:
        save(position)
