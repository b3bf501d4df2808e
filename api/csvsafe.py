"""Spreadsheet-safe CSV: a cell that a spreadsheet would run as a formula is written as text.

Ids come from the bank's files; one like ``=cmd|' /C calc'!A0`` in a plan.csv opened in a
spreadsheet is a formula injection against whoever opens it. A text cell starting with ``=``,
``+``, ``-``, ``@`` (or a tab or carriage return, which some spreadsheets skip before those) gets
a leading ``'``, which spreadsheets show as nothing and read as "this is text" (OWASP's advice
for CSV injection). Numbers are left alone: ``-5`` in a numeric column is a number.

A small local helper: the library's own writers (``allocator.io``) get the same guard from the
input-guards work; the service's CSV answers use this one until then.
"""

from __future__ import annotations

import io

import pandas as pd

_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    """``value`` with a leading ``'`` when it is text a spreadsheet would run."""
    if isinstance(value, str) and value.startswith(_TRIGGERS):
        return "'" + value
    return value


def to_safe_csv(frame: pd.DataFrame) -> str:
    """``frame`` as CSV text, every text cell spreadsheet-safe (header names too)."""
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(safe_cell)
    out.columns = [str(safe_cell(str(c))) for c in out.columns]
    buf = io.StringIO()
    out.to_csv(buf, index=False)
    return buf.getvalue()
