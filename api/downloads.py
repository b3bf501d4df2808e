"""CSV downloads: a table as a spreadsheet-safe attachment, and how the OpenAPI document says so.

A plan, its coverage roles and the export of its moves all answer ``text/csv``. Writing the
answer once keeps every download alike -- UTF-8, a ``Content-Disposition`` naming the file, the
leading quote that stops a spreadsheet from running a cell as a formula -- and writing its
documentation once keeps ``/docs`` saying so the same way for each.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from fastapi.responses import PlainTextResponse

from allocator.io import csv_text_safe
from api.routers import problems

#: the media type of every CSV answer
CSV_MEDIA_TYPE = "text/csv; charset=utf-8"


def csv_attachment(table: pd.DataFrame, filename: str) -> PlainTextResponse:
    """``table`` as a CSV file the browser saves as ``filename``.

    Parameters
    ----------
    table
        The rows to send; text cells that a spreadsheet would run as a formula get a leading
        quote (:func:`allocator.io.csv_text_safe`).
    filename
        The name the browser offers to save it under.
    """
    return PlainTextResponse(
        csv_text_safe(table),
        media_type=CSV_MEDIA_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def csv_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` of a route that may answer CSV: problems with these status codes,
    and a 200 that may be ``text/csv``."""
    return {**problems(*codes), 200: {"content": {"text/csv": {"schema": {"type": "string"}}}}}
