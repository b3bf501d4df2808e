"""The HR screen: ``GET /hr``, a page apart from the main one (linked from it).

Like the main page it is static (``api/static/hr.html`` and ``hr.js``: no build step, nothing
fetched from elsewhere), served with the same headers, and calls the ``/v1`` API with the key
the main page keeps in ``sessionStorage``. It runs a workforce plan (``/v1/headcount``) and a
sweep (``/v1/sweeps``), and shows the charts and the hires table.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import FileResponse

from api.errors import NotFound
from api.routers.ui import HEADERS, STATIC

#: file name -> media type: what the HR page loads besides itself
ASSETS = {"hr.js": "text/javascript; charset=utf-8"}

router = APIRouter(tags=["ui"], include_in_schema=False)


@router.get("/hr", summary="The HR screen")
def page() -> FileResponse:
    return FileResponse(STATIC / "hr.html", media_type="text/html; charset=utf-8", headers=HEADERS)


@router.get("/hr/{name}", summary="A file of the HR screen")
def asset(name: str) -> FileResponse:
    media_type = ASSETS.get(name)
    if media_type is None:
        raise NotFound(f"no file {name!r} in the HR screen")
    return FileResponse(STATIC / name, media_type=media_type, headers=HEADERS)
