"""Reading and writing the tables of data contract v1 (CSV, Parquet, Excel).

Reading keeps every cell as text: validation must be able to quote a bad value exactly as the user
typed it, so nothing is parsed here (no numbers, no booleans, no ``NA`` guessing). Writing is the
inverse: an :class:`~allocator.instance.Instance` written by :func:`write_instance` reads back
through :func:`allocator.validation.load_instance` to an equal instance.
"""

from __future__ import annotations

import csv
import math
import os
import zipfile
from collections import Counter
from collections.abc import Hashable, Sequence
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from allocator.contract import (
    BRANCH_REQUIRED,
    CUSTOMER_OPTIONAL,
    CUSTOMER_REQUIRED,
    CUSTOMER_V1_1_ABSENT,
    RM_OPTIONAL,
    RM_REQUIRED,
    RM_V1_1_ABSENT,
)
from allocator.errors import InputError, InputIssue
from allocator.instance import Instance

Source = str | os.PathLike[str] | pd.DataFrame
"""What the readers accept: a path to a CSV/Parquet/Excel file, or a frame already in memory."""

TableFormat = Literal["csv", "parquet", "xlsx"]

CSV_SUFFIXES = (".csv",)
PARQUET_SUFFIXES = (".parquet", ".pq")
EXCEL_SUFFIXES = (".xlsx", ".xls")

BOOL_COLUMNS = ("locked", "active")
"""Contract columns written as ``true``/``false``."""

#: Arrow string columns become pandas' default ``str`` dtype.
_STR_TYPES = {
    pa.string(): pd.StringDtype(na_value=np.nan),
    pa.large_string(): pd.StringDtype(na_value=np.nan),
}

# Errors a reader raises for a file that is missing, unreadable or not of its claimed format. Kept
# explicit (not ``Exception``) so that a bug in this module is not reported as a bad input file.
_READ_ERRORS: tuple[type[BaseException], ...] = (
    OSError,
    csv.Error,
    ValueError,  # includes UnicodeDecodeError, pandas ParserError/EmptyDataError, ArrowInvalid
    ImportError,  # a reader's optional engine (xlrd for .xls) is not installed
    KeyError,
    zipfile.BadZipFile,
)


# -- text conversion ---------------------------------------------------------------------------
def cell_text(value: object) -> str:
    """One cell as contract text: ``""`` for missing, ``true``/``false`` for booleans, integral
    numbers without ``.0`` (an id typed as 17 in Excel is the string ``"17"``, not ``"17.0"``)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return ""
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    if isinstance(value, (float, np.floating)):
        number = float(value)
        if math.isnan(number):
            return ""
        if number.is_integer() and abs(number) < 2.0**53:  # exact as an int
            return str(int(number))
        return repr(number)
    return str(value)


def _float_text(series: pd.Series) -> pd.Series:
    """Vectorised :func:`cell_text` for a float64 column.

    Arrow formats the shortest text that parses back to the same float (exact round trip) and
    integral values without ``.0``; it is ~10x faster than pandas' per-cell ``str``.
    """
    numbers = pa.array(series.to_numpy(dtype=np.float64), from_pandas=True)  # NaN -> null
    text = pc.fill_null(pc.cast(numbers, pa.string()), "")
    return pd.Series(text.to_pandas(types_mapper=_STR_TYPES.get), index=series.index)


def to_text(series: pd.Series) -> pd.Series:
    """A column as contract text (pandas ``str`` dtype, ``""`` for missing), whatever its dtype.

    Vectorised for the common dtypes; only mixed ``object`` columns (Excel sheets, hand-built
    frames) fall back to a per-cell conversion.
    """
    dtype = series.dtype
    if isinstance(dtype, pd.StringDtype):
        return series.fillna("").astype("str")
    if pd.api.types.is_bool_dtype(dtype) and not isinstance(
        dtype, pd.api.extensions.ExtensionDtype
    ):
        return pd.Series(np.where(series.to_numpy(), "true", "false"), index=series.index).astype(
            "str"
        )
    if pd.api.types.is_integer_dtype(dtype) and isinstance(dtype, np.dtype):
        return series.astype("str")
    if pd.api.types.is_float_dtype(dtype) and isinstance(dtype, np.dtype):
        return _float_text(series.astype(np.float64))
    if dtype.kind == "O" and pd.api.types.infer_dtype(series, skipna=True) in ("string", "empty"):
        return series.fillna("").astype("str")
    return series.astype(object).map(cell_text).astype("str")


def frame_to_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Every column of ``frame`` as text, column names as ``str``."""
    return pd.DataFrame(
        {str(name): to_text(frame[name]) for name in frame.columns}, index=frame.index
    )


# -- reading -----------------------------------------------------------------------------------
def _issue(name: str, message: str, column: str | None = None) -> InputIssue:
    return InputIssue(file=name, row=None, column=column, value=None, message=message)


