"""A recording HTTP server on loopback that stands in for Slack, PagerDuty, Alertmanager and
webhook endpoints: it keeps every request and answers as a test scripts it (a status, a
``Retry-After``, a delay beyond the client's timeout)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Answer:
    status: int = 200
    body: bytes = b"ok"
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0


class Recorder:
    """What the server received, and the answers it gives next (then ``default``)."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.script: list[Answer] = []
        self.default = Answer()
        self.lock = threading.Lock()
        self.arrived = threading.Condition(self.lock)
        self.url = ""

    def answer_next(self, *answers: Answer) -> None:
        with self.lock:
            self.script.extend(answers)

    def take(self, request: Received) -> Answer:
        with self.lock:
            self.received.append(request)
            self.arrived.notify_all()
            return self.script.pop(0) if self.script else self.default

    def wait_for(self, count: int, timeout_s: float = 20.0) -> list[Received]:
        """The requests once there are ``count`` (an AssertionError if they never come)."""
        deadline = time.monotonic() + timeout_s
        with self.lock:
            while len(self.received) < count:
                left = deadline - time.monotonic()
                assert left > 0, f"{len(self.received)} requests received, {count} expected"
                self.arrived.wait(left)
            return list(self.received)


def _handler(recorder: Recorder) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length") or 0))
            answer = recorder.take(Received(self.path, dict(self.headers.items()), body))
            if answer.delay_s:
                time.sleep(answer.delay_s)
            try:
                self.send_response(answer.status)
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                self.send_header("content-length", str(len(answer.body)))
                self.end_headers()
                self.wfile.write(answer.body)
            except OSError:
                pass  # the client gave up (timeout) and closed

        def log_message(self, *_: Any) -> None:
            pass

    return Handler


@contextmanager
def recording_server() -> Iterator[Recorder]:
    recorder = Recorder()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(recorder))
    server.daemon_threads = True
    recorder.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield recorder
    finally:
        server.shutdown()
        server.server_close()
