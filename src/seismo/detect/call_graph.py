"""The service-call graph as the detector sees it: who calls whom, recently.

Built from application events that carry a ``caller`` (the same events the dashboard draws
its graph from); pure, so the origin ranking can be tested on any topology. Stored as a
sorted list of ``[caller, callee]`` pairs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field


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
