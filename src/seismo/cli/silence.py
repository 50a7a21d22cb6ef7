"""``seismo silence``: hold matching alerts back from the channels for a while.

``seismo silence add --target 'checkout*' --for 2h --comment "deploy"`` (matchers:
``--severity``, ``--scope``, ``--target`` with wildcards, ``--incident``), ``seismo silence
list``, ``seismo silence expire ID``. A silenced alert still reaches the dashboard and the
stream; the notifier records it with the silence that held it.
"""

from __future__ import annotations

import argparse
import getpass
import sys
import time
from typing import Any

from seismo.access import audit
from seismo.alert.routing import seconds
from seismo.alert.silence import Silence, SilenceError
from seismo.alert.silence_book import SilenceBook
from seismo.cli.installation import installation_redis
from seismo.config import load_settings
from seismo.engine.keys import installation_keys


def register(commands: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "silence", help="keep matching alerts from the channels for a while (add, list, expire)"
    )
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = actions.add_parser("add", help="silence matching alerts from now on")
    add.add_argument("--severity", action="append", help="info, warning or critical (repeat)")
    add.add_argument("--scope", action="append", help="system, service or metric (repeat)")
    add.add_argument("--target", action="append", help="service or metric, wildcards allowed")
    add.add_argument("--incident", help="one incident id")
    add.add_argument("--for", dest="duration", default="1h", help="how long: 30m, 2h (1h)")
    add.add_argument("--comment", default="", help="why")
    add.add_argument("--by", default=None, help="who (default: your user name)")
    actions.add_parser("list", help="active and recently ended silences")
    expire = actions.add_parser("expire", help="end a silence now")
    expire.add_argument("id")
    parser.set_defaults(handler=run)


def describe(silence: Silence, now_ms: int) -> str:
    state = "active" if silence.active(now_ms) else "ended"
    until = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(silence.ends_at / 1000))
    matchers = dict(silence.matchers)
    if silence.incident_id:
        matchers["incident"] = silence.incident_id
    return f"{silence.id}  {state:<6} until {until}  {matchers}  {silence.comment}"


def run(args: argparse.Namespace) -> int:
    settings = load_settings()
    try:
        with installation_redis(settings, decode_responses=True) as client:
            book = SilenceBook(client, installation_keys(settings))
            return _act(book, args, settings.audit_maxlen)
    except (SilenceError, ValueError) as exc:
        print(f"seismo silence: {exc}", file=sys.stderr)
        return 2


def _act(book: SilenceBook, args: argparse.Namespace, audit_maxlen: int) -> int:
    if args.action == "list":
        now = book.now_ms()
        for silence in book.listing():
            print(describe(silence, now))
        return 0
    if args.action == "expire":
        ended = book.expire(args.id)
        if ended is None:
            print(f"seismo silence: no silence {args.id}", file=sys.stderr)
            return 1
        print(f"expired {ended.id}")
        audit.by_command(book.client, book.keys, f"silence expire {ended.id}", audit_maxlen)
        return 0
    matchers = {
        name: value
        for name, value in (
            ("severity", args.severity),
            ("scope", args.scope),
            ("target", args.target),
        )
        if value
    }
    duration = float(seconds(args.duration))
    by = args.by or getpass.getuser()
    silence = book.create(matchers, duration, args.comment, by, args.incident)
    print(f"silenced: {describe(silence, book.now_ms())}")
    audit.by_command(book.client, book.keys, f"silence add {silence.id}", audit_maxlen)
    return 0
