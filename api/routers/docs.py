"""``GET /docs``: the interactive API docs, from assets served by this service.

FastAPI's default docs page loads Swagger UI from a CDN, so on a bank's network without internet
``/docs`` is blank. The assets are vendored instead (``api/static/vendor/swagger-ui``: a pinned
copy of the npm package ``swagger-ui-dist`` with its licence; FastAPI and the installed packages
ship none) and served by :mod:`api.routers.ui`.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse

router = APIRouter(include_in_schema=False)


@router.get("/docs")
def docs() -> HTMLResponse:
    return get_swagger_ui_html(
        openapi_url="/openapi.json",
        title="rm-allocator API",
        swagger_js_url="/ui/vendor/swagger-ui/swagger-ui-bundle.js",
        swagger_css_url="/ui/vendor/swagger-ui/swagger-ui.css",
        swagger_favicon_url="/ui/favicon.svg",
    )
