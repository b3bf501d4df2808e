"""The bank as the allocator sees it: customers, RMs, branches, and today's book.

An :class:`Instance` is immutable; a scenario is a data change through :meth:`Instance.replace`.
Its frames are normalised by :mod:`allocator.validation` (types, defaults, derived branches), so
every later step can trust them.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import pandas as pd

# Contract columns live in allocator.contract. Normalised dtypes:
#   str columns      -> Python str, "" for empty
#   number columns   -> float64 (capacity: NaN when not given)
#   bool columns     -> bool


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
    """

    customers: pd.DataFrame
    rms: pd.DataFrame
    branches: pd.DataFrame
    branches_given: bool = True

    def replace(self, **changes: object) -> Instance:
        """A copy with some fields changed (the frames are not copied)."""
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]

    @property
    def n_customers(self) -> int:
        return len(self.customers)

    @property
    def n_rms(self) -> int:
        return len(self.rms)
