"""``seismo keys``: create, list and revoke the API keys of the web apps.

``seismo keys create --scope ingest|read|admin [--name N] [--expires 30d]`` prints the new
key alone on its last line (``KEY=$(seismo keys create --scope ingest | tail -n 1)``); it is
shown once, Redis keeps only its hash. ``seismo keys list`` shows every key without it;
``seismo keys revoke ID|NAME`` deletes it (the web apps stop taking it within seconds).
Each change is written to the audit log as ``cli:<user>``. The keys are checked once
``SEISMO_AUTH=required``.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from typing import Any

from seismo.access import audit
from seismo.access.scopes import SCOPES, Scope
from seismo.access.store import KeyStore, Listed, UnknownKey
from seismo.access.tokens import duration_ms
from seismo.cli.installation import installation_redis
from seismo.config import Settings, load_settings
from seismo.engine.keys import Keys

NAME = re.compile(r"^[A-Za-z0-9_.@:-]{1,64}$")


def register(commands: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "keys", help="API keys of the collector and dashboard (create, list, revoke)"
    )
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    create = actions.add_parser("create", help="make a key; printed once, on the last line")
    create.add_argument("--scope", required=True, choices=SCOPES, help="what the key may do")
    create.add_argument("--name", help="who or what holds it (default: its id)")
    create.add_argument("--expires", help="lifetime such as 90d, 12h, 2w (default: none)")
    actions.add_parser("list", help="every key (never the key itself)")
    revoke = actions.add_parser("revoke", help="delete a key by id or name")
    revoke.add_argument("key", metavar="ID|NAME")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    settings = load_settings()
    try:
        with installation_redis(settings) as client:
            return _act(KeyStore(client, Keys(settings.namespace)), settings, args)
    except (ValueError, UnknownKey) as exc:
        print(f"seismo keys: {exc}", file=sys.stderr)
        return 2


def _act(store: KeyStore, settings: Settings, args: argparse.Namespace) -> int:
    now = int(time.time() * 1000)
    if args.action == "list":
        print(_table(store.listing(), now))
        return 0
    if args.action == "revoke":
        for key in store.revoke(args.key):
            _audit(store, settings, f"keys revoke {key.name} ({key.id}, {key.scope})")
            print(f"revoked {key.id} {key.name} ({key.scope})")
        return 0
    return _create(store, settings, args, now)


def _create(store: KeyStore, settings: Settings, args: argparse.Namespace, now: int) -> int:
    if args.name is not None and not NAME.match(args.name):
        raise ValueError("--name: 1 to 64 letters, digits or . _ @ : -")
    expires = now + duration_ms(args.expires) if args.expires else None
    scope: Scope = args.scope
    token, key = store.create(args.name, scope, now, expires)
    _audit(store, settings, f"keys create {key.name} ({key.id}, {key.scope})")
    until = f", expires {_when(expires)}" if expires else ""
    print(f"API key {key.name!r} created: id {key.id}, scope {key.scope}{until}.")
    print("It is shown once and cannot be shown again (Redis keeps only its SHA-256):")
    print(token)
    return 0


def _audit(store: KeyStore, settings: Settings, action: str) -> None:
    audit.by_command(store.client, store.keys, action, settings.audit_maxlen)


def _table(listed: list[Listed], now: int) -> str:
    rows = [("ID", "NAME", "SCOPE", "CREATED", "EXPIRES", "LAST USED")]
    for item in listed:
        key = item.key
        expires = _when(key.expires_ms) if key.expires_ms else "never"
        if key.expired(now):
            expires += " (expired)"
        used = _when(item.last_used_ms) if item.last_used_ms else "never"
        rows.append((key.id, key.name, key.scope, _when(key.created_ms), expires, used))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in rows
    )


def _when(epoch_ms: int | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime((epoch_ms or 0) / 1000))