def _duplicate_header_issues(name: str, header: Sequence[Hashable]) -> list[InputIssue]:
    """Issues for column names that appear twice: pandas would silently rename the second one
    (``aum.1``), and which of the two the user meant cannot be guessed."""
    counts = Counter(str(h).strip() for h in header if str(h).strip())
    return [
        _issue(name, f"column appears {n} times in the header", column=col)
        for col, n in counts.items()
        if n > 1
    ]


def _csv_header(path: Path, name: str) -> list[str]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        header = next(csv.reader(handle), None)
    if not header:
        raise InputError([_issue(name, "the file is empty: a header row is required")])
    if issues := _duplicate_header_issues(name, header):
        raise InputError(issues)
    return header


def _ragged_row_issues(path: Path, name: str, width: int) -> list[InputIssue]:
    """Rows whose field count differs from the header's, found by a second, slow pass that only
    a broken file pays for (the fast reader does not know row numbers)."""
    issues = []
    with path.open(encoding="utf-8-sig", newline="") as handle:
        for row, record in enumerate(csv.reader(handle), start=1):
            if record and len(record) != width:
                message = f"has {len(record)} fields but the header has {width}"
                issues.append(InputIssue(name, row, None, None, message))
    return issues or [_issue(name, "cannot parse as CSV: rows of uneven length")]


def _read_csv(path: Path, name: str) -> pd.DataFrame:
    """Read a CSV with pyarrow (multithreaded, several times faster than pandas' parser on 10^6
    rows), every column as a non-null string, empty lines kept as rows of ``""`` so that row
    numbers match the file's record numbers."""
    header = _csv_header(path, name)
    ragged: list[object] = []

    def on_invalid_row(row: object) -> str:
        ragged.append(row)
        return "skip"

    parse = pa_csv.ParseOptions(
        newlines_in_values=True, ignore_empty_lines=False, invalid_row_handler=on_invalid_row
    )
    convert = pa_csv.ConvertOptions(
        column_types={column: pa.string() for column in header},
        strings_can_be_null=False,
        quoted_strings_can_be_null=False,
    )
    try:
        table = pa_csv.read_csv(path, parse_options=parse, convert_options=convert)
    except pa.ArrowInvalid as exc:
        # Arrow's message may quote a row of the file: keep customer data out of the message.
        reason = "not UTF-8 text" if "UTF8" in str(exc) else "cannot parse as CSV"
        raise InputError([_issue(name, reason)]) from exc
    if ragged:
        raise InputError(_ragged_row_issues(path, name, len(header)))
    return table.to_pandas(types_mapper=_STR_TYPES.get)


def _read_parquet(path: Path, name: str) -> pd.DataFrame:
    return frame_to_text(pd.read_parquet(path))


def _read_excel(path: Path, name: str) -> pd.DataFrame:
    header = pd.read_excel(path, sheet_name=0, header=None, nrows=1, dtype=object)
    if issues := _duplicate_header_issues(name, header.iloc[0].tolist() if len(header) else []):
        raise InputError(issues)
    frame = pd.read_excel(path, sheet_name=0, dtype=object, keep_default_na=False, na_values=[])
    return frame_to_text(frame)


def read_table(source: Source, *, name: str) -> pd.DataFrame:
    """Read one input table with every cell as text.

    Parameters
    ----------
    source
        A path whose suffix says the format -- ``.csv`` (UTF-8, a byte-order mark is accepted),
        ``.parquet``/``.pq`` or ``.xlsx``/``.xls`` (first sheet) -- or a DataFrame, returned as
        is (a shallow copy): validation converts the contract columns of a frame to text itself,
        and the frame's other columns are kept unchanged.
    name
        The label of the table in error messages (usually the file name).

    Returns
    -------
    pandas.DataFrame
        One row per data row of the file, in file order (blank lines included, as rows of ``""``,
        so that row ``i`` is spreadsheet row ``i + 2``), every column of dtype ``str`` with
        ``""`` for an empty cell.

    Raises
    ------
    allocator.errors.InputError
        With one issue naming ``name`` when the file is missing, unreadable, not of the format its
        suffix claims, empty, or has a column name twice in its header.
    """
    if isinstance(source, pd.DataFrame):
        return source.copy(deep=False)
    path = Path(source)
    suffix = path.suffix.lower()
    if suffix in CSV_SUFFIXES:
        reader = _read_csv
    elif suffix in PARQUET_SUFFIXES:
        reader = _read_parquet
    elif suffix in EXCEL_SUFFIXES:
        reader = _read_excel
    else:
        known = ", ".join((*CSV_SUFFIXES, *PARQUET_SUFFIXES, *EXCEL_SUFFIXES))
        raise InputError([_issue(name, f"unknown file type {suffix or '(none)'!r}: use {known}")])
    if not path.is_file():
        raise InputError([_issue(name, "file not found")])
    try:
        return reader(path, name)
    except pd.errors.EmptyDataError as exc:
        raise InputError([_issue(name, "the file is empty: a header row is required")]) from exc
    except UnicodeDecodeError as exc:
        raise InputError(
            [_issue(name, f"not UTF-8 text: {exc.reason} at byte {exc.start}")]
        ) from exc
    except _READ_ERRORS as exc:
        message = f"cannot read as {suffix.lstrip('.')}: {type(exc).__name__}: {exc}"
        raise InputError([_issue(name, message)]) from exc


