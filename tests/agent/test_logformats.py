"""Access-log lines in the exact formats nginx and HAProxy write, parsed into requests."""

from __future__ import annotations

from datetime import datetime

from seismo.agent.logformats import parse_combined, parse_haproxy, parse_nginx

COMBINED = (
    '203.0.113.9 - alice [02/Dec/2026:00:15:02 +0100] "GET /users/17?tab=a HTTP/1.1" 200 512 '
    '"https://example.org/" "Mozilla/5.0 (X11; Linux x86_64)"'
)
HAPROXY = (
    "Dec  2 00:15:02 lb1 haproxy[14389]: 10.0.1.2:33317 [02/Dec/2026:00:15:02.655] http-in "
    "checkout/srv1 10/0/30/69/109 503 2750 - - ---- 1/1/1/1/0 0/0 {1wt.eu} {} "
    '"POST /pay/42 HTTP/1.1"'
)


def test_a_combined_line_gives_method_path_status_bytes_and_its_zoned_time() -> None:
    request = parse_combined(COMBINED)
    assert request is not None
    assert (request.method, request.path, request.status, request.bytes) == (
        "GET",
        "/users/17?tab=a",
        200,
        512,
    )
    assert request.timestamp == datetime.fromisoformat("2026-12-01T23:15:02+00:00").timestamp()
    assert request.latency_ms == 0.0


def test_the_nginx_format_takes_request_time_in_seconds_and_requires_it() -> None:
    request = parse_nginx(COMBINED + " 0.182")
    assert request is not None
    assert request.latency_ms == 182.0
    assert parse_nginx(COMBINED) is None
    assert parse_combined(COMBINED + " 0.182") == request


def test_an_haproxy_httplog_line_takes_the_total_time_and_the_backend() -> None:
    request = parse_haproxy(HAPROXY)
    assert request is not None
    assert (request.method, request.path, request.status, request.bytes) == (
        "POST",
        "/pay/42",
        503,
        2750,
    )
    assert (request.latency_ms, request.backend) == (109.0, "checkout")
    assert request.timestamp == datetime(2026, 12, 2, 0, 15, 2, 655000).timestamp()


def test_an_aborted_haproxy_request_and_garbage_lines_give_nothing() -> None:
    assert parse_haproxy(HAPROXY.replace("/109 ", "/-1 ")) is None
    for line in ("", "hello", '1.2.3.4 - - [bad] "GET / HTTP/1.1" 200 1 "-" "-"', "\x00" * 9):
        assert parse_combined(line) is None
        assert parse_haproxy(line) is None
