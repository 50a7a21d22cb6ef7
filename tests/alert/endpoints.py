"""Loopback endpoints for every channel, behind one face for the channel contract test:
build the channel pointed at the endpoint, make the next answers fail, read what arrived."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email import message_from_bytes
from email.message import Message
from typing import Any

from aiosmtpd.controller import Controller

from seismo.alert.channels import CHANNELS, Channel, ChannelEnv, build_channel
from seismo.engine.server import free_port
from tests.alert.receivers import Answer, Recorder, recording_server

HTTP_OPTIONS = {
    "slack": lambda url: {"url": url + "/services/T0/B0/x"},
    "pagerduty": lambda url: {"routing_key": "R0UT1NGKEY", "url": url + "/v2/enqueue"},
    "webhook": lambda url: {"url": url + "/hook", "secret": "s3cret"},
    "alertmanager": lambda url: {"url": url},
}


class Mailbox:
    """An aiosmtpd handler that keeps each message, or answers with a scripted failure."""

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.failures: list[str] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            if self.failures:
                return self.failures.pop(0)
            self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"


@dataclass
class Endpoint:
    """One channel's stand-in receiver."""

    channel: str
    options: dict[str, Any]
    recorder: Recorder | None = None
    mailbox: Mailbox | None = None

    def build(self, env: ChannelEnv) -> Channel:
        return build_channel(self.channel, env, self.options)

    def fail_next(self, count: int) -> None:
        """The next ``count`` deliveries get a temporary failure (HTTP 503, SMTP 451)."""
        if self.recorder is not None:
            self.recorder.answer_next(*[Answer(503, b"busy")] * count)
        elif self.mailbox is not None:
            self.mailbox.failures += ["451 try again later"] * count

    def texts(self) -> list[str]:
        """Each delivered message's text, whatever its format."""
        if self.recorder is not None:
            return [r.body.decode() for r in self.recorder.received]
        assert self.mailbox is not None
        return [m.as_string() for m in self.mailbox.messages]

    def delivered(self) -> int:
        if self.recorder is not None:
            return len([r for r in self.recorder.received])
        assert self.mailbox is not None
        return len(self.mailbox.messages)


@contextmanager
def smtp_server() -> Iterator[tuple[Mailbox, int]]:
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield mailbox, port
    finally:
        controller.stop()


@contextmanager
def endpoint(channel: str) -> Iterator[Endpoint]:
    """A running stand-in for ``channel``'s receiver."""
    assert channel in CHANNELS
    if channel == "email":
        with smtp_server() as (mailbox, port):
            options = {"host": "127.0.0.1", "port": port, "to": ["ops@example.org"]}
            yield Endpoint(channel, {**options, "security": "none"}, mailbox=mailbox)
        return
    with recording_server() as recorder:
        yield Endpoint(channel, HTTP_OPTIONS[channel](recorder.url), recorder=recorder)