# -- writing -----------------------------------------------------------------------------------
def _suffix_format(path: Path) -> TableFormat:
    suffix = path.suffix.lower()
    if suffix in CSV_SUFFIXES:
        return "csv"
    if suffix in PARQUET_SUFFIXES:
        return "parquet"
    if suffix == ".xlsx":
        return "xlsx"
    raise ValueError(f"cannot write {path.name!r}: the suffix must be .csv, .parquet, .pq or .xlsx")


def _csv_ready(df: pd.DataFrame) -> pd.DataFrame:
    """Float columns as contract text, so a CSV shows ``2000000`` rather than ``2000000.0``."""
    out = df.copy(deep=False)
    for name in out.columns:
        if pd.api.types.is_float_dtype(out[name].dtype) and isinstance(out[name].dtype, np.dtype):
            out[name] = _float_text(out[name])
    return out


def write_table(df: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """Write ``df`` (without its index) to ``path`` in the format its suffix names.

    CSV is UTF-8 without a byte-order mark; integral floats are written without ``.0`` and NaN
    as an empty cell. Parquet and Excel keep the column dtypes.

    Returns
    -------
    pathlib.Path
        The path written.

    Raises
    ------
    ValueError
        When the suffix is not ``.csv``, ``.parquet``, ``.pq`` or ``.xlsx``.
    """
    target = Path(path)
    fmt = _suffix_format(target)
    if fmt == "csv":
        _csv_ready(df).to_csv(target, index=False, encoding="utf-8", lineterminator="\n")
    elif fmt == "parquet":
        df.to_parquet(target, index=False)
    else:
        df.to_excel(target, index=False)
    return target


def _contract_order(df: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """Contract columns first, in contract order, then the extra columns in their own order."""
    extras = [c for c in df.columns if c not in columns]
    return df[[*[c for c in columns if c in df.columns], *extras]]


def _booleans_as_text(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy(deep=False)
    for name in BOOL_COLUMNS:
        if name in out.columns and pd.api.types.is_bool_dtype(out[name].dtype):
            out[name] = np.where(out[name].to_numpy(dtype=bool), "true", "false")
    return out


def write_instance(
    instance: Instance, out_dir: str | os.PathLike[str], fmt: TableFormat = "csv"
) -> dict[str, Path]:
    """Write an instance as contract v1 tables: ``customers``, ``rms`` and ``branches``.

    ``branches`` is written even when the instance derived it (every branch a root outlet), so
    the written bank is complete; reading it back gives ``branches_given=True``. Booleans are
    written as ``true``/``false``, certifications as the ``;``-joined string they already are,
    a capacity of NaN as an empty cell; extra columns are kept.

    Parameters
    ----------
    instance
        A normalised instance (from :func:`allocator.validation.load_instance`).
    out_dir
        The directory to write into (created if missing).
    fmt
        ``csv``, ``parquet`` or ``xlsx``.

    Returns
    -------
    dict of str to pathlib.Path
        The path written for each table.
    """
    if fmt not in ("csv", "parquet", "xlsx"):
        raise ValueError(f"unknown format {fmt!r}: use csv, parquet or xlsx")
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    tables = {
        "customers": (instance.customers, (*CUSTOMER_REQUIRED, *CUSTOMER_OPTIONAL)),
        "rms": (instance.rms, (*RM_REQUIRED, *RM_OPTIONAL)),
        "branches": (instance.branches, BRANCH_REQUIRED),
    }
    for key, defaults in (("customers", CUSTOMER_V1_1_ABSENT), ("rms", RM_V1_1_ABSENT)):
        frame, columns = tables[key]
        absent = [
            c for c, value in defaults.items() if c in frame.columns and (frame[c] == value).all()
        ]
        if key == "rms" and "co_cover_capacity" in frame.columns:
            absent += ["co_cover_capacity"] if frame["co_cover_capacity"].isna().all() else []
        tables[key] = (frame.drop(columns=absent), tuple(c for c in columns if c not in absent))
    written: dict[str, Path] = {}
    for key, (frame, columns) in tables.items():
        ready = _booleans_as_text(_contract_order(frame, columns))
        written[key] = write_table(ready, folder / f"{key}.{fmt}")
    return written
