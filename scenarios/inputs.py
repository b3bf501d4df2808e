"""Checks of the workforce tables the scenarios engine reads itself (staff, quota, performance).

The bank's own files are checked by :mod:`allocator.validation`; the HR tables of contract v1.1
(``staff.csv``, ``rm_performance.csv``) and the quota table are read here with the same promise:
every problem at once, each naming file, spreadsheet row, column and value
(:class:`~allocator.errors.InputIssue`), before anything is planned. A :class:`TableCheck` holds
one table while its columns are checked one rule at a time; :meth:`TableCheck.done` raises the
issues found, if any.
"""

from __future__ import annotations

import os
from collections.abc import Collection, Iterable, Sequence

import numpy as np
import pandas as pd

from allocator.errors import InputError, InputIssue
from allocator.io import read_table

Source = str | os.PathLike[str] | pd.DataFrame


class TableCheck:
    """One workforce table under validation.

    Parameters
    ----------
    source
        A file (CSV, Parquet or Excel by suffix) or a DataFrame.
    name
        The table's label when ``source`` is a DataFrame (a file is named by its path).

    Attributes
    ----------
    frame
        The table with stripped header names, blank rows dropped.
    rows
        The spreadsheet row of each frame row (the header is row 1).
    issues
        The problems found so far.
    """

    def __init__(self, source: Source, name: str) -> None:
        self.name = name if isinstance(source, pd.DataFrame) else os.fspath(source)
        frame = read_table(source, name=self.name)
        frame.columns = [str(c).strip() for c in frame.columns]
        text = frame.apply(lambda col: col.where(col.notna(), "").astype(str).str.strip())
        blank = (text == "").all(axis=1).to_numpy() if len(frame.columns) else np.array([])
        rows = np.arange(len(frame), dtype=np.int64) + 2
        keep = ~blank if len(blank) else np.ones(len(frame), dtype=bool)
        self.frame = frame.loc[keep].reset_index(drop=True)
        self.rows = rows[keep]
        self.issues: list[InputIssue] = []

    def issue(self, row: int | None, column: str | None, value: object, message: str) -> None:
        """Record one problem (``row``: a frame position, or ``None`` for the whole file)."""
        where = None if row is None else int(self.rows[row])
        shown = None if value is None else str(value)
        self.issues.append(InputIssue(self.name, where, column, shown, message))

    def require(self, columns: Iterable[str]) -> bool:
        """Each of ``columns`` must be present; returns whether all are."""
        missing = [c for c in columns if c not in self.frame.columns]
        for c in missing:
            self.issue(None, c, None, "required column is missing")
        return not missing

    def text(self, column: str, default: str = "") -> pd.Series:
        """A column as stripped text (``default`` when the column is absent or a cell empty)."""
        if column not in self.frame.columns:
            return pd.Series([default] * len(self.frame), dtype=object)
        values = self.frame[column]
        out = values.where(values.notna(), "").astype(str).str.strip()
        return out.where(out != "", default)

    def number(
        self,
        column: str,
        *,
        minimum: float | None = 0.0,
        maximum: float | None = None,
        whole: bool = False,
        default: float | None = None,
    ) -> pd.Series:
        """A numeric column; each bad cell (not a number, out of range, not whole) is an issue.

        An empty cell is ``default`` (an issue when there is none). Bad cells read as NaN.
        """
        raw = self.text(column)
        empty = (raw == "").to_numpy()
        values = pd.to_numeric(raw.where(~empty, None), errors="coerce").astype(float)
        if default is not None:
            values[empty] = default
        ok = np.isfinite(values.to_numpy())
        if minimum is not None:
            ok &= values.to_numpy() >= minimum
        if maximum is not None:
            ok &= values.to_numpy() <= maximum
        if whole:
            ok &= np.mod(np.nan_to_num(values.to_numpy()), 1) == 0
        rule = "a number" if not whole else "a whole number"
        if minimum is not None:
            rule += f" >= {minimum:g}"
        if maximum is not None:
            rule += f" and <= {maximum:g}"
        for i in np.flatnonzero(~ok):
            self.issue(int(i), column, raw.iloc[i], f"must be {rule}")
        return values.where(ok)

    def one_of(self, column: str, values: pd.Series, allowed: Sequence[str]) -> None:
        """Each value must be one of ``allowed`` (the message lists them)."""
        bad = ~values.isin(list(allowed)).to_numpy()
        for i in np.flatnonzero(bad):
            self.issue(int(i), column, values.iloc[i], f"must be one of {', '.join(allowed)}")

    def known(self, column: str, values: pd.Series, known: Collection[str], what: str) -> None:
        """Each value must name something that exists (a branch, an RM)."""
        bad = ~values.isin(list(known)).to_numpy()
        for i in np.flatnonzero(bad):
            self.issue(int(i), column, values.iloc[i], f"unknown {what}")

    def unique(self, column: str, values: pd.Series) -> None:
        """No value twice (each repeat after the first is an issue naming the first row)."""
        first: dict[str, int] = {}
        for i, v in enumerate(values):
            if v in first:
                self.issue(i, column, v, f"repeats row {int(self.rows[first[v]])}")
            else:
                first[v] = i

    def done(self) -> None:
        """Raise every issue found.

        Raises
        ------
        allocator.errors.InputError
            When any check recorded a problem.
        """
        if self.issues:
            raise InputError(self.issues)
