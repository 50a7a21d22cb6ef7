"""The ``seismo`` command.

Every module of this package that defines ``register(subparsers)`` adds its sub-commands;
``seismo bench`` does the same with the modules of ``seismo.bench``. A new command is a new
module, with no list to edit here.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from collections.abc import Callable, Sequence
from types import ModuleType

import redis

from seismo.config import ConfigError
from seismo.engine.connection import EngineUnavailable

Handler = Callable[[argparse.Namespace], int]


def registering_modules(package: ModuleType) -> list[ModuleType]:
    """The modules of ``package`` that define ``register(subparsers)``, sorted by name."""
    found = []
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda i: i.name):
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        if callable(getattr(module, "register", None)):
            found.append(module)
    return found


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser, with every discovered command."""
    parser = argparse.ArgumentParser(
        prog="seismo", description="Real-time anomaly detection for distributed systems."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in registering_modules(sys.modules[__name__]):
        module.register(commands)
    return parser


def fail(reason: str) -> int:
    """One line on stderr naming why the command cannot go on; exit code 2."""
    print(f"seismo: {reason}", file=sys.stderr)
    return 2


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: parse, run the chosen command's handler, turn set-up errors into text."""
    args = build_parser().parse_args(argv)
    handler: Handler = args.handler
    try:
        return handler(args)
    except (ConfigError, EngineUnavailable) as exc:
        return fail(str(exc))
    except redis.RedisError as exc:
        return fail(f"Redis answered with an error: {exc}")
    except OSError as exc:
        return fail(f"{exc.strerror or exc}: {exc.filename or ''}".rstrip(": "))
    except KeyboardInterrupt:
        return 130
