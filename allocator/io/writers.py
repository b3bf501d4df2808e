"""Writing tables: a plan, a report, a bank -- CSV, Parquet or Excel by the file's suffix.

Every CSV is spreadsheet-safe (:mod:`allocator.io.safecsv`); every file is written atomically
(a temporary file in the same folder, then a rename), into a folder created when missing, so a
failure never leaves half a file under the name asked for. An
:class:`~allocator.instance.Instance` written by :func:`write_instance` reads back through
:func:`allocator.validation.load_instance` to an equal instance.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from allocator.contract import (
    BRANCH_REQUIRED,
    CUSTOMER_OPTIONAL,
    CUSTOMER_REQUIRED,
    CUSTOMER_V1_1_ABSENT,
    RM_OPTIONAL,
    RM_REQUIRED,
    RM_V1_1_ABSENT,
)
from allocator.instance import Instance
from allocator.io.safecsv import csv_text_safe, write_text_atomic
from allocator.io.text import float_text

TableFormat = Literal["csv", "parquet", "xlsx"]

#: the suffixes a table can be written with, and their format
WRITE_SUFFIXES: dict[str, TableFormat] = {
    ".csv": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".xlsx": "xlsx",
}
BOOL_COLUMNS = ("locked", "active")
"""Contract columns written as ``true``/``false``."""


def table_format(path: str | os.PathLike[str]) -> TableFormat:
    """The format a path's suffix names.

    Raises
    ------
    ValueError
        When the suffix is not ``.csv``, ``.parquet``, ``.pq`` or ``.xlsx``; the message says so.
    """
    target = Path(path)
    fmt = WRITE_SUFFIXES.get(target.suffix.lower())
    if fmt is None:
        known = ", ".join(WRITE_SUFFIXES)
        raise ValueError(
            f"cannot write {target.name!r}: its suffix {target.suffix or '(none)'!r} names no "
            f"table format; use one of {known}"
        )
    return fmt


def csv_ready(df: pd.DataFrame) -> pd.DataFrame:
    """Float columns as contract text, so a CSV shows ``2000000`` rather than ``2000000.0``."""
    out = df.copy(deep=False)
    for name in out.columns:
        if pd.api.types.is_float_dtype(out[name].dtype) and isinstance(out[name].dtype, np.dtype):
            out[name] = float_text(out[name])
    return out


def write_table(df: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """Write ``df`` (without its index) to ``path`` in the format its suffix names.

    CSV is UTF-8 without a byte-order mark and spreadsheet-safe; integral floats are written
    without ``.0`` and NaN as an empty cell. Parquet and Excel keep the column dtypes. The
    folder is created when missing, and the file is replaced atomically.

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
    fmt = table_format(target)
    if fmt == "csv":
        write_text_atomic(target, csv_text_safe(csv_ready(df)))
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.stem}.{os.getpid()}.tmp{target.suffix}")
    try:
        if fmt == "parquet":
            df.to_parquet(tmp, index=False)
        else:
            df.to_excel(tmp, index=False)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return target


def contract_order(df: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """Contract columns first, in contract order, then the extra columns in their own order."""
    extras = [c for c in df.columns if c not in columns]
    return df[[*[c for c in columns if c in df.columns], *extras]]


def booleans_as_text(df: pd.DataFrame) -> pd.DataFrame:
    """The contract's boolean columns as ``true``/``false``."""
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
        ready = booleans_as_text(contract_order(frame, columns))
        written[key] = write_table(ready, folder / f"{key}.{fmt}")
    return written
