"""The table under validation, and the generic column checks, one rule each.

Every check works on whole columns (pyarrow/pandas/numpy) and records an
:class:`~allocator.errors.InputIssue` per bad cell, naming file, spreadsheet row, column and
value; Python loops run only over the rows already found bad.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from allocator.errors import InputError, InputIssue
from allocator.io import CsvOptions, ReadLimits, Source, cell_text, read_table, to_text

TRUE_TOKENS = ("true", "1", "yes", "y", "t")
FALSE_TOKENS = ("false", "0", "no", "n", "f")
#: the largest count accepted (months_below: a century of months)
MAX_COUNT = 1200
#: How many other rows a duplicate-id message names before it says "and N more".
ROWS_NAMED = 10

Message = str | Callable[[np.ndarray], Iterable[str]]
"""An issue message: one text for every flagged row, or a function of the flagged positions."""


# -- the table under validation ----------------------------------------------------------------
class Table:
    """One input table during validation: its label, its frame, and the issues found so far.

    Parameters
    ----------
    name
        The label used in issues (the file name, or ``customers``/``rms``/``branches``).
    frame
        The table as read (text cells from a file; any dtypes from a DataFrame), or ``None`` when
        it could not be read (its issues are then in ``issues`` already).
    columns
        The contract columns of this table, matched after stripping header whitespace.
    max_issues
        The most issues one rule records (:attr:`omitted` counts the rest).
    """

    def __init__(
        self,
        name: str,
        frame: pd.DataFrame | None,
        columns: Sequence[str],
        issues: list[InputIssue],
        max_issues: int = ReadLimits().max_issues,
    ) -> None:
        self.name = name
        self.issues = issues
        self.max_issues = max_issues
        #: issues found but not recorded (beyond ``max_issues`` for one rule)
        self.omitted = 0
        self.readable = frame is not None
        self._text: dict[str, pd.Series] = {}
        if frame is None:
            frame = pd.DataFrame()
        frame = strip_header(frame, columns)
        self._check_duplicate_columns(frame, columns)
        frame = frame.loc[:, ~frame.columns.duplicated()]
        rows = np.arange(len(frame), dtype=np.int64) + 2  # header is spreadsheet row 1
        blank = blank_rows(frame)
        #: spreadsheet rows skipped because every cell was empty (validation reports them)
        self.skipped = rows[blank]
        if blank.any():
            frame, rows = frame.loc[~blank], rows[~blank]
        self.frame = frame.reset_index(drop=True)
        self.rows = rows

    def __len__(self) -> int:
        return len(self.frame)

    def _check_duplicate_columns(self, frame: pd.DataFrame, columns: Sequence[str]) -> None:
        counts = pd.Series(frame.columns).value_counts()
        for column in columns:
            if counts.get(column, 0) > 1:
                message = f"column appears {counts[column]} times in the header"
                self.issues.append(InputIssue(self.name, None, column, None, message))

    def has(self, column: str) -> bool:
        """Whether the table was read and has ``column``."""
        return self.readable and column in self.frame.columns

    def text(self, column: str) -> pd.Series:
        """``column`` as stripped text (``""`` for empty); all ``""`` when the column is absent."""
        if column not in self._text:
            if self.has(column):
                self._text[column] = to_text(self.frame[column]).str.strip()
            else:
                self._text[column] = pd.Series("", index=self.frame.index, dtype="str")
        return self._text[column]

    def numeric(self, column: str) -> np.ndarray | None:
        """``column`` as float64 when it already has a numeric dtype (a DataFrame input), so that
        a frame of numbers is not formatted to text and parsed back."""
        dtype = self.frame[column].dtype
        if isinstance(dtype, np.dtype) and dtype.kind in "iuf":
            return self.frame[column].to_numpy(dtype=np.float64)
        return None

    def empty(self, column: str) -> np.ndarray:
        """Where ``column`` has no value (numeric columns are tested for NaN, not formatted)."""
        values = self.numeric(column)
        if values is not None:
            return np.isnan(values)
        return (self.text(column) == "").to_numpy()

    def flag(self, mask: pd.Series | np.ndarray, column: str | None, message: Message) -> None:
        """Record one issue for every row where ``mask`` holds, quoting the cell as read.

        A cell with no text at all is quoted as ``None`` (the issue's convention for a missing
        value); a cell of blanks is quoted as is, so the user sees why it counts as empty.
        """
        positions = np.flatnonzero(np.asarray(mask, dtype=bool))
        if positions.size == 0:
            return
        if positions.size > self.max_issues:  # count the rest: a million issues cost gigabytes
            self.omitted += int(positions.size - self.max_issues)
            positions = positions[: self.max_issues]
        if column is not None and self.has(column):
            values = [cell_text(v) or None for v in self.frame[column].iloc[positions]]
        else:
            values = [None] * positions.size
        texts = [message] * positions.size if isinstance(message, str) else message(positions)
        for row, value, text in zip(self.rows[positions], values, texts, strict=True):
            self.issues.append(InputIssue(self.name, int(row), column, value, text))

    def whole_file(self, column: str | None, message: str) -> None:
        """Record an issue about the whole file (no row)."""
        self.issues.append(InputIssue(self.name, None, column, None, message))


def strip_header(frame: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """Rename ``" aum "`` to ``aum``; other headers are left exactly as given."""
    renames = {
        c: c.strip()
        for c in frame.columns
        if isinstance(c, str) and c != c.strip() and c.strip() in columns
    }
    return frame.rename(columns=renames) if renames else frame


def blank_rows(frame: pd.DataFrame) -> np.ndarray:
    """Rows whose every cell is empty (missing, or only whitespace)."""
    blank = np.ones(len(frame), dtype=bool)
    for position in range(frame.shape[1]):
        column = frame.iloc[:, position]
        dtype = column.dtype
        if isinstance(dtype, np.dtype) and dtype.kind in "biufmM":
            blank &= column.isna().to_numpy()
        else:
            blank &= (to_text(column).str.strip() == "").to_numpy()
        if not blank.any():
            break
    return blank


def open_table(
    source: Source | None,
    default_name: str,
    columns: Sequence[str],
    limits: ReadLimits | None = None,
    csv_options: CsvOptions | None = None,
) -> Table | None:
    """Read one table; a read failure becomes the table's issues instead of an exception."""
    if source is None:
        return None
    name = default_name if isinstance(source, pd.DataFrame) else Path(source).name
    cap = (limits or ReadLimits()).max_issues
    try:
        frame = read_table(source, name=name, limits=limits, csv_options=csv_options)
    except InputError as exc:
        return Table(name, None, columns, list(exc.issues), cap)
    return Table(name, frame, columns, [], cap)


