"""Endpoint names from route templates: ``GET:/users/{id}``, never ``GET:/users/17``.

Seismo counts and fingerprints endpoints; a raw path per user id would turn one endpoint
into thousands of keys and hide the real ones. So the middleware names a request by the
pattern its framework matched, written one way for all frameworks (``{name}`` for a
parameter), and a request no route matched goes to one fixed bucket. An app has few
routes, so each template is computed once.
"""

from __future__ import annotations

import functools
import re

UNMATCHED = "/<unmatched>"
"""The path of every request that no route matched (404s of unknown paths, scanners)."""

_PARAMETER = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>|\{([^}:]+)(?::[^}]*)?\}")


@functools.lru_cache(maxsize=1024)
def template(route: str) -> str:
    """``/users/<int:id>`` (Flask, Django) or ``/users/{id:int}`` (Starlette) as ``/users/{id}``."""
    normalized = _PARAMETER.sub(lambda m: "{" + (m.group(1) or m.group(2)) + "}", route)
    return normalized if normalized.startswith("/") else "/" + normalized


def endpoint(method: str, route: str | None) -> str:
    """``METHOD:/template``, or the unmatched bucket when no route matched."""
    return f"{method.upper()}:{template(route) if route is not None else UNMATCHED}"
