"""Serving the built UI (``ui/`` built by Vite into ``dashboard/static/``) from one origin.

Files of the build are served as they are; any other path without a file extension is a
route of the single-page app and gets ``index.html``. When the UI has not been built, the
page says how to build it, and a built-in favicon keeps browsers from logging a 404.
"""

from __future__ import annotations

from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, Response

STATIC_DIR = Path(__file__).parent / "static"
FAVICON = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">'
    '<rect width="32" height="32" rx="6" fill="#0f172a"/>'
    '<path d="M3 17h6l3-9 4 16 4-12 3 5h6" fill="none" stroke="#38bdf8" stroke-width="2.5"'
    ' stroke-linejoin="round" stroke-linecap="round"/></svg>'
)
NOT_BUILT = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Seismo</title>
<link rel="icon" href="/favicon.svg" type="image/svg+xml"></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 4rem auto">
<h1>Seismo dashboard</h1>
<p>The dashboard API is running, but the UI has not been built.
Build it with <code>make demo</code> (or the UI target of the Makefile), then reload.</p>
<p>API: <a href="/health">/health</a>, <a href="/api/anomalies">/api/anomalies</a>,
<a href="/api/fingerprints">/api/fingerprints</a>, <a href="/openapi.json">/openapi.json</a>.</p>
</body></html>
"""


def _built_file(path: str, root: Path = STATIC_DIR) -> Path | None:
    """The file ``path`` names inside the build, or None (never a file outside it)."""
    if not path or not root.is_dir():
        return None
    candidate = (root / path).resolve()
    if not candidate.is_relative_to(root.resolve()) or not candidate.is_file():
        return None
    return candidate


def index(_: Request) -> Response:
    """The UI's page, or a page saying how to build it."""
    page = _built_file("index.html")
    return FileResponse(page) if page else HTMLResponse(NOT_BUILT)


def favicon(_: Request) -> Response:
    """The build's favicon, else Seismo's built-in one."""
    icon = _built_file("favicon.svg")
    return FileResponse(icon) if icon else Response(FAVICON, media_type="image/svg+xml")


def asset_or_page(request: Request) -> Response:
    """A file of the build, the UI page for an app route, else a JSON 404."""
    path = str(request.path_params["path"])
    found = _built_file(path)
    if found:
        return FileResponse(found)
    if "." not in path.rsplit("/", 1)[-1] and not path.startswith(("api/", "assets/")):
        return index(request)
    return JSONResponse({"error": f"not found: /{path[:200]}", "field": None}, status_code=404)
