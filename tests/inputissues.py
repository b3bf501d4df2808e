"""What a refused input says, for the validation tests: every issue, where each points (file,
row, column, value), and a table with one cell changed (importable: pytest puts tests/ on the
path)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from allocator.errors import InputError, InputIssue
from allocator.validation import load_instance

Where = tuple[str, int | None, str | None, str | None]


def issues_of(
    customers: pd.DataFrame | Path,
    rms: pd.DataFrame | Path,
    branches: pd.DataFrame | Path | None = None,
    **kwargs: object,
) -> list[InputIssue]:
    """Every issue of loading these tables (failing the test when they load)."""
    with pytest.raises(InputError) as exc:
        load_instance(customers, rms, branches, **kwargs)  # type: ignore[arg-type]
    return exc.value.issues


def where(issues: list[InputIssue]) -> list[Where]:
    """The part of each issue a user needs to find the cell: file, row, column, value."""
    return [(i.file, i.row, i.column, i.value) for i in issues]


def with_cell(frame: pd.DataFrame, row: int, column: str, value: str) -> pd.DataFrame:
    """A copy of ``frame`` with one cell changed (``row`` counted from 0)."""
    out = frame.copy()
    out.loc[row, column] = value
    return out
