"""Every route of both apps, with every kind of key: generated from their OpenAPI documents,
so a route added to a document later is checked the day it is added.

The expectations are the issue's rules written out here, not read from the gate: the
collector's POSTs need ``ingest``, its GETs ``read``; the dashboard's GETs need ``read``,
its other methods and the audit log ``admin``; ``admin`` may do everything; ``/health`` (and
the collector's ``/status`` alias) is open.
"""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from starlette.routing import WebSocketRoute

from seismo.config import Settings
from seismo.dashboard.app import create_app as create_dashboard
from seismo.dashboard.openapi import openapi_document as dashboard_document
from seismo.ingest.app import create_app as create_collector
from seismo.ingest.openapi import openapi_document as collector_document
from tests.access.conftest import Stack

CREDENTIALS = ("none", "unknown", "ingest", "read", "admin")
OPEN = {"/health", "/status"}
UI_FILES = {"/", "/favicon.svg", "/favicon.ico"}
ADMIN_ONLY_GETS = {"/api/audit"}
UNDOCUMENTED = [
    ("collector", "GET", "/openapi.json"),
    ("collector", "GET", "/forward/{service}/{path}"),
    ("dashboard", "GET", "/openapi.json"),
    ("dashboard", "GET", "/"),
    ("dashboard", "GET", "/favicon.svg"),
    ("dashboard", "GET", "/favicon.ico"),
    ("dashboard", "GET", "/{path}"),
]
"""Routes the documents leave out (the documents themselves, the demo proxy, the UI's
files), checked here too; the WebSocket is checked in test_websocket."""
ROUTE_PLACEHOLDER = re.compile(r"\{([^}:]+)(:[^}]*)?\}")


def operations() -> list[tuple[str, str, str]]:
    """(app, method, path) of every operation the two documents describe, and the rest."""
    found = []
    for app, document in (("collector", collector_document()), ("dashboard", dashboard_document())):
        for path, item in document["paths"].items():
            found += [(app, method.upper(), path) for method in item]
    return found + UNDOCUMENTED


def needed(app: str, method: str, path: str) -> str | None:
    if path in OPEN or (app == "dashboard" and path in UI_FILES):
        return None
    if app == "collector":
        return "read" if method == "GET" and not path.startswith("/forward/") else "ingest"
    return "read" if method == "GET" and path not in ADMIN_ONLY_GETS else "admin"


def expected(app: str, method: str, path: str, credential: str) -> str:
    """``pass`` (anything but 401/403), ``401`` or ``403``."""
    scope = needed(app, method, path)
    if scope is None:
        return "pass"
    if credential in ("none", "unknown"):
        return "401"
    return "pass" if credential in (scope, "admin") else "403"


def headers(stack: Stack, credential: str, style: int) -> dict[str, str]:
    """The credential, as a Bearer token or an X-API-Key header by turns."""
    if credential == "none":
        return {}
    token = "seismo_not-a-real-key" if credential == "unknown" else stack.tokens[credential]
    return {"Authorization": f"Bearer {token}"} if style % 2 else {"X-API-Key": token}


@pytest.mark.parametrize(("app", "method", "path"), operations())
def test_every_route_refuses_missing_and_wrong_keys_and_takes_the_right_one(
    stack: Stack, app: str, method: str, path: str
) -> None:
    base = stack.collector if app == "collector" else stack.dashboard
    url = base + re.sub(r"\{[^}]+\}", "no-such-id", path)
    seen: dict[str, Any] = {}
    for style, credential in enumerate(CREDENTIALS):
        answer = httpx.request(method, url, headers=headers(stack, credential, style), timeout=10)
        want = expected(app, method, path, credential)
        got = "pass" if answer.status_code not in (401, 403) else str(answer.status_code)
        seen[credential] = (got, answer.status_code)
        assert got == want, f"{method} {path} with {credential}: {answer.status_code} {answer.text}"
        if got != "pass":
            body = answer.json()
            assert body["error"] and body["field"] in ("authorization", "scope"), body
    assert seen, "no credential was tried"


@pytest.mark.parametrize("app", ["collector", "dashboard"])
def test_every_route_of_each_app_is_in_the_matrix(app: str) -> None:
    """A route added without documenting it fails here: document it in the app's OpenAPI
    (then every key is tried on it above) or list it in UNDOCUMENTED."""
    settings = Settings(redis_url="redis://127.0.0.1:1/0")
    made = (create_collector if app == "collector" else create_dashboard)(settings)
    known = {(a, m, p) for a, m, p in operations() if a == app}
    for route in made.routes:
        path = ROUTE_PLACEHOLDER.sub(r"{\1}", str(getattr(route, "path", "")))
        if isinstance(route, WebSocketRoute):
            continue
        methods = getattr(route, "methods", None) or {"GET"}
        for method in set(methods) - {"HEAD"}:
            assert (app, method, path) in known, f"{app} {method} {path} is not in the matrix"


def test_the_matrix_covers_both_apps_reads_and_writes() -> None:
    kinds = {
        (app, method == "GET", needed(app, method, path)) for app, method, path in operations()
    }
    assert ("collector", False, "ingest") in kinds
    assert ("collector", True, "read") in kinds
    assert ("dashboard", True, "read") in kinds
    assert ("dashboard", False, "admin") in kinds
    assert ("dashboard", True, "admin") in kinds


def test_a_401_says_how_to_send_a_key_and_a_403_names_both_scopes(stack: Stack) -> None:
    missing = httpx.get(stack.dashboard + "/api/anomalies", timeout=10)
    assert missing.status_code == 401
    assert "Authorization: Bearer" in missing.json()["error"]
    assert missing.headers["www-authenticate"].startswith("Bearer")
    wrong = httpx.post(
        stack.dashboard + "/api/anomalies/x/ack",
        headers={"X-API-Key": stack.tokens["read"]},
        timeout=10,
    )
    assert wrong.status_code == 403
    assert "'admin'" in wrong.json()["error"] and "'read'" in wrong.json()["error"]


def test_the_ui_page_loads_without_a_key_so_it_can_ask_for_one(stack: Stack) -> None:
    page = httpx.get(stack.dashboard + "/", timeout=10)
    assert page.status_code == 200
    assert "text/html" in page.headers["content-type"]
