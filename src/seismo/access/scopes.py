"""Scopes, and the scope each route of the two web apps needs.

Three scopes, like Grafana's viewer/editor/admin roles cut along Seismo's own seams:
``ingest`` sends events to the collector, ``read`` reads the dashboard (its GETs and its
WebSocket), ``admin`` changes things (acknowledge, false alarm, silences, faults) and reads
the audit log. An ``admin`` key can do everything the others can, so an operator needs one
key in the dashboard.

The rules are by method and path rather than a list of routes, so a route added later is
protected the day it is added (the tests generate their cases from the OpenAPI documents).
"""

from __future__ import annotations

from typing import Literal

Scope = Literal["ingest", "read", "admin"]
SCOPES: tuple[Scope, ...] = ("ingest", "read", "admin")

OPEN_PATHS = frozenset({"/health", "/status"})
"""Answered without a key, for load balancers' and Kubernetes' probes."""
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "WEBSOCKET"})
ADMIN_GETS = ("/api/audit",)
"""Dashboard reads that are admin business: the audit log says who holds which key."""
UI_PAGES = frozenset({"/", "/favicon.svg", "/favicon.ico"})
UI_ASSETS = "/assets/"
"""The dashboard's page and build files: code, not data, open so the page can ask for a key
(the UI routes by the URL's hash, so ``/`` is its one page)."""


def grants(held: str, needed: Scope) -> bool:
    """True when a key of scope ``held`` may call a route needing ``needed``."""
    return held == needed or held == "admin"


def collector_scope(method: str, path: str) -> Scope | None:
    """The scope a collector route needs (None: open): POSTs and the demo proxy, which
    records calls, ingest; the other GETs (index, config, metrics, OpenAPI) read."""
    if path in OPEN_PATHS:
        return None
    if method in READ_METHODS and not path.startswith("/forward/"):
        return "read"
    return "ingest"


def dashboard_scope(method: str, path: str) -> Scope | None:
    """The scope a dashboard route needs (None: open): GETs and the WebSocket read, every
    other method (and the audit log) admin; the UI's own files are open."""
    if path in OPEN_PATHS or _ui_file(method, path):
        return None
    if method in READ_METHODS and not path.startswith(ADMIN_GETS):
        return "read"
    return "admin"


def _ui_file(method: str, path: str) -> bool:
    return method in ("GET", "HEAD") and (path in UI_PAGES or path.startswith(UI_ASSETS))