# -- column primitives (pyarrow: several times faster than pandas on 10^6 strings) ------------
def _arrow(text: pd.Series) -> pa.Array:
    array = pa.array(text, type=pa.string())
    return array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array


def isin(text: pd.Series, values: Iterable[str] | pd.Series) -> np.ndarray:
    """Whether each cell of ``text`` is one of ``values`` (a bool array)."""
    value_set = pa.array(list(values) if not isinstance(values, pd.Series) else values, pa.string())
    found = pc.is_in(_arrow(text), value_set=value_set)
    return np.asarray(found.to_numpy(zero_copy_only=False), dtype=bool)


def duplicated(text: pd.Series) -> np.ndarray:
    """Whether each cell's value occurs more than once (every occurrence is marked)."""
    codes = pc.dictionary_encode(_arrow(text)).indices.to_numpy(zero_copy_only=False)
    return np.asarray(np.bincount(codes, minlength=1)[codes] > 1, dtype=bool)


# -- generic checks, one rule each -------------------------------------------------------------
def check_required_columns(table: Table, required: Sequence[str]) -> None:
    """Every required column must be in the header."""
    if not table.readable:
        return
    for column in required:
        if column not in table.frame.columns:
            table.whole_file(column, "required column is missing")


def check_not_empty(table: Table, columns: Sequence[str]) -> None:
    """Required values must be given on every row."""
    for column in columns:
        if table.has(column):
            table.flag(table.empty(column), column, "empty: a value is required")


def rows_list(rows: Sequence[int]) -> str:
    shown = ", ".join(str(r) for r in rows[:ROWS_NAMED])
    more = len(rows) - ROWS_NAMED
    return shown + (f" and {more} more" if more > 0 else "")


def check_unique(table: Table, column: str) -> None:
    """An id names one row only: every row of a duplicated id is flagged, naming the others."""
    if not table.has(column):
        return
    ids = table.text(column)
    repeated = duplicated(ids) & (ids != "").to_numpy()
    if not repeated.any():
        return
    positions = np.flatnonzero(repeated)
    rows_of: dict[str, list[int]] = {}
    for value, row in zip(ids.iloc[positions], table.rows[positions], strict=True):
        rows_of.setdefault(value, []).append(int(row))

    def message(flagged: np.ndarray) -> Iterable[str]:
        for value, row in zip(ids.iloc[flagged], table.rows[flagged], strict=True):
            others = [r for r in rows_of[value] if r != row]
            yield f"duplicate {column}: also on row(s) {rows_list(others)}"

    table.flag(repeated, column, message)


def check_enum(table: Table, column: str, allowed: Sequence[str]) -> pd.Series:
    """A value of a closed list; matched case-insensitively, returned in the list's spelling.

    Returns
    -------
    pandas.Series
        The canonical value, ``""`` where the cell is empty, unknown or the column absent.
    """
    text = table.text(column)
    if not table.has(column):
        return text
    canonical = {a.lower(): a for a in allowed}
    lower = text.str.lower()
    known = isin(lower, canonical)
    table.flag(~known & (text != ""), column, f"unknown {column}: use one of {', '.join(allowed)}")
    out = lower.where(known, "")
    for low, spelling in canonical.items():
        if low != spelling:
            out = out.where(lower != low, spelling)
    return out.astype("str")


