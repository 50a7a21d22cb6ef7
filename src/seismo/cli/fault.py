"""``seismo fault``: break the running demo on purpose, without editing code.

``seismo fault <kind> [--service S] [--duration D]`` starts a fault (its default target
service when none is given), ``seismo fault list`` shows the active ones and ``seismo fault
clear`` ends them all. Faults live in Redis (``SEISMO_REDIS_URL``, else the embedded
Redis's address), where the simulator, service-b and the dashboard read them.
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

import redis

from seismo.config import load_settings
from seismo.demo import fault_store
from seismo.demo.faults import DEFAULT_DURATION_S, DEFAULT_TARGETS, KINDS, Fault, FaultError
from seismo.demo.service_b import SERVICE as SERVICE_B
from seismo.demo.simulator import demo_redis_url
from seismo.demo.system import SHOP
from seismo.engine.connection import EngineUnavailable, connect
from seismo.engine.keys import Keys, installation_keys


def register(commands: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "fault", help="inject a fault into the running demo (or list / clear them)"
    )
    targets = ", ".join(f"{kind} -> {service}" for kind, service in DEFAULT_TARGETS.items())
    parser.add_argument(
        "kind", choices=(*KINDS, "list", "clear"), help=f"fault kind (default targets: {targets})"
    )
    parser.add_argument("--service", help="target service (default: the kind's usual target)")
    parser.add_argument(
        "--duration",
        type=float,
        default=DEFAULT_DURATION_S,
        help=f"seconds until it ends by itself (default {DEFAULT_DURATION_S:.0f})",
    )
    parser.add_argument(
        "--size",
        type=float,
        default=1.0,
        help="how strong, as a share of the kind's full effect (default 1: the full fault)",
    )
    parser.set_defaults(handler=run)


def describe(fault: Fault) -> str:
    until = time.strftime("%H:%M:%S", time.localtime(fault.end_ms / 1000))
    return f"{fault.kind} on {fault.service} until {until}"


def note(fault: Fault) -> str | None:
    """A warning when the demo's traffic will not feel ``fault`` (a typo in --service)."""
    known = (*SHOP.services, SERVICE_B)
    if fault.service not in known:
        return f"note: {fault.service} is not a demo service ({', '.join(known)}): no effect"
    if fault.kind == "kpi-drop" and fault.service != SHOP.kpi.service:
        return f"note: only {SHOP.kpi.service} reports a KPI in the demo: no effect"
    return None


def run(args: argparse.Namespace) -> int:
    settings = load_settings()
    url = demo_redis_url(settings)
    client, keys = connect(url), installation_keys(settings)
    try:
        return _act(client, keys, args)
    except FaultError as exc:
        print(f"seismo fault: {exc}", file=sys.stderr)
        return 2
    except redis.ConnectionError as exc:
        raise EngineUnavailable(
            f"cannot reach Redis at {url} ({exc}): is `seismo demo` running? "
            "Otherwise set SEISMO_REDIS_URL"
        ) from None


def _act(client: redis.Redis, keys: Keys, args: argparse.Namespace) -> int:
    if args.kind == "clear":
        print(f"cleared {fault_store.clear(client, keys)} fault(s)")
        return 0
    if args.kind == "list":
        faults = fault_store.active(client, keys, fault_store.now_ms())
        print("\n".join(describe(f) for f in faults) if faults else "no active fault")
        return 0
    fault = fault_store.inject(client, keys, args.kind, args.service, args.duration, size=args.size)
    print(f"injected {describe(fault)}")
    warning = note(fault)
    if warning is not None:
        print(warning, file=sys.stderr)
    return 0
