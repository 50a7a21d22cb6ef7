"""``/api/graph``: the service-call graph drawn from the calls seen recently.

The Cuckoo filter ``service-calls`` answers "seen before?" but cannot list its pairs, so
the graph is read from the newest application events of ``detailed-metrics``: every
service is a node, and every ``caller -> service`` pair an edge with its call count.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from seismo.dashboard.context import Context
from seismo.dashboard.streams import Fields, entries
from seismo.engine.shard_streams import newest_entries

RECENT_EVENTS = 5000


def call_graph(events: list[Fields]) -> dict[str, Any]:
    """Nodes and weighted edges of the calls in ``events`` (pure)."""
    nodes: set[str] = set()
    calls: Counter[tuple[str, str]] = Counter()
    for event in events:
        service, caller = event.get("service"), event.get("caller")
        if service:
            nodes.add(service)
        if service and caller:
            nodes.add(caller)
            calls[(caller, service)] += 1
    edges = [{"source": s, "target": t, "count": n} for (s, t), n in sorted(calls.items())]
    return {"nodes": sorted(nodes), "edges": edges}


def graph(ctx: Context) -> dict[str, Any]:
    """The call graph of the last ``RECENT_EVENTS`` application events."""
    newest = newest_entries(ctx.client, ctx.keys, lambda k: k.detailed_metrics, RECENT_EVENTS)
    recent = entries(newest)
    return {**call_graph([fields for _, fields in recent]), "events": len(recent)}
