"""Spreadsheet-safe CSV for the workforce outputs (hires, grades, checks, required RMs).

A spreadsheet runs a cell that starts with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage
return) as a formula, so an id like ``=HYPERLINK(...)`` in hires.csv would act when HR opens the
file. Following OWASP's advice on CSV injection, such a text cell is written with a leading
``'`` (shown as text, without the quote); plain numbers (``-3.5``) stay as they are.

A local helper: ``allocator.io`` has none on this branch. When it gains one, this module should
become a re-export of it.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pandas as pd

#: first characters that make a spreadsheet cell a formula (OWASP)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


def escape_cell(value: object) -> object:
    """``value`` as a spreadsheet-safe cell: text starting with a formula character (and not a
    plain number) gets a leading ``'``; anything else is returned unchanged."""
    if not isinstance(value, str):
        return value
    body = value.lstrip("'")
    if body and body[0] in FORMULA_STARTS and _NUMBER.fullmatch(body) is None:
        return "'" + value
    return value


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells are escaped (:func:`escape_cell`)."""
    out = frame.copy()
    for name in out.columns:
        dtype = out[name].dtype
        if not (pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype)):
            out[name] = out[name].map(escape_cell)
    return out


def write_csv_safe(frame: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """Write ``frame`` (no index, UTF-8) as a spreadsheet-safe CSV, creating its folder."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    safe_frame(frame).to_csv(target, index=False, encoding="utf-8", lineterminator="\n")
    return target
