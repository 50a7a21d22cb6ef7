"""Role processes of the demo, each in its own process group, and a stop that leaves none.

A role's own children (a web role's granian workers) share its process group, so one
signal to the group reaches them all. ``Supervisor.stop_all`` stops the roles in reverse
start order: SIGTERM, a bounded wait, then SIGKILL for any group still alive.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

STOP_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class Role:
    """One child process of the demo: the ``seismo`` sub-command it runs and its URL if any."""

    name: str
    args: tuple[str, ...]
    url: str | None = None

    def command(self) -> list[str]:
        return [sys.executable, "-m", "seismo", *self.args]


@dataclass
class Child:
    """A started role: its process (leader of its own process group) and its log file."""

    role: Role
    process: subprocess.Popen[bytes]
    log_path: Path
    restarts: int = 0


@dataclass
class Supervisor:
    """Starts roles in their own process groups and stops every one of them."""

    env: dict[str, str]
    log_dir: Path
    children: list[Child] = field(default_factory=list)

    def start(self, role: Role) -> Child:
        """Start ``role`` with its output in ``<log_dir>/<role>.log``."""
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log_path = self.log_dir / f"{role.name}.log"
        with log_path.open("ab") as log:
            process = subprocess.Popen(
                role.command(),
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        child = Child(role, process, log_path)
        self.children.append(child)
        return child

    def revive(self, max_restarts: int) -> list[str]:
        """Restart each role that died, up to ``max_restarts`` times; answers what was done."""
        done = []
        for child in [c for c in self.children if c.process.poll() is not None]:
            code, name = child.process.returncode, child.role.name
            self._forget(child)
            if child.restarts >= max_restarts:
                done.append(f"{name} exited with code {code} again; given up, see {child.log_path}")
                continue
            fresh = self.start(child.role)
            fresh.restarts = child.restarts + 1
            done.append(f"{name} exited with code {code}; restarted (pid {fresh.process.pid})")
        return done

    def _forget(self, child: Child) -> None:
        """Drop an exited role, killing whatever its group left behind (a dead collector's
        workers would hold its port)."""
        if _group_alive(child.process.pid):
            _signal_group(child.process.pid, signal.SIGKILL)
        self.children.remove(child)

    def stop_all(self, timeout_s: float = STOP_TIMEOUT_S) -> None:
        """SIGTERM every group (last started first), wait up to ``timeout_s``, then SIGKILL
        the groups still alive, and reap every child."""
        groups = [child.process.pid for child in reversed(self.children)]
        for pgid in groups:
            _signal_group(pgid, signal.SIGTERM)
        deadline = time.monotonic() + timeout_s
        for child in reversed(self.children):
            with contextlib.suppress(subprocess.TimeoutExpired):
                child.process.wait(timeout=max(0.0, deadline - time.monotonic()))
        while any(map(_group_alive, groups)) and time.monotonic() < deadline:
            time.sleep(0.05)
        for pgid in filter(_group_alive, groups):
            _signal_group(pgid, signal.SIGKILL)
        for child in self.children:
            child.process.wait()


def _signal_group(pgid: int, signum: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signum)


def _group_alive(pgid: int) -> bool:
    """True while any process of group ``pgid`` exists."""
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
