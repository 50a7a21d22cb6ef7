"""A real nginx (Debian's nginx-light, installed by ``make nginx``) on a free loopback port,
writing its access log in the ``nginx`` format Seismo's README documents."""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from seismo.engine.server import free_port

LOG_FORMAT = (
    '\'$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent '
    '"$http_referer" "$http_user_agent" $request_time\''
)
CONFIG = """
daemon off;
worker_processes 1;
pid {root}/nginx.pid;
error_log {root}/error.log warn;
events {{ worker_connections 64; }}
http {{
    client_body_temp_path {root}/body;
    proxy_temp_path {root}/proxy;
    fastcgi_temp_path {root}/fastcgi;
    uwsgi_temp_path {root}/uwsgi;
    scgi_temp_path {root}/scgi;
    log_format seismo {log_format};
    access_log {root}/access.log seismo;
    server {{
        listen 127.0.0.1:{port};
        location / {{ return 200 "ok\\n"; }}
        location /missing {{ return 404; }}
    }}
}}
"""


class Nginx:
    """The running server: its URL, its access log and ``reopen`` (what logrotate signals)."""

    def __init__(self, root: Path, process: subprocess.Popen[bytes], port: int) -> None:
        self.root = root
        self.process = process
        self.url = f"http://127.0.0.1:{port}"
        self.access_log = root / "access.log"

    def reopen(self) -> None:
        """SIGUSR1: nginx reopens its log files, as logrotate's postrotate asks it to."""
        self.process.send_signal(signal.SIGUSR1)


@contextmanager
def nginx(root: Path) -> Iterator[Nginx]:
    binary = shutil.which("nginx") or "/usr/sbin/nginx"
    port = free_port()
    config = root / "nginx.conf"
    config.write_text(CONFIG.format(root=root, port=port, log_format=LOG_FORMAT))
    command = [binary, "-p", str(root), "-c", str(config), "-e", str(root / "error.log")]
    process = subprocess.Popen(command, stderr=subprocess.PIPE)
    try:
        _wait_listening(port, process, root)
        yield Nginx(root, process, port)
    finally:
        process.send_signal(signal.SIGQUIT)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stderr:
            process.stderr.close()


def _wait_listening(port: int, process: subprocess.Popen[bytes], root: Path) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"nginx exited: {(root / 'error.log').read_text()}")
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return
        except OSError:
            time.sleep(0.02)
    raise RuntimeError("nginx did not start listening")
