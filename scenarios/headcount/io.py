"""The planner's own files: the staff table in, HIRES.csv out.

The bank itself is read by :mod:`allocator.validation`; these are the two tables only the
headcount planner speaks, checked here so that a bad row is reported like a bad input row
(:class:`~allocator.errors.InputError`, exit code 2 on the command line) before any model is built.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from allocator.errors import InputError, InputIssue
from allocator.io import read_table, write_table
from scenarios.headcount.profiles import HIRE_COLUMNS

#: columns of the staff table
STAFF_COLUMNS = ("branch_id", "staff")


def load_staff(source: str | os.PathLike[str] | pd.DataFrame | None) -> pd.DataFrame | None:
    """The staff table ``branch_id, staff`` (all staff of the branch, RMs included).

    Only the RM-share rule needs it, so ``None`` gives ``None`` (that rule is then reported as
    not checked).

    Raises
    ------
    allocator.errors.InputError
        Listing missing columns, or every row whose ``staff`` is not a number >= 0.
    """
    if source is None:
        return None
    name = "staff" if isinstance(source, pd.DataFrame) else os.fspath(source)
    frame = read_table(source, name=name)
    missing = [c for c in STAFF_COLUMNS if c not in frame.columns]
    if missing:
        raise InputError(
            [InputIssue(name, None, c, None, "required column is missing") for c in missing]
        )
    staff = pd.to_numeric(frame["staff"], errors="coerce")
    bad = np.flatnonzero(~(staff >= 0).to_numpy())
    if bad.size:
        raise InputError(
            [
                InputIssue(
                    name, int(i) + 2, "staff", str(frame["staff"].iloc[i]), "must be a number >= 0"
                )
                for i in bad
            ]
        )
    return pd.DataFrame({"branch_id": frame["branch_id"].astype(str).str.strip(), "staff": staff})


def write_hires(hires: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """HIRES.csv: ``line, grade, certifications, branch_id, unit, count, cost``, in the format
    the suffix of ``path`` names (CSV, spreadsheet-safe; Parquet; Excel), its folder created.

    The columns are selected by name and in the contract's order, so a caller's extra columns
    never leak into the file :func:`~scenarios.headcount.verify.apply_hires` reads back.
    """
    return write_table(hires[list(HIRE_COLUMNS)], path)