def parse_floats(text: pd.Series) -> np.ndarray:
    """Stripped text to float64, NaN where empty or not a number.

    Arrow's cast parses 10^6 cells in milliseconds but fails as a whole on one bad cell; only
    then does the (30x slower) per-cell pandas parse run, to find which cells are bad.
    """
    array = pa.array(text, type=pa.string())
    array = pc.if_else(pc.equal(array, ""), pa.scalar(None, pa.string()), array)
    try:
        numbers = pc.cast(array, pa.float64())
    except pa.ArrowInvalid:
        return pd.to_numeric(text, errors="coerce").to_numpy(dtype=np.float64)
    return numbers.to_numpy(zero_copy_only=False).astype(np.float64, copy=False)


def check_number(table: Table, column: str, *, positive: bool, maximum: float) -> pd.Series:
    """A finite number, ``>= 0`` (or ``> 0`` when ``positive``) and at most ``maximum``; NaN
    where empty or absent.

    Non-numbers, NaN and infinities are errors: a bank's figures are always finite, and a NaN
    read from ``"nan"`` would silently drop a customer from every threshold. The maximum
    (:mod:`allocator.bounds`) keeps compile's integer arithmetic exact.
    """
    if not table.has(column):
        return pd.Series(np.nan, index=table.frame.index, dtype=np.float64)
    values = table.numeric(column)
    if values is None:
        text = table.text(column)
        given = (text != "").to_numpy()
        values = parse_floats(text)
        table.flag(given & np.isnan(values), column, "not a number")
    table.flag(np.isinf(values), column, "not a finite number")
    if positive:
        table.flag(values <= 0, column, "must be a number > 0")
    else:
        table.flag(values < 0, column, "must be a number >= 0 (negative)")
    too_big = np.isfinite(values) & (values > maximum)
    table.flag(too_big, column, f"must be at most {maximum:,.0f} (the largest {column} accepted)")
    return pd.Series(values + 0.0, index=table.frame.index, dtype=np.float64)  # -0.0 -> 0.0


def check_count(table: Table, column: str) -> pd.Series:
    """A whole number >= 0 (a count of months, say); 0 where empty or absent."""
    if not table.has(column):
        return pd.Series(0, index=table.frame.index, dtype=np.int64)
    values = check_number(table, column, positive=False, maximum=float(MAX_COUNT)).to_numpy()
    finite = np.isfinite(values)
    table.flag(finite & (values != np.floor(values)), column, "must be a whole number")
    clean = np.where(finite & (values >= 0) & (values <= MAX_COUNT), values, 0.0)
    return pd.Series(np.floor(clean).astype(np.int64), index=table.frame.index)


def check_bool(table: Table, column: str, *, default: bool) -> pd.Series:
    """A yes/no cell: true/false, 1/0, yes/no, y/n, t/f in any case, or empty for ``default``."""
    if not table.has(column):
        return pd.Series(default, index=table.frame.index, dtype=bool)
    raw = table.frame[column]
    if isinstance(raw.dtype, np.dtype) and raw.dtype.kind == "b":
        return raw.astype(bool)
    lower = table.text(column).str.lower()
    true, false = isin(lower, TRUE_TOKENS), isin(lower, FALSE_TOKENS)
    empty = (lower == "").to_numpy()
    message = "not a boolean: use true/false, 1/0, yes/no, y/n or t/f (empty means " + (
        f"{str(default).lower()})"
    )
    table.flag(~(true | false | empty), column, message)
    return pd.Series(true | (empty & default), index=table.frame.index, dtype=bool)


def check_reference(
    table: Table, column: str, known: pd.Series | None, *, target: str, optional: bool
) -> None:
    """Each non-empty value must be one of ``known`` (skipped when ``known`` is unavailable,
    e.g. the referenced file could not be read: that file's own issue says so)."""
    if known is None or not table.has(column):
        return
    values = table.text(column)
    unknown = (values != "").to_numpy() & ~isin(values, known)
    what = "a known one or empty" if optional else "a known one"
    table.flag(unknown, column, f"unknown {column}: not in {target} (must be {what})")


def known_ids(table: Table | None, column: str) -> pd.Series | None:
    """The non-empty ids of a table, or ``None`` when they are not available."""
    if table is None or not table.has(column):
        return None
    ids = table.text(column)
    return ids[ids != ""].drop_duplicates()


def assemble(table: Table, columns: dict[str, pd.Series]) -> pd.DataFrame:
    """The normalised contract columns, then the table's other columns unchanged."""
    out = pd.DataFrame(columns, index=table.frame.index)
    extras = [c for c in table.frame.columns if c not in columns]
    if extras:
        out = pd.concat([out, table.frame[extras]], axis=1)
    return out
