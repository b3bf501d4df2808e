"""The web page for branch heads and HR planners: ``GET /`` and ``GET /ui``.

The page is static (``api/static/``: plain HTML, CSS and JavaScript, no build step, nothing
fetched from elsewhere; two small libraries are vendored under ``static/vendor``, pinned, with
their licences: Grid.js for tables with paging and sorting, Chart.js for charts) and needs no
key; it calls the ``/v1`` API with the key the user types, which the browser keeps in
``sessionStorage``. Only the files named in :data:`ASSETS` are served
(no path from the request reaches the file system), and none of these routes is in the OpenAPI
schema.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse

from api.errors import NotFound

STATIC = Path(__file__).resolve().parent.parent / "static"

#: file name -> media type: everything the page (and /docs) loads besides itself. Only these
#: are served; vendored libraries are pinned copies, each with its licence beside it.
ASSETS = {
    "app.js": "text/javascript; charset=utf-8",
    "datasets.js": "text/javascript; charset=utf-8",
    "jobs.js": "text/javascript; charset=utf-8",
    "plan.js": "text/javascript; charset=utf-8",
    "explain.js": "text/javascript; charset=utf-8",
    "key.js": "text/javascript; charset=utf-8",
    "hr.js": "text/javascript; charset=utf-8",
    "review.js": "text/javascript; charset=utf-8",
    "views.js": "text/javascript; charset=utf-8",
    "app.css": "text/css; charset=utf-8",
    "vendor/gridjs/gridjs.umd.js": "text/javascript; charset=utf-8",
    "vendor/gridjs/mermaid.min.css": "text/css; charset=utf-8",
    "vendor/chartjs/chart.umd.min.js": "text/javascript; charset=utf-8",
    "favicon.svg": "image/svg+xml",
    "vendor/swagger-ui/swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "vendor/swagger-ui/swagger-ui.css": "text/css; charset=utf-8",
}

#: The page loads nothing but its own files and talks to nothing but this service; it is not
#: framed, sends no referrer, and a browser keeps no stale copy after an upgrade.
HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
        "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ),
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-cache",
}

router = APIRouter(tags=["ui"], include_in_schema=False)


@router.get("/", summary="The web page")
@router.get("/ui", summary="The web page")
def page() -> FileResponse:
    return FileResponse(
        STATIC / "index.html", media_type="text/html; charset=utf-8", headers=HEADERS
    )


@router.get("/ui/{name:path}", summary="A file of the web page")
def asset(name: str) -> FileResponse:
    media_type = ASSETS.get(name)
    if media_type is None:
        raise NotFound(f"no file {name!r} in the web page")
    return FileResponse(STATIC / name, media_type=media_type, headers=HEADERS)
