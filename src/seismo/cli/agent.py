"""``seismo agent scrape|tail``: bring in what services already emit, without changing them.

``scrape --config FILE`` reads Prometheus ``/metrics`` targets on an interval; ``tail
--format nginx|haproxy|combined FILE`` follows an access log through rotation. Both send
to the collector's ``/api/batch`` (``--collector``, default ``http://127.0.0.1:4000``), with
the key of ``SEISMO_API_KEY`` when set, and stop on SIGINT or SIGTERM after sending what
they hold.
"""

from __future__ import annotations

import argparse
import functools
import sys
from typing import Any

from seismo.agent import runner, state
from seismo.agent.config import ScrapeConfig, TailConfig, load
from seismo.agent.follow import Follower
from seismo.agent.logformats import PARSERS
from seismo.agent.sender import Sender
from seismo.cli.roles import stop_on_signals
from seismo.config import ConfigError, load_settings


def register(commands: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "agent", help="scrape Prometheus targets or tail access logs into Seismo"
    )
    kinds = parser.add_subparsers(dest="agent", required=True, metavar="AGENT")
    scrape = kinds.add_parser("scrape", help="scrape Prometheus /metrics targets")
    scrape.add_argument("--config", required=True, help="TOML file naming targets and series")
    scrape.add_argument("--collector", help="collector URL (overrides the file)")
    scrape.set_defaults(handler=run_scrape)
    tail = kinds.add_parser("tail", help="follow an nginx/HAProxy access log")
    tail.add_argument("--format", required=True, choices=sorted(PARSERS))
    tail.add_argument("--service", help="service the requests belong to")
    tail.add_argument("--route", action="append", default=[], help="path template, /users/{id}")
    tail.add_argument("--config", help="TOML file: collector, service, routes, batch_size")
    tail.add_argument("--collector", help="collector URL (overrides the file)")
    tail.add_argument("--from-start", action="store_true", help="read what the file holds")
    tail.add_argument("--state", help="position file: a restart goes on where it stopped")
    tail.add_argument("file")
    tail.set_defaults(handler=run_tail)


def _api_key() -> str:
    """The collector's key (``SEISMO_API_KEY``), needed once it runs with SEISMO_AUTH=required."""
    return load_settings().api_key.get_secret_value()


def run_scrape(args: argparse.Namespace) -> int:
    config = load(args.config, ScrapeConfig, {"collector": args.collector})
    stop = stop_on_signals()
    sender = Sender(config.collector, stop=stop, api_key=_api_key())
    runner.scrape(config, sender, stop)
    sender.close()
    return 0


def run_tail(args: argparse.Namespace) -> int:
    overrides = {"collector": args.collector, "service": args.service, "routes": args.route}
    config = load(args.config, TailConfig, overrides)
    if config.service is None and args.format != "haproxy":
        raise ConfigError(f"--service (or service in --config) is needed for {args.format} logs")
    stop = stop_on_signals()
    # the file is the buffer
    sender = Sender(config.collector, attempts=None, stop=stop, api_key=_api_key())
    resume = state.load(args.state) if args.state else None
    save = functools.partial(state.save, args.state) if args.state else None
    with Follower(args.file, from_start=args.from_start, resume=resume) as follower:
        unparsed = runner.tail(follower, PARSERS[args.format], config, sender, stop, save)
    sender.close()
    print(f"sent {sender.sent} requests, dropped {sender.dropped}, {unparsed} lines not "
          f"in the {args.format} format", file=sys.stderr)  # fmt: skip
    return 0
