"""``seismo report --since 7d [--format markdown|json]``: the incident report, printed.

The same rows and figures as the dashboard's incident report (``GET /api/incidents``), for a
stand-up or a ticket, read from the installation's Redis (``SEISMO_REDIS_URL``, else the
embedded one).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any

from seismo.alert.routing import seconds
from seismo.cli.installation import installation_redis
from seismo.config import load_settings
from seismo.dashboard.incident_report import markdown
from seismo.dashboard.incidents import report
from seismo.engine.keys import Keys


def register(commands: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "report", help="the incident report: MTTA, MTTR, false alarms, costs (markdown or JSON)"
    )
    parser.add_argument("--since", default="7d", help="how far back: 1h, 7d (7d)")
    parser.add_argument("--format", choices=("markdown", "json"), default="markdown")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    try:
        span_s = float(seconds(args.since))
    except ValueError as exc:
        print(f"seismo report: --since: {exc}", file=sys.stderr)
        return 2
    settings = load_settings()
    now_ms = int(time.time() * 1000)
    with installation_redis(settings, decode_responses=True) as client:
        found = report(client, Keys(settings.namespace), now_ms - int(span_s * 1000), now_ms,
                       now_ms, settings.window_seconds * 1000)  # fmt: skip
    document = found.to_dict()
    print(json.dumps(document, indent=2) if args.format == "json" else markdown(document), end="")
    if args.format == "json":
        print()
    return 0
