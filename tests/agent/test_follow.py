"""The follower reads what is appended, through logrotate's rename and copytruncate."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from seismo.agent.follow import MAX_LINE, Follower


def append(path: Path, *lines: str) -> None:
    with path.open("a") as log:
        log.writelines(f"{line}\n" for line in lines)


def test_it_starts_at_the_end_and_returns_only_complete_lines(tmp_path: Path) -> None:
    log = tmp_path / "access.log"
    append(log, "old")
    with Follower(str(log)) as follower:
        assert follower.lines(10) == []
        with log.open("a") as out:
            out.write("new 1\nnew ")
        assert follower.lines(10) == ["new 1"]
        append(log, "2")
        assert follower.lines(10) == ["new 2"]
    with Follower(str(log), from_start=True) as again:
        assert again.lines(10) == ["old", "new 1", "new 2"]


def test_a_backlog_is_read_in_bounded_pieces(tmp_path: Path) -> None:
    log = tmp_path / "access.log"
    append(log, *(f"line {i}" for i in range(24)), "x" * (MAX_LINE * 2), "after")
    with Follower(str(log), from_start=True) as follower:
        assert [len(follower.lines(10)) for _ in range(2)] == [10, 10]
        rest = follower.lines(10)
        assert rest == [f"line {i}" for i in range(20, 24)] + ["x" * MAX_LINE, "after"]


def test_a_renamed_log_is_read_to_its_end_then_the_new_file_from_its_start(
    tmp_path: Path,
) -> None:
    log = tmp_path / "access.log"
    append(log, "before")
    with Follower(str(log)) as follower:
        append(log, "one")
        assert follower.lines(10) == ["one"]
        append(log, "two")
        os.rename(log, tmp_path / "access.log.1")
        append(tmp_path / "access.log.1", "late write to the old file")
        assert follower.lines(10) == ["two", "late write to the old file"]
        assert follower.lines(10) == []  # no new file yet: keeps the old one
        append(log, "three")
        assert follower.lines(10) == []  # the old file is drained; moves to the new one
        assert follower.lines(10) == ["three"]
        append(tmp_path / "access.log.1", "a worker that has not reopened yet")
        append(log, "four")
        assert follower.lines(10) == ["a worker that has not reopened yet"]
        assert follower.lines(10) == ["four"]


def test_a_copytruncated_log_is_read_again_from_its_start(tmp_path: Path) -> None:
    log = tmp_path / "access.log"
    log.touch()
    with Follower(str(log)) as follower:
        append(log, "one", "two")
        assert follower.lines(10) == ["one", "two"]
        shutil.copy(log, tmp_path / "access.log.1")
        os.truncate(log, 0)
        assert follower.lines(10) == []
        append(log, "three")
        assert follower.lines(10) == ["three"]


def test_a_file_that_does_not_exist_yet_is_read_once_it_appears(tmp_path: Path) -> None:
    log = tmp_path / "access.log"
    with Follower(str(log)) as follower:
        assert follower.lines(10) == []
        append(log, "first")
        assert follower.lines(10) == ["first"]
