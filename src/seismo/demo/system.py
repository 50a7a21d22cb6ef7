"""The simulated systems: who calls whom, how fast, how noisy, and where each fault goes.

The demo's shop (``SHOP``) is one system. Detection tuned on one system proves little about
the next, so ``generated(seed)`` draws another from the seed: a different number of
services and call depth, thin services called now and then, its own latencies, noise,
bursts and daily swing, and a long-tailed KPI reported by a service deep in the tree. The
scenario benchmark runs either (``--system shop|generated``) through the same collector
path, so a rule that only fits the shop shows up as a miss on the generated systems.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from seismo.demo.faults import DEFAULT_TARGETS


@dataclass(frozen=True)
class Call:
    """One hop of a request: ``service`` serves ``endpoint`` and then makes ``calls``."""

    service: str
    endpoint: str
    median_ms: float
    calls: tuple[Call, ...] = ()
    probability: float = 1.0


@dataclass(frozen=True)
class Kpi:
    """A business KPI: one value per successful call of ``service`` (with ``chance``)."""

    name: str
    service: str
    median: float
    sigma: float
    expected_range: tuple[float, float]
    currency: str = "EUR"
    chance: float = 1.0


@dataclass(frozen=True)
class Load:
    """How the entry rate moves: daily swing, per-second noise, bursts."""

    swing: float = 0.35
    noise: float = 0.08
    burst_chance_per_s: float = 0.01
    burst_factor: float = 1.6
    burst_seconds: tuple[float, float] = (3.0, 8.0)


@dataclass(frozen=True)
class System:
    """A whole simulated system: its entry points (weight, call tree), its KPI, the call a
    new-dependency fault adds, the default target of each fault kind, its noise."""

    name: str
    entry_points: tuple[tuple[float, Call], ...]
    kpi: Kpi
    new_dependency: Call
    targets: Mapping[str, str]
    load: Load = field(default_factory=Load)
    base_rate: float = 30.0
    """Entry requests per second at the middle of the daily swing."""
    latency_sigma: float = 0.35
    base_5xx: float = 0.003

    @property
    def services(self) -> tuple[str, ...]:
        """Every service the entry points reach, in call order."""
        seen: dict[str, None] = {}
        stack = [call for _, call in reversed(self.entry_points)]
        while stack:
            call = stack.pop()
            seen.setdefault(call.service)
            stack.extend(reversed(call.calls))
        return tuple(seen)


USERS = Call("users", "GET:/api/v1/users", 18.0)
SHOP = System(
    name="shop",
    entry_points=(
        (0.3, Call("web", "GET:/", 12.0, (
            Call("api-gateway", "GET:/api/home", 4.0, (
                Call("catalog", "GET:/api/featured", 25.0),
            )),
        ))),
        (0.3, Call("web", "GET:/products", 14.0, (
            Call("api-gateway", "GET:/api/products", 5.0, (
                Call("catalog", "GET:/api/products", 35.0),
                Call("users", "GET:/api/v1/users", 18.0, probability=0.5),
            )),
        ))),
        (0.2, Call("web", "POST:/checkout", 20.0, (
            Call("api-gateway", "POST:/api/checkout", 6.0, (
                Call("checkout", "POST:/api/checkout", 40.0, (
                    USERS,
                    Call("catalog", "GET:/api/stock", 15.0),
                    Call("payments", "POST:/api/charge", 120.0),
                )),
            )),
        ))),
        (0.2, Call("web", "GET:/account", 10.0, (
            Call("api-gateway", "GET:/api/account", 4.0, (USERS,)),
        ))),
    ),
    kpi=Kpi("revenue", "checkout", 60.0, 0.5, (10.0, 500.0)),
    new_dependency=Call("fraud-check", "POST:/api/score", 45.0),
    targets=DEFAULT_TARGETS,
)  # fmt: skip
"""The demo's online shop: users hit ``web``, which calls ``api-gateway``, which fans out
to ``catalog``, ``checkout``, ``payments`` and ``users``; a paid checkout reports revenue."""

NAMES = (
    "edge", "auth", "search", "orders", "inventory", "billing", "ledger", "notify",
    "profile", "recs", "shipping", "pricing", "media", "session", "quotes", "audit",
)  # fmt: skip
MIN_TARGET_CALLS_PER_S = 3.0
"""A generated fault's target gets at least this many calls a second at the mean rate
(a fault in a service called once a minute cannot show within two windows)."""


@dataclass
class _Node:
    name: str
    depth: int
    median_ms: float
    probability: float
    children: list[_Node] = field(default_factory=list)

    def call(self, endpoint: str) -> Call:
        calls = tuple(child.call(f"GET:/{child.name}/{endpoint.rsplit('/', 1)[-1]}")
                      for child in self.children)  # fmt: skip
        return Call(self.name, endpoint, self.median_ms, calls, self.probability)


def generated(seed: int) -> System:
    """A system drawn from ``seed``: 6-11 services, up to 4 calls deep, some called rarely,
    latencies from 2 to 150 ms, its own noise; the same seed gives the same system."""
    rng = np.random.default_rng(10_000 + seed)
    count = int(rng.integers(6, 12))
    names = [str(n) for n in rng.choice(NAMES[1:], size=count - 1, replace=False)]
    entry = _Node("edge", 0, _latency(rng), 1.0)
    nodes = [entry]
    for name in names:
        parent = nodes[int(rng.integers(len(nodes)))]
        while parent.depth >= 3:
            parent = nodes[int(rng.integers(len(nodes)))]
        chance = float(rng.choice([1.0, 1.0, 0.7, 0.4, 0.1]))
        node = _Node(name, parent.depth + 1, _latency(rng), chance)
        parent.children.append(node)
        nodes.append(node)
    endpoints = _entry_points(rng, entry)
    reach = _calls_per_request(endpoints)
    rate = round(float(rng.uniform(15.0, 60.0)), 1)
    kpi = _kpi(rng, nodes, reach)
    return System(
        name=f"generated-{seed}",
        entry_points=endpoints,
        kpi=kpi,
        new_dependency=Call("risk-score", "POST:/api/risk", 30.0),
        targets={**_targets(rng, nodes, reach, rate), "kpi-drop": kpi.service},
        base_rate=rate,
        load=Load(
            swing=float(rng.uniform(0.15, 0.5)),
            noise=float(rng.uniform(0.04, 0.15)),
            burst_chance_per_s=float(rng.uniform(0.0, 0.02)),
            burst_factor=float(rng.uniform(1.3, 2.0)),
        ),
        latency_sigma=float(rng.uniform(0.2, 0.6)),
        base_5xx=float(rng.uniform(0.0005, 0.01)),
    )


def _latency(rng: np.random.Generator) -> float:
    return round(float(math.exp(rng.uniform(math.log(2.0), math.log(150.0)))), 1)


def _entry_points(rng: np.random.Generator, entry: _Node) -> tuple[tuple[float, Call], ...]:
    """Two to four entry endpoints, each calling a share of the entry's callees."""
    points = []
    for index in range(int(rng.integers(2, 5))):
        chosen = [child for child in entry.children if rng.random() < 0.7] or entry.children
        node = _Node(entry.name, 0, entry.median_ms, 1.0, chosen)
        points.append((float(rng.uniform(0.5, 2.0)), node.call(f"GET:/route{index}")))
    total = sum(weight for weight, _ in points)
    return tuple((round(weight / total, 3), call) for weight, call in points)


