"""The planner's own files out and in: hires.csv out (spreadsheet-safe), the quota table in.

The bank is read by :mod:`allocator.validation` and the staff table by
:mod:`scenarios.headcount.staff`; the quota (职数: how many RM posts each branch may have) is
read here, checked like every input (every problem at once) before any model is built.
"""

from __future__ import annotations

import os
from collections.abc import Collection, Mapping
from pathlib import Path

import pandas as pd

from allocator.io import write_table
from scenarios.headcount.actions import ACTION_COLUMNS, normalise_actions
from scenarios.inputs import Source, TableCheck

#: columns of the quota table
QUOTA_COLUMNS = ("branch_id", "max_rms")


def write_hires(actions: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """hires.csv: the contract's columns (``action, rm_id, branch_id, unit, line, grade,
    certifications, count, annual_cost, rule``), then ``role, source, lead_quarters``, in the
    format the suffix of ``path`` names (CSV, spreadsheet-safe; Parquet; Excel).

    Columns are selected by name and in this order, so a caller's extra columns never leak into
    the file; the folder is created (:func:`allocator.io.write_table`).
    """
    return write_table(normalise_actions(actions)[list(ACTION_COLUMNS)], path)


def load_quota(
    source: Source | Mapping[str, int] | None, *, branches: Collection[str] | None = None
) -> dict[str, int] | None:
    """The quota table ``branch_id, max_rms`` (a file, a DataFrame or a mapping) as a dict.

    Raises
    ------
    allocator.errors.InputError
        Listing missing columns, unknown or repeated branches and quotas that are not whole
        numbers >= 0.
    """
    if source is None:
        return None
    if isinstance(source, Mapping):
        source = pd.DataFrame({"branch_id": list(source), "max_rms": list(source.values())})
    table = TableCheck(source, "quota")
    if not table.require(QUOTA_COLUMNS):
        table.done()
    branch = table.text("branch_id")
    if branches is not None:
        table.known("branch_id", branch, set(branches), "branch (not in the bank)")
    table.unique("branch_id", branch)
    posts = table.number("max_rms", whole=True)
    table.done()
    return {str(b): int(n) for b, n in zip(branch, posts, strict=True)}
