"""``seismo config``: the effective settings, or the table of every ``SEISMO_*`` variable."""

from __future__ import annotations

import argparse
import json
from typing import Any

from seismo.config import Settings, load_settings


def settings_table() -> str:
    """A Markdown table of every variable: name, default, meaning (the README's table)."""
    lines = ["| variable | default | meaning |", "|---|---|---|"]
    for name, field in Settings.model_fields.items():
        default = field.default if field.default is not None else "(unset)"
        shown = json.dumps(default) if isinstance(default, dict) else str(default)
        lines.append(f"| `SEISMO_{name.upper()}` | `{shown}` | {field.description or ''} |")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    if args.markdown:
        print(settings_table())
        return 0
    print(json.dumps(load_settings().model_dump(mode="json"), indent=2))
    return 0


def register(commands: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "config", help="print the effective settings (or --markdown: every SEISMO_* variable)"
    )
    parser.add_argument("--markdown", action="store_true", help="the table of all variables")
    parser.set_defaults(handler=run)
