"""The service-call graph as the detector sees it: who calls whom, recently.

Built from application events that carry a ``caller`` (the same events the dashboard draws
its graph from); pure, so the origin ranking can be tested on any topology. Stored as a
sorted list of ``[caller, callee]`` pairs.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from seismo.fingerprint.entry import Fingerprint
from seismo.fingerprint.features import NEW_PAIRS

GRAPH_REFRESH_S = 15.0
"""How often the service-call graph is read again from the newest application events."""


@dataclass(frozen=True)
class CallGraph:
    """Directed edges ``caller -> callee``."""

    edges: frozenset[tuple[str, str]] = field(default_factory=frozenset)

    @classmethod
    def from_events(cls, events: Iterable[Mapping[str, str]]) -> CallGraph:
        """The pairs of events with both ``service`` and ``caller`` (other events ignored)."""
        pairs = set()
        for event in events:
            service, caller = event.get("service"), event.get("caller")
            if service and caller and service != caller:
                pairs.add((caller, service))
        return cls(frozenset(pairs))

    def __bool__(self) -> bool:
        return bool(self.edges)

    def callees(self, service: str) -> set[str]:
        return {b for a, b in self.edges if a == service}

    def callers(self, service: str) -> set[str]:
        return {a for a, b in self.edges if b == service}

    def downstream(self, service: str) -> set[str]:
        """Every service ``service`` calls, directly or through others."""
        return self._reach(service, self.callees)

    def upstream(self, service: str) -> set[str]:
        """Every service that calls ``service``, directly or through others."""
        return self._reach(service, self.callers)

    @staticmethod
    def _reach(start: str, step: Callable[[str], set[str]]) -> set[str]:
        seen: set[str] = set()
        todo = [start]
        while todo:
            for nxt in step(todo.pop()):
                if nxt not in seen and nxt != start:
                    seen.add(nxt)
                    todo.append(nxt)
        return seen

    def to_list(self) -> list[list[str]]:
        return [list(edge) for edge in sorted(self.edges)]

    @classmethod
    def from_list(cls, pairs: Sequence[Sequence[str]]) -> CallGraph:
        return cls(frozenset((str(a), str(b)) for a, b in pairs))


def shows_new_callers(window: Fingerprint) -> bool:
    """Whether some service in ``window`` was called by a caller it had not had before."""
    return any(v.get(NEW_PAIRS, 0.0) > 0 for v in window.services.values())


@dataclass
class GraphSchedule:
    """When the detector reads the call graph again: every ``GRAPH_REFRESH_S``, and at once
    for a window that shows new caller pairs. A new dependency's caller slows in the very
    window the new calls begin; read up to 15 s later, the graph did not yet hold the new
    edge, and the caller's latency paged apart from the new dependency it comes from
    (generated-20, live: "median latency of search rose" beside "number of new interactions
    of risk-score rose", one fault, two pages)."""

    read_at_s: float = -math.inf

    def read_now(self, now_s: float, window: Fingerprint | None = None) -> bool:
        """Whether to read the graph at ``now_s`` (if so, it counts as read then)."""
        due = now_s - self.read_at_s >= GRAPH_REFRESH_S
        if due or (window is not None and shows_new_callers(window)):
            self.read_at_s = now_s
            return True
        return False
