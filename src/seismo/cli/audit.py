"""``seismo audit``: the audit log, newest first (admin actions and refused requests).

``seismo audit [--limit N] [--json]`` reads the capped ``audit`` stream the web apps and
``seismo keys`` write (see ``seismo.access.audit``).
"""

from __future__ import annotations

import argparse
import json
import time
from typing import Any

import msgspec

from seismo.access import audit
from seismo.cli.installation import installation_redis
from seismo.config import load_settings
from seismo.engine.keys import Keys


def register(commands: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "audit", help="the audit log: admin actions and refused requests, newest first"
    )
    parser.add_argument("--limit", type=int, default=audit.DEFAULT_LIMIT, help="most entries (100)")
    parser.add_argument("--json", action="store_true", help="one JSON object per line")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    settings = load_settings()
    with installation_redis(settings) as client:
        entries = audit.recent(client, Keys(settings.namespace), args.limit)
    for entry in entries:
        print(json.dumps(msgspec.structs.asdict(entry)) if args.json else line(entry))
    if not entries and not args.json:
        print("the audit log is empty")
    return 0


def line(entry: audit.Entry) -> str:
    """One entry as a line: when, who (scope), from where, what, status, outcome."""
    when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(entry.time_ms / 1000))
    who = f"{entry.who} ({entry.scope})" if entry.scope else entry.who
    status = f" {entry.status}" if entry.status else ""
    return f"{when}  {who}  {entry.address}  {entry.action}{status}  {entry.outcome}"
