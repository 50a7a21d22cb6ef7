"""Endpoint names from raw request paths: ``METHOD:/route/template``, never the raw path.

``/users/17`` and ``/users/18`` are one endpoint. Templates given by the user
(``/users/{id}``) are tried first, in order; a path none matches has its query string
dropped and its id-like segments (numbers, UUIDs, long hex) replaced by ``{id}``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

_PARAM = re.compile(r"\{[^/{}]+\}")
_ID_SEGMENT = re.compile(
    r"^(\d+|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
    r"|[0-9a-fA-F]{16,})$"
)


class RouteTemplates:
    """The user's templates, compiled once; ``endpoint(method, path)`` names a request."""

    def __init__(self, templates: Sequence[str] = ()) -> None:
        self.templates = [(t, _compile(t)) for t in templates]

    def route(self, path: str) -> str:
        path = path.split("?", 1)[0].split("#", 1)[0] or "/"
        for template, pattern in self.templates:
            if pattern.fullmatch(path):
                return template
        return "/".join("{id}" if _ID_SEGMENT.match(s) else s for s in path.split("/"))

    def endpoint(self, method: str, path: str) -> str:
        return f"{method.upper()}:{self.route(path)}"


def _compile(template: str) -> re.Pattern[str]:
    parts = _PARAM.split(template)
    return re.compile("[^/]+".join(re.escape(part) for part in parts))
