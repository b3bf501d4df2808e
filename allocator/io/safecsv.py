"""Spreadsheet-safe CSV: no cell the product writes can run as a formula.

A spreadsheet treats a cell that starts with ``=``, ``+``, ``-`` or ``@`` (and, in some, a tab or
a carriage return) as a formula: an id such as ``=cmd|' /C calc'!A0`` in plan.csv would run when
a branch head opens the plan. Following OWASP's advice on CSV injection, every CSV the product
writes (plan, coverage and report tables, hires, scenario tables) puts a ``'`` before such a
text cell; a spreadsheet shows the cell as text, without the quote. Numbers stay numbers:
``-3.5`` and ``+1e5`` are written as they are.

The escape is undone when the product reads CSV (:func:`unescape_cell`), so a plan written by
``rmalloc allocate`` checks with ``rmalloc check`` and a written bank reads back equal. It is
unambiguous: a cell that already starts with ``'`` before such a character gets one more ``'``,
so text that truly starts with a quote survives the round trip too.
"""

from __future__ import annotations

import io
import os
import re
import secrets
from pathlib import Path

import numpy as np
import pandas as pd

#: first characters that make a spreadsheet cell a formula (OWASP)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: a plain decimal number: safe in a spreadsheet, and left as it is
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_NUMBER_PATTERN = _NUMBER.pattern


def needs_escape(text: str) -> bool:
    """Whether :func:`escape_cell` changes ``text``: after any leading quotes it starts with a
    formula character and is not a plain number."""
    body = text.lstrip("'")
    return bool(body) and body[0] in FORMULA_STARTS and _NUMBER.fullmatch(body) is None


def escape_cell(text: str) -> str:
    """``text`` as a spreadsheet-safe cell (``'=1+1`` for ``=1+1``; ``-3.5`` unchanged)."""
    return "'" + text if needs_escape(text) else text


def unescape_cell(text: str) -> str:
    """The inverse of :func:`escape_cell`: ``unescape_cell(escape_cell(s)) == s`` for every
    ``s``."""
    return text[1:] if text.startswith("'") and needs_escape(text[1:]) else text


def _flagged(text: pd.Series) -> np.ndarray:
    """Vectorised :func:`needs_escape` over a column of ``str``."""
    body = text.str.lstrip("'")
    starts = body.str[:1].isin(FORMULA_STARTS).to_numpy(dtype=bool)
    if not starts.any():
        return starts
    number = body.str.fullmatch(_NUMBER_PATTERN).fillna(False).to_numpy(dtype=bool)
    return starts & ~number


def escape_series(column: pd.Series) -> pd.Series:
    """A column with every text cell escaped (numbers, booleans and missing cells as they are)."""
    dtype = column.dtype
    if isinstance(dtype, np.dtype) and dtype.kind != "O":
        return column
    is_text = column.map(lambda v: isinstance(v, str)).to_numpy(dtype=bool)
    if not is_text.any():
        return column
    text = column[is_text].astype(str)
    flagged = _flagged(text)
    if not flagged.any():
        return column
    out = column.astype(object).copy()
    idx = text.index[flagged]
    out.loc[idx] = "'" + text[flagged]
    return out


def unescape_series(column: pd.Series) -> pd.Series:
    """A text column (``str``, no missing) with :func:`unescape_cell` applied to every cell."""
    quoted = column.str.startswith("'").to_numpy(dtype=bool)
    if not quoted.any():
        return column
    rest = column[quoted].str[1:]
    undo = _flagged(rest)
    if not undo.any():
        return column
    out = column.copy()
    out.loc[rest.index[undo]] = rest[undo]
    return out


def escape_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with its text cells escaped (a shallow copy; ``frame`` is not changed)."""
    out = frame.copy(deep=False)
    for position in range(out.shape[1]):
        out.isetitem(position, escape_series(out.iloc[:, position]).to_numpy())
    return out


def csv_text_safe(frame: pd.DataFrame) -> str:
    """``frame`` (without its index) as spreadsheet-safe CSV text: UTF-8, ``\\n`` line ends.

    The one function every CSV output of the product goes through (the HTTP API's downloads
    too), so no cell starting with ``= + - @``, tab or carriage return reaches a spreadsheet
    unescaped.
    """
    buf = io.StringIO()
    escape_frame(frame).to_csv(buf, index=False, lineterminator="\n")
    return buf.getvalue()


def write_csv_safe(frame: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """Write :func:`csv_text_safe` of ``frame`` to ``path`` atomically (a temporary file in the
    same folder, then a rename: a failure never leaves half a file); the folder is created."""
    target = Path(path)
    write_text_atomic(target, csv_text_safe(frame))
    return target


def write_text_atomic(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8) via a temporary file and a rename; the folder is created. The
    file gets the permissions of any new file (the umask's), not a temporary file's 0600."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    try:
        with tmp.open("x", encoding="utf-8", newline="") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
