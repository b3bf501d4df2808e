"""The bank as the allocator sees it: customers, RMs, branches, and today's book.

An :class:`Instance` is immutable; a scenario is a data change through :meth:`Instance.replace`.
Its frames are normalised by :mod:`allocator.validation` (types, defaults, derived branches), so
every later step can trust them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import pandas as pd

# Contract columns live in allocator.contract. Normalised dtypes:
#   str columns      -> Python str, "" for empty
#   number columns   -> float64 (capacity: NaN when not given)
#   bool columns     -> bool


@dataclass(frozen=True)
class TableOrigin:
    """Where a table of an instance was read from, so that a later message can point into it.

    Attributes
    ----------
    label : str
        The table's label as the user gave it (``customers.csv``; ``customers`` for a frame).
    rows : numpy.ndarray of int64
        The spreadsheet row (the header is row 1) of each row of the table: skipped empty rows
        make them differ from ``index + 2``.
    """

    label: str
    rows: npt.NDArray[np.int64]


@dataclass(frozen=True)
class Instance:
    """Normalised input of one allocation.

    Attributes
    ----------
    customers : pandas.DataFrame
        One row per customer, contract v1 columns normalised (see module docstring), in input
        order; extra columns kept.
    rms : pandas.DataFrame
        One row per RM, likewise.
    branches : pandas.DataFrame
        One row per branch: ``branch_id``, ``parent_id`` ("" for a root), ``level``. Derived (every
        branch a root ``outlet``) when no branches file was given.
    branches_given : bool
        Whether the branches came from a file (kept so the edited bank can be written back).
    origins : mapping of str to TableOrigin
        Where ``customers``, ``rms`` and ``branches`` were read from (set by
        :func:`allocator.validation.load_instance`; a table replaced later loses its origin).
    """

    customers: pd.DataFrame
    rms: pd.DataFrame
    branches: pd.DataFrame
    branches_given: bool = True
    origins: Mapping[str, TableOrigin] = field(default_factory=dict, compare=False, repr=False)

    def replace(self, **changes: object) -> Instance:
        """A copy with some fields changed (the frames are not copied); a replaced table no
        longer knows its origin (its rows are no longer the file's)."""
        if "origins" not in changes:
            changes["origins"] = {k: v for k, v in self.origins.items() if k not in changes}
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]

    def label(self, table: str) -> str:
        """The label of ``table`` in messages: its file name when it was read from one."""
        origin = self.origins.get(table)
        return origin.label if origin is not None else table

    def row_number(self, table: str, position: int) -> int:
        """The spreadsheet row of the row at ``position`` of ``table`` (``position + 2`` for a
        table built in memory)."""
        origin = self.origins.get(table)
        if origin is not None and 0 <= position < origin.rows.shape[0]:
            return int(origin.rows[position])
        return position + 2

    @property
    def n_customers(self) -> int:
        return len(self.customers)

    @property
    def n_rms(self) -> int:
        return len(self.rms)