def _calls_per_request(entry_points: tuple[tuple[float, Call], ...]) -> dict[str, float]:
    """Expected calls of each service per entry request."""
    reach: dict[str, float] = {}

    def visit(call: Call, weight: float) -> None:
        reach[call.service] = reach.get(call.service, 0.0) + weight
        for child in call.calls:
            visit(child, weight * child.probability)

    for weight, call in entry_points:
        visit(call, weight)
    return reach


def _kpi(rng: np.random.Generator, nodes: list[_Node], reach: Mapping[str, float]) -> Kpi:
    """A long-tailed order value reported by the deepest service called often enough."""
    deep = max((n for n in nodes if reach.get(n.name, 0.0) >= 0.1), key=lambda n: n.depth)
    median = round(float(rng.uniform(20.0, 200.0)), 1)
    return Kpi(
        name="order_value",
        service=deep.name,
        median=median,
        sigma=float(rng.uniform(0.4, 1.0)),
        expected_range=(0.0, round(median * 40, 1)),
        currency="USD",
        chance=float(rng.uniform(0.3, 1.0)),
    )


def _targets(
    rng: np.random.Generator, nodes: list[_Node], reach: Mapping[str, float], rate: float
) -> dict[str, str]:
    """Each fault kind's target among the services called often enough: errors at a leaf,
    latency in a service with callees, traffic at the entry, creep anywhere below it."""
    busy = [n for n in nodes if reach.get(n.name, 0.0) * rate >= MIN_TARGET_CALLS_PER_S]
    below = [n for n in busy if n.depth > 0] or busy
    leaves = [n for n in below if not n.children] or below
    inner = [n for n in below if n.children] or below

    def pick(options: list[_Node]) -> str:
        return options[int(rng.integers(len(options)))].name

    return {
        "error-spike": pick(leaves),
        "latency-regression": pick(inner),
        "traffic-surge": nodes[0].name,
        "traffic-drop": nodes[0].name,
        "new-dependency": pick(below),
        "slow-degradation": pick(below),
        "service-down": pick(below),
    }


def system_named(name: str) -> System:
    """``shop`` or ``generated-<seed>``; ``ValueError`` for anything else."""
    if name == SHOP.name:
        return SHOP
    prefix, _, seed = name.partition("-")
    if prefix == "generated" and seed.isdigit():
        return generated(int(seed))
    raise ValueError(f"unknown system {name!r}: 'shop' or 'generated-<seed>'")
