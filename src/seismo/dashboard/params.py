"""Query parameters of the listing endpoints, checked once into a ``Filters``.

A bad value is a ``BadRequest`` naming the parameter; the app answers it with a 400
``{"error", "field"}``, never a stack trace.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from seismo.alert.model import SEVERITIES

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
MAX_EPOCH_MS = 10**15
NAME = re.compile(r"^[\w.:/\- ]{1,200}$")
LEVEL = re.compile(r"^[A-Za-z]{1,20}$")
MAX_QUERY = 500


class BadRequest(Exception):
    """A request parameter Seismo cannot use: ``field`` says which, the message why."""

    def __init__(self, field: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.field = field
        self.status = status


@dataclass(frozen=True)
class Filters:
    """What a listing keeps: the newest ``limit`` items in [since, until] matching the rest."""

    limit: int = DEFAULT_LIMIT
    since: int | None = None
    until: int | None = None
    service: str | None = None
    severity: str | None = None
    level: str | None = None
    q: str | None = None


def _integer(params: Mapping[str, str], name: str, low: int, high: int) -> int | None:
    raw = params.get(name)
    if raw is None or raw == "":
        return None
    try:
        value = int(raw)
    except ValueError:
        raise BadRequest(name, f"{name} must be an integer, not {raw[:40]!r}") from None
    if not low <= value <= high:
        raise BadRequest(name, f"{name} must be between {low} and {high}")
    return value


def _matching(params: Mapping[str, str], name: str, pattern: re.Pattern[str]) -> str | None:
    raw = params.get(name)
    if raw is None or raw == "":
        return None
    if not pattern.match(raw):
        raise BadRequest(name, f"{name} has characters or a length Seismo does not accept")
    return raw


def _severity(params: Mapping[str, str]) -> str | None:
    raw = params.get("severity")
    if raw is None or raw == "":
        return None
    if raw not in SEVERITIES:
        raise BadRequest("severity", f"severity must be one of {', '.join(SEVERITIES)}")
    return raw


def _query(params: Mapping[str, str]) -> str | None:
    raw = (params.get("q") or "").strip()
    if len(raw) > MAX_QUERY:
        raise BadRequest("q", f"q must be at most {MAX_QUERY} characters")
    return raw or None


def parse_filters(params: Mapping[str, str]) -> Filters:
    """The ``Filters`` of a request's query string; ``BadRequest`` for a bad parameter."""
    level = _matching(params, "level", LEVEL)
    return Filters(
        limit=_integer(params, "limit", 1, MAX_LIMIT) or DEFAULT_LIMIT,
        since=_integer(params, "since", 0, MAX_EPOCH_MS),
        until=_integer(params, "until", 0, MAX_EPOCH_MS),
        service=_matching(params, "service", NAME),
        severity=_severity(params),
        level=level.lower() if level else None,
        q=_query(params),
    )


def operator(params: Mapping[str, str]) -> str:
    """Who gives a mark (``by``), "" when not said; a ``BadRequest`` for an odd name."""
    return _matching(params, "by", NAME) or ""
