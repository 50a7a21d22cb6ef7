"""``seismo demo``: the whole product on simulated services, in one command.

``seismo demo [--faults auto|none]`` starts the embedded Redis and every role as a child
process (see ``seismo.demo.orchestrator``). ``seismo demo service-b`` and ``seismo demo
traffic`` are the two demo roles it starts; they can also run alone against any Seismo
(``SEISMO_REDIS_URL``, ``SEISMO_COLLECTOR_PORT``).
"""

from __future__ import annotations

import argparse
from typing import Any

from seismo.cli.roles import access_line, stop_on_signals
from seismo.config import load_settings
from seismo.demo import simulator
from seismo.demo.orchestrator import run_demo
from seismo.engine.connection import connect
from seismo.engine.keys import installation_keys


def register(commands: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "demo", help="run Seismo on simulated services (embedded Redis, every role)"
    )
    parser.add_argument(
        "--faults",
        choices=("auto", "none"),
        default="none",
        help="auto: inject a fault every few minutes once trained (default: none)",
    )
    parser.set_defaults(handler=run)
    roles = parser.add_subparsers(dest="role", metavar="[ROLE]")
    service_b = roles.add_parser("service-b", help="serve the demo's service-b only")
    service_b.set_defaults(handler=run_service_b)
    traffic = roles.add_parser("traffic", help="send the simulated traffic only")
    traffic.set_defaults(handler=run_traffic)


def available_commands() -> list[str]:
    """The sub-commands of ``seismo`` in this build (the demo skips roles that lack one)."""
    from seismo.cli import build_parser

    for action in build_parser()._actions:
        if isinstance(action, argparse._SubParsersAction):
            return sorted(action.choices)
    return []


def run(args: argparse.Namespace) -> int:
    settings = load_settings()
    print(access_line(settings), flush=True)
    return run_demo(settings, available_commands(), auto=args.faults == "auto")


def run_service_b(args: argparse.Namespace) -> int:
    settings = load_settings()
    client = connect(simulator.demo_redis_url(settings))
    stop = stop_on_signals()
    print(f"service-b: http://127.0.0.1:{settings.demo_service_port}", flush=True)
    simulator.run_service_b(settings, client, installation_keys(settings), stop)
    return 0


def run_traffic(args: argparse.Namespace) -> int:
    settings = load_settings()
    client = connect(simulator.demo_redis_url(settings))
    stop = stop_on_signals()
    rate = settings.demo_rate
    print(f"traffic: about {rate:g} user requests/s to the collector, seed {settings.demo_seed}")
    simulator.run_traffic(settings, client, installation_keys(settings), stop)
    return 0
