"""Reading the windows still open: the running counters the gross-fault tests need.

The ingest Function keeps each window's counters in Redis until the window closes
(``seismo.engine.keys.WINDOW_PARTS``): a ``counts`` hash (per service ``requests`` and
``status_5xx``) and a t-digest of each service's response times. A read is one pipelined
round trip for the counts of every window not yet closed, one for the share of slow
responses of the services with enough of them (``TDIGEST.CDF`` at each one's slow mark),
and, only when a latency test is gross, one for those services' medians (to explain it).
A closed window's keys are gone, so it reads as empty. With several ingest shards each
service's counters and digest are read from its own shard (``Keys.for_service``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from typing import Any

import redis

from seismo.detect.early import OpenCounts, ServiceNormal, latency_verdict, slow_worth_reading
from seismo.engine.connection import text
from seismo.engine.keys import Keys, service_counter

WindowCounts = dict[str, OpenCounts]
"""service -> its counters so far in one open window."""


class OpenWindows:
    """The counters of the windows not yet closed, for the services with a learned normal."""

    def __init__(self, client: redis.Redis, keys: Keys, window_ms: int, grace_ms: int) -> None:
        self.client = client
        self.keys = keys
        self.window_ms = window_ms
        self.grace_ms = grace_ms

    def window_ids(self, now_ms: int) -> list[int]:
        """The windows that may still be open at ``now_ms``, oldest first (one more than
        the grace period needs, for a closing that runs late)."""
        newest = now_ms // self.window_ms
        oldest = (now_ms - self.grace_ms) // self.window_ms - 1
        return list(range(max(oldest, 0), newest + 1))

    def read(
        self, normals: Mapping[str, ServiceNormal], now_ms: int
    ) -> list[tuple[int, WindowCounts]]:
        """``(window id, counts)`` of every open window where a modelled service reported."""
        ids = self.window_ids(now_ms)
        shards = self.keys.all_shards  # a service's counters live in its shard's hash
        pipe = self.client.pipeline(transaction=False)
        for window_id in ids:
            for shard in shards:
                pipe.hgetall(shard.window(window_id, "counts"))
        replies = pipe.execute()
        merged = [
            {
                k: v
                for raw in replies[i * len(shards) : (i + 1) * len(shards)]
                for k, v in raw.items()
            }
            for i in range(len(ids))
        ]
        found = [
            (window_id, counts)
            for window_id, raw in zip(ids, merged, strict=True)
            if (counts := service_counts(raw, normals))
        ]
        found = self._with_slow(found, normals)
        return self._with_medians(found, normals)

    def _with_slow(
        self, found: list[tuple[int, WindowCounts]], normals: Mapping[str, ServiceNormal]
    ) -> list[tuple[int, WindowCounts]]:
        """The counts with each service's slow responses, where there are enough to test."""
        wanted = _services_where(found, lambda _, c: slow_worth_reading(c))
        replies = self._each(
            wanted,
            lambda w, s: (
                "TDIGEST.CDF",
                self.keys.for_service(s).service_latency(w, s),
                normals[s].slow_ms,
            ),
        )
        out = {window_id: dict(counts) for window_id, counts in found}
        for (window_id, service), reply in zip(wanted, replies, strict=True):
            fraction = _first_number(reply)
            if fraction is not None:
                c = out[window_id][service]
                slow = min(c.requests, max(0, round((1.0 - fraction) * c.requests)))
                out[window_id][service] = replace(c, slow=slow)
        return list(out.items())

    def _with_medians(
        self, found: list[tuple[int, WindowCounts]], normals: Mapping[str, ServiceNormal]
    ) -> list[tuple[int, WindowCounts]]:
        """The counts with the median latency of each service whose latency test is gross."""
        wanted = _services_where(found, lambda s, c: _gross_latency(normals[s], c))
        if not wanted:
            return found
        replies = self._each(
            wanted,
            lambda w, s: ("TDIGEST.QUANTILE", self.keys.for_service(s).service_latency(w, s), 0.5),
        )
        out = {window_id: dict(counts) for window_id, counts in found}
        for (window_id, service), reply in zip(wanted, replies, strict=True):
            c = out[window_id][service]
            out[window_id][service] = replace(c, latency_p50=_first_number(reply))
        return list(out.items())

    def _each(self, wanted: list[tuple[int, str]], command: Any) -> list[Any]:
        """One command per ``(window id, service)``, pipelined; an error reply (a digest
        gone with its closed window) comes back as the exception, not raised."""
        if not wanted:
            return []
        pipe = self.client.pipeline(transaction=False)
        for window_id, service in wanted:
            pipe.execute_command(*command(window_id, service))
        return list(pipe.execute(raise_on_error=False))


def service_counts(raw: Mapping[Any, Any], normals: Mapping[str, ServiceNormal]) -> WindowCounts:
    """Requests and 5xx of each service with a learned normal, from a ``counts`` hash."""
    totals: dict[str, dict[str, int]] = {}
    for name, value in raw.items():
        parsed = service_counter(text(name))
        if parsed is not None and parsed[0] in normals and parsed[1] in COUNTERS:
            totals.setdefault(parsed[0], {})[parsed[1]] = int(float(text(value)))
    return {
        service: OpenCounts(c.get("requests", 0), c.get("status_5xx", 0))
        for service, c in totals.items()
        if c.get("requests", 0) > 0
    }


COUNTERS = frozenset({"requests", "status_5xx"})


def _first_number(reply: Any) -> float | None:
    """The first value of a t-digest reply (a list of numbers as text), or None."""
    if isinstance(reply, Exception) or not isinstance(reply, Iterable) or not reply:
        return None
    try:
        value = float(text(next(iter(reply))))
    except (TypeError, ValueError):
        return None
    return value if value == value else None


def _services_where(
    found: list[tuple[int, WindowCounts]], keep: Callable[[str, OpenCounts], bool]
) -> list[tuple[int, str]]:
    """``(window id, service)`` of every service of ``found`` that ``keep`` accepts."""
    return [(w, s) for w, counts in found for s, c in counts.items() if keep(s, c)]


def _gross_latency(normal: ServiceNormal, counts: OpenCounts) -> bool:
    verdict = latency_verdict(normal, counts)
    return verdict is not None and verdict.gross
