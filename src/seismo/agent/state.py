"""The tail agent's position file (``--state FILE``): where it stopped, kept across runs.

Written after each batch the collector took, atomically (a temporary file renamed over
the old one), so a crash leaves the previous position, never half of one: at worst the
last batch is sent again after a restart.
"""

from __future__ import annotations

import os
from pathlib import Path

import msgspec

from seismo.agent.follow import Position
from seismo.config import ConfigError


class SavedPosition(msgspec.Struct):
    inode: int
    offset: int


def load(path: str) -> Position | None:
    """The saved position; None when there is none yet."""
    try:
        saved = msgspec.json.decode(Path(path).read_bytes(), type=SavedPosition)
    except FileNotFoundError:
        return None
    except msgspec.DecodeError as exc:
        raise ConfigError(f"{path}: not a position saved by seismo agent tail: {exc}") from None
    return saved.inode, saved.offset


def save(path: str, position: Position) -> None:
    temporary = f"{path}.tmp"
    Path(temporary).write_bytes(msgspec.json.encode(SavedPosition(*position)))
    os.replace(temporary, path)
