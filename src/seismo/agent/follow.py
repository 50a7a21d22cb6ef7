"""Follows a growing log file the way ``tail -F`` does, through rotation.

``logrotate`` either renames the file (and the server reopens a new one at the same path)
or copies then truncates it in place (``copytruncate``). After a rename the follower reads
the new file from its start but keeps reading the old one until it has been quiet for
``RENAMED_GRACE_S``: a server's workers reopen their logs a moment after the new file
appears, and what they write meanwhile still goes to the old one. A file that became
shorter than what was read, or whose last line read is no longer in place (truncated, then
written past that point before the follower looked), is read again from its start. Reads
are bounded: at most ``limit`` lines per call, each at most ``MAX_LINE`` bytes (the rest of
a longer one is dropped), so a huge backlog is read piece by piece, never all at once.
"""

from __future__ import annotations

import os
import time
from typing import BinaryIO

MAX_LINE = 64 * 1024
MARK = 512
"""Bytes of the last line read that must still be in place: else the file was rewritten."""
RENAMED_GRACE_S = 5.0
Position = tuple[int, int]
"""(inode, byte offset) in the file at the path: where reading stopped, to resume there."""


class Reader:
    """Complete lines of one open file, from where it stands."""

    def __init__(self, file: BinaryIO) -> None:
        self.file = file
        self.restart()

    def restart(self) -> None:
        """Forget the line being read: reading starts over at the file's beginning."""
        self.file.seek(0)
        self.partial = b""
        self.skipping = False
        self.mark: tuple[int, bytes] = (0, b"")

    def read(self, limit: int) -> list[str]:
        found: list[str] = []
        while len(found) < limit:
            chunk = self.file.readline(MAX_LINE - len(self.partial))
            if not chunk:
                break
            ended = chunk.endswith(b"\n")
            if self.skipping:
                self.skipping = not ended
                continue
            self.partial += chunk
            if ended or len(self.partial) >= MAX_LINE:
                found.append(self.partial.decode("utf-8", "replace").rstrip("\r\n"))
                self.mark = (self.file.tell(), self.partial[-MARK:])
                self.partial = b""
                self.skipping = not ended  # the rest of an overlong line is dropped
        return found

    def truncated(self) -> bool:
        """True when the file is shorter than what was read, or the last line read is no
        longer where it was (truncated and written again)."""
        end, last = self.mark
        fd = self.file.fileno()
        if os.fstat(fd).st_size < self.file.tell():
            return True
        return bool(last) and os.pread(fd, len(last), end - len(last)) != last


class Follower:
    """Complete lines appended to ``path`` since the last call."""

    def __init__(self, path: str, from_start: bool = False, resume: Position | None = None) -> None:
        self.path = path
        self.current: Reader | None = None
        self.old: Reader | None = None
        self.old_quiet_since = 0.0
        self._open(from_start or resume is not None)
        if resume is not None and self.current is not None:
            self._resume(*resume)

    def _resume(self, inode: int, offset: int) -> None:
        """Go on where a previous run stopped, if the file is still the one it read; else
        (rotated or truncated meanwhile) the file at the path is all unread."""
        assert self.current is not None
        found = os.fstat(self.current.file.fileno())
        if found.st_ino == inode and found.st_size >= offset:
            self.current.file.seek(offset)

    def position(self) -> Position | None:
        """Where reading stands, at a line's end; None while a renamed file is still read
        (resuming there would skip what it still holds)."""
        if self.current is None or self.old is not None:
            return None
        file = self.current.file
        return os.fstat(file.fileno()).st_ino, file.tell() - len(self.current.partial)

    def _open(self, from_start: bool) -> None:
        try:
            self.current = Reader(open(self.path, "rb"))  # noqa: SIM115 - kept open
        except FileNotFoundError:
            self.current = None
            return
        if not from_start:
            self.current.file.seek(0, os.SEEK_END)

    def lines(self, limit: int) -> list[str]:
        """Up to ``limit`` complete lines; a line still being written waits for its end."""
        found = self._from_old(limit)
        if found:
            return found
        if self.current is None:
            self._open(from_start=True)
        if self.current is None:
            return []
        if self.current.truncated():
            self.current.restart()
        found = self.current.read(limit)
        if not found and self._renamed():
            self._close_old()
            self.old, self.old_quiet_since = self.current, time.monotonic()
            self._open(from_start=True)
        return found

    def _from_old(self, limit: int) -> list[str]:
        if self.old is None:
            return []
        found = self.old.read(limit)
        if found:
            self.old_quiet_since = time.monotonic()
        elif time.monotonic() - self.old_quiet_since > RENAMED_GRACE_S:
            self._close_old()
        return found

    def _renamed(self) -> bool:
        """True when another file is at the path (none yet: the old one is kept)."""
        assert self.current is not None
        try:
            return os.stat(self.path).st_ino != os.fstat(self.current.file.fileno()).st_ino
        except FileNotFoundError:
            return False

    def _close_old(self) -> None:
        if self.old is not None:
            self.old.file.close()
            self.old = None

    def close(self) -> None:
        self._close_old()
        if self.current is not None:
            self.current.file.close()

    def __enter__(self) -> Follower:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
