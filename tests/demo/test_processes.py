"""The supervisor stops a role and its own children, even a role that ignores SIGTERM."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from seismo.demo.processes import Role, Supervisor

STUBBORN = """
import signal, subprocess, sys, time
signal.signal(signal.SIGTERM, signal.SIG_IGN)
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
print(child.pid, flush=True)
time.sleep(60)
"""


class ScriptRole(Role):
    """A role running a Python snippet instead of a ``seismo`` command."""

    def command(self) -> list[str]:
        return [sys.executable, "-c", self.args[0]]


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_stop_all_kills_a_stubborn_role_and_its_children(tmp_path: Path) -> None:
    supervisor = Supervisor(dict(os.environ), tmp_path)
    child = supervisor.start(ScriptRole("stubborn", (STUBBORN,)))
    log = tmp_path / "stubborn.log"
    deadline = time.monotonic() + 30
    while not log.read_text().strip() and time.monotonic() < deadline:
        time.sleep(0.05)
    grandchild = int(log.read_text().split()[0])
    assert alive(child.process.pid) and alive(grandchild)
    supervisor.stop_all(timeout_s=0.5)
    time.sleep(0.2)
    assert not alive(child.process.pid)
    assert not alive(grandchild)
    assert child.process.returncode is not None


def test_a_dead_role_is_restarted_a_few_times_then_given_up(tmp_path: Path) -> None:
    supervisor = Supervisor(dict(os.environ), tmp_path)
    supervisor.start(ScriptRole("quick", ("raise SystemExit(3)",)))
    lines: list[str] = []
    for _ in range(3):
        supervisor.children[0].process.wait()
        lines += supervisor.revive(max_restarts=2)
    assert lines[0].startswith("quick exited with code 3; restarted (pid ")
    assert lines[1].startswith("quick exited with code 3; restarted")
    assert lines[2].startswith("quick exited with code 3 again; given up")
    assert supervisor.children == []
    assert supervisor.revive(max_restarts=2) == []


def test_a_running_role_is_left_alone(tmp_path: Path) -> None:
    supervisor = Supervisor(dict(os.environ), tmp_path)
    child = supervisor.start(ScriptRole("sleeper", ("import time; time.sleep(30)",)))
    assert supervisor.revive(max_restarts=2) == []
    assert supervisor.children == [child]
    supervisor.stop_all(timeout_s=5)
    assert child.process.returncode is not None
