"""Reading one input table (CSV, Parquet, Excel) as text, within :class:`ReadLimits`.

Each format is measured before it is parsed, as far as the format allows: the file's size on
disk; an Excel file's zip directory (entries, the size they inflate to and how much they are
compressed) before openpyxl inflates anything; a Parquet file's footer (rows, columns, decoded
size) before any column is read; a CSV file's header width. Rows and cell lengths are checked on
what was read. A file beyond a limit is one :class:`~allocator.errors.InputError` saying which
limit and how to raise it.
"""

from __future__ import annotations

import csv
import os
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from allocator.errors import InputError, InputIssue
from allocator.io.csvread import duplicate_header_issues, file_issue, read_csv
from allocator.io.limits import CsvOptions, ReadLimits, how_to_raise
from allocator.io.text import cell_text, frame_to_text

Source = str | os.PathLike[str] | pd.DataFrame
"""What the readers accept: a path to a CSV/Parquet/Excel file, or a frame already in memory."""

CSV_SUFFIXES = (".csv",)
PARQUET_SUFFIXES = (".parquet", ".pq")
EXCEL_SUFFIXES = (".xlsx", ".xls")
#: zip entries smaller than this are not held to the compression ratio (tiny parts of an xlsx
#: compress oddly, and cannot make a bomb)
RATIO_MIN_BYTES = 1 << 20
#: the most characters of an over-long cell quoted in an issue
QUOTED_CHARS = 40

# Errors a reader raises for a file that is missing, unreadable or not of its claimed format. Kept
# explicit (not ``Exception``) so that a bug in this module is not reported as a bad input file.
_READ_ERRORS: tuple[type[BaseException], ...] = (
    OSError,
    csv.Error,
    ValueError,  # includes UnicodeDecodeError, pandas ParserError/EmptyDataError, ArrowInvalid
    ImportError,  # a reader's optional engine (xlrd for .xls) is not installed
    KeyError,
    zipfile.BadZipFile,
    EOFError,
)

Reader = Callable[[Path, str, ReadLimits, CsvOptions], pd.DataFrame]


def _too_much(name: str, what: str, limit: str, value: object) -> InputError:
    return InputError(
        [file_issue(name, f"{what}, more than allowed: {how_to_raise(limit, value)}")]
    )


# -- Excel -------------------------------------------------------------------------------------
def check_zip(path: Path, name: str, limits: ReadLimits) -> None:
    """Refuse an Excel file whose zip would inflate beyond the limits, from the sizes its central
    directory declares (Python's zip reader never inflates an entry past its declared size, so
    the declared sizes bound what openpyxl can be made to read)."""
    with zipfile.ZipFile(path) as archive:
        entries = archive.infolist()
    if len(entries) > limits.max_zip_entries:
        raise _too_much(
            name, f"{len(entries)} zip entries", "max_zip_entries", limits.max_zip_entries
        )
    total = sum(e.file_size for e in entries)
    packed = sum(e.compress_size for e in entries)
    if total > limits.max_uncompressed_bytes:
        what = f"the workbook inflates to {total:,} bytes"
        raise _too_much(name, what, "max_uncompressed_bytes", limits.max_uncompressed_bytes)
    ratio = limits.max_compression_ratio
    for e in entries:
        if e.file_size >= RATIO_MIN_BYTES and e.file_size > ratio * max(e.compress_size, 1):
            what = f"part {e.filename} is compressed {e.file_size / max(e.compress_size, 1):.0f}x"
            raise _too_much(name, what, "max_compression_ratio", ratio)
    if total >= RATIO_MIN_BYTES and total > ratio * max(packed, 1):
        what = f"the workbook is compressed {total / max(packed, 1):.0f}x"
        raise _too_much(name, what, "max_compression_ratio", ratio)


def read_excel(path: Path, name: str, limits: ReadLimits, options: CsvOptions) -> pd.DataFrame:
    """The first sheet, after :func:`check_zip`; at most ``max_rows + 1`` rows are parsed."""
    if path.suffix.lower() == ".xlsx":
        check_zip(path, name, limits)
    header = pd.read_excel(path, sheet_name=0, header=None, nrows=1, dtype=object)
    names = header.iloc[0].tolist() if len(header) else []
    if len(names) > limits.max_columns:
        raise _too_much(name, f"{len(names)} columns", "max_columns", limits.max_columns)
    if issues := duplicate_header_issues(name, names):
        raise InputError(issues)
    frame = pd.read_excel(
        path,
        sheet_name=0,
        dtype=object,
        keep_default_na=False,
        na_values=[],
        nrows=limits.max_rows + 1,
    )
    return frame_to_text(frame)


# -- Parquet -----------------------------------------------------------------------------------
def read_parquet(path: Path, name: str, limits: ReadLimits, options: CsvOptions) -> pd.DataFrame:
    """A Parquet file, after its footer's rows, columns and decoded size are checked."""
    import pyarrow.parquet as pq

    meta = pq.ParquetFile(path).metadata
    if meta.num_rows > limits.max_rows:
        raise _too_much(name, f"{meta.num_rows:,} rows", "max_rows", limits.max_rows)
    if meta.num_columns > limits.max_columns:
        raise _too_much(name, f"{meta.num_columns} columns", "max_columns", limits.max_columns)
    size = sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups))
    if size > limits.max_uncompressed_bytes:
        what = f"the file decodes to {size:,} bytes"
        raise _too_much(name, what, "max_uncompressed_bytes", limits.max_uncompressed_bytes)
    return frame_to_text(pd.read_parquet(path))


