"""Access-log lines -> request fields: pure parsers of nginx and HAProxy formats.

``combined`` is nginx's and Apache's default format; ``nginx`` is the same with
``$request_time`` (seconds) appended, which is what gives a latency (a ``combined`` line
ending with a number is read the same way; without one its latency is 0). ``haproxy`` is
HAProxy's ``option httplog`` format, whose last timer (``Tt``, or ``Ta`` since 1.7) is the
request's total time in milliseconds. Lines that do not parse give ``None``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

_COMBINED = re.compile(
    r'^\S+ \S+ \S+ \[(?P<time>[^\]]+)\] "(?P<method>[A-Z]+) (?P<path>\S+)[^"]*" '
    r'(?P<status>\d{3}) (?P<bytes>\d+|-) "[^"]*" "[^"]*"(?: (?P<seconds>\d+(?:\.\d+)?))?'
)
_HAPROXY = re.compile(
    r"\S+:\d+ \[(?P<time>[^\]]+)\] \S+ (?P<backend>[^/\s]+)/\S+ "
    r"(?:-?\d+/){3,4}\+?(?P<total>-?\d+) (?P<status>\d{3}) \+?(?P<bytes>\d+) .*?"
    r'"(?P<method>[A-Z]+) (?P<path>\S+)[^"]*"'
)


@dataclass(frozen=True)
class Request:
    """One logged request."""

    method: str
    path: str
    status: int
    bytes: int
    latency_ms: float
    timestamp: float
    backend: str | None = None


def parse_combined(line: str) -> Request | None:
    """A ``combined`` line, with ``$request_time`` when it ends with one."""
    return _combined(line, timed=False)


def parse_nginx(line: str) -> Request | None:
    """A ``combined`` line that must end with ``$request_time``."""
    return _combined(line, timed=True)


def _combined(line: str, timed: bool) -> Request | None:
    found = _COMBINED.match(line)
    if found is None or (timed and not found["seconds"]):
        return None
    timestamp = _time(found["time"], "%d/%b/%Y:%H:%M:%S %z")
    if timestamp is None:
        return None
    seconds = found["seconds"]
    return Request(
        method=found["method"],
        path=found["path"],
        status=int(found["status"]),
        bytes=0 if found["bytes"] == "-" else int(found["bytes"]),
        latency_ms=round(float(seconds) * 1000, 3) if seconds else 0.0,
        timestamp=timestamp,
    )


def parse_haproxy(line: str) -> Request | None:
    """An HAProxy ``httplog`` line (with or without its syslog prefix); the accept date has
    no offset and is read as the agent's local time, the machine HAProxy logs on."""
    found = _HAPROXY.search(line)
    if found is None or int(found["total"]) < 0:
        return None
    timestamp = _time(found["time"], "%d/%b/%Y:%H:%M:%S.%f")
    if timestamp is None:
        return None
    return Request(
        method=found["method"],
        path=found["path"],
        status=int(found["status"]),
        bytes=int(found["bytes"]),
        latency_ms=float(found["total"]),
        timestamp=timestamp,
        backend=found["backend"],
    )


def _time(text: str, layout: str) -> float | None:
    """Epoch seconds of a logged time (a naive one is local time), None when malformed."""
    try:
        return datetime.strptime(text, layout).timestamp()
    except ValueError:
        return None


PARSERS = {"nginx": parse_nginx, "combined": parse_combined, "haproxy": parse_haproxy}
