"""The agents' TOML configuration, read once and checked with errors naming the key.

A scrape configuration::

    collector = "http://127.0.0.1:4000"
    interval_s = 15

    [[targets]]
    url = "http://127.0.0.1:8000/metrics"
    service = "payments"
    series = ["orders_total", "queue_depth", "job_duration_seconds"]
    quantiles = [0.5, 0.95, 0.99]
    [targets.requests]            # an HTTP server histogram -> Seismo request events
    histogram = "http_request_duration_seconds"
    method_label = "method"
    route_label = "handler"
    status_label = "status"

A tail configuration holds ``collector``, ``service``, ``routes`` (path templates such as
``"/users/{id}"``), ``batch_size`` and ``flush_interval_s``; the command line overrides it.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Annotated, Any, TypeVar

import msgspec
from msgspec import Meta

from seismo.config import ConfigError

DEFAULT_COLLECTOR = "http://127.0.0.1:4000"
Positive = Annotated[float, Meta(gt=0)]
T = TypeVar("T")


class RequestHistogram(msgspec.Struct, forbid_unknown_fields=True):
    """Which histogram holds the HTTP requests a target served, and its labels."""

    histogram: str
    method_label: str = "method"
    route_label: str = "handler"
    status_label: str = "status"


class Target(msgspec.Struct, forbid_unknown_fields=True):
    """One ``/metrics`` endpoint and what to take from it."""

    url: str
    service: str
    series: list[str] = []
    quantiles: list[Annotated[float, Meta(ge=0, le=1)]] = msgspec.field(
        default_factory=lambda: [0.5, 0.95, 0.99]
    )
    requests: RequestHistogram | None = None


class ScrapeConfig(msgspec.Struct, forbid_unknown_fields=True):
    """``seismo agent scrape --config FILE``."""

    targets: Annotated[list[Target], Meta(min_length=1)]
    collector: str = DEFAULT_COLLECTOR
    interval_s: Positive = 15.0


class TailConfig(msgspec.Struct, forbid_unknown_fields=True):
    """``seismo agent tail --config FILE`` (every key optional)."""

    collector: str = DEFAULT_COLLECTOR
    service: str | None = None
    routes: list[str] = []
    batch_size: Annotated[int, Meta(ge=1, le=10_000)] = 500
    flush_interval_s: Positive = 1.0


def load(path: str | None, kind: type[T], overrides: dict[str, Any] | None = None) -> T:
    """``kind`` from the TOML file at ``path`` (none: defaults) with ``overrides`` on top."""
    raw: dict[str, Any] = {}
    if path is not None:
        try:
            raw = tomllib.loads(Path(path).read_text())
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    raw.update({k: v for k, v in (overrides or {}).items() if v not in (None, [])})
    try:
        return msgspec.convert(raw, kind)
    except msgspec.ValidationError as exc:
        raise ConfigError(f"{path or 'agent settings'}: {exc}") from None