# -- what was read -----------------------------------------------------------------------------
def check_shape(frame: pd.DataFrame, name: str, limits: ReadLimits) -> None:
    """Rows, columns and the length of every text cell, within the limits."""
    if len(frame) > limits.max_rows:
        raise _too_much(name, f"more than {limits.max_rows:,} rows", "max_rows", limits.max_rows)
    if frame.shape[1] > limits.max_columns:
        what = f"{frame.shape[1]} columns"
        raise _too_much(name, what, "max_columns", limits.max_columns)
    issues: list[InputIssue] = []
    for position in range(frame.shape[1]):
        column = frame.iloc[:, position]
        dtype = column.dtype
        if isinstance(dtype, pd.StringDtype):  # vectorised (Arrow)
            lengths = column.str.len()
        elif isinstance(dtype, np.dtype) and dtype.kind == "O":
            lengths = column.map(lambda v: len(v) if isinstance(v, str) else 0)
        else:
            continue
        long = np.flatnonzero(lengths.fillna(0).to_numpy() > limits.max_cell_chars)
        if long.size:
            row = int(long[0])
            text = cell_text(column.iloc[row])
            more = f" (and {long.size - 1} more cell(s) of this column)" if long.size > 1 else ""
            message = f"a cell of {len(text):,} characters{more}, more than allowed: " + (
                how_to_raise("max_cell_chars", limits.max_cell_chars)
            )
            shown = text[:QUOTED_CHARS] + "..."
            issues.append(InputIssue(name, row + 2, str(frame.columns[position]), shown, message))
    if issues:
        raise InputError(issues)


def read_table(
    source: Source,
    *,
    name: str,
    limits: ReadLimits | None = None,
    csv_options: CsvOptions | None = None,
) -> pd.DataFrame:
    """Read one input table with every cell as text.

    Parameters
    ----------
    source
        A path whose suffix says the format -- ``.csv`` (UTF-8 unless ``csv`` says otherwise;
        a byte-order mark is accepted), ``.parquet``/``.pq`` or ``.xlsx``/``.xls`` (first
        sheet) -- or a DataFrame, returned as is (a shallow copy): validation converts the
        contract columns of a frame to text itself, and the frame's other columns are kept
        unchanged.
    name
        The label of the table in error messages (usually the file name).
    limits
        The most the file may hold (:class:`ReadLimits`; its defaults when ``None``). A frame is
        held to the rows, columns and cell length.
    csv_options
        Delimiter and encoding of a CSV file (:class:`CsvOptions`; commas and UTF-8 when
        ``None``).

    Returns
    -------
    pandas.DataFrame
        One row per data row of the file, in file order (blank lines included, as rows of ``""``,
        so that row ``i`` is spreadsheet row ``i + 2``), every column of dtype ``str`` with
        ``""`` for an empty cell; the product's spreadsheet escape of CSV cells undone
        (:mod:`allocator.io.safecsv`).

    Raises
    ------
    allocator.errors.InputError
        With one issue naming ``name`` when the file is missing, unreadable, not of the format its
        suffix claims, empty, has a column name twice in its header, looks separated by another
        character than the one expected, is not in the expected encoding, or exceeds a limit.
    """
    limits = limits or ReadLimits()
    options = csv_options or CsvOptions()
    if isinstance(source, pd.DataFrame):
        check_shape(source, name, limits)
        return source.copy(deep=False)
    path = Path(source)
    suffix = path.suffix.lower()
    reader: Reader
    if suffix in CSV_SUFFIXES:
        reader = read_csv
    elif suffix in PARQUET_SUFFIXES:
        reader = read_parquet
    elif suffix in EXCEL_SUFFIXES:
        reader = read_excel
    else:
        known = ", ".join((*CSV_SUFFIXES, *PARQUET_SUFFIXES, *EXCEL_SUFFIXES))
        message = f"unknown file type {suffix or '(none)'!r}: use {known}"
        raise InputError([file_issue(name, message)])
    if not path.is_file():
        raise InputError([file_issue(name, "file not found")])
    size = path.stat().st_size
    if size > limits.max_file_bytes:
        raise _too_much(name, f"{size:,} bytes", "max_file_bytes", limits.max_file_bytes)
    try:
        frame = reader(path, name, limits, options)
    except pd.errors.EmptyDataError as exc:
        raise InputError([file_issue(name, "the file is empty: a header row is required")]) from exc
    except UnicodeDecodeError as exc:
        message = f"not {options.encoding} text: {exc.reason} at byte {exc.start}"
        raise InputError([file_issue(name, message)]) from exc
    except RecursionError as exc:  # a file nested beyond what a parser recurses through
        raise InputError([file_issue(name, "cannot read: nested too deeply")]) from exc
    except _READ_ERRORS as exc:
        message = f"cannot read as {suffix.lstrip('.')}: {type(exc).__name__}: {exc}"
        raise InputError([file_issue(name, message)]) from exc
    check_shape(frame, name, limits)
    return frame
