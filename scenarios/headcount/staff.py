"""The staff table (``staff.csv``, contract v1.1): who works where besides what rms.csv says.

The staffing rules count people rms.csv does not list -- lobby managers, the N+1 RM assistant
post, the wealth and VIP centres' marketing and wealth managers, counter and back-office staff --
so the planner reads them here: ``branch_id, unit, role, count[, certifications]``, one row per
group of people of one role (and certifications) at one branch and unit. The older form
``branch_id, staff`` stays valid: the branch's whole headcount, RMs included, of role ``other``.

Read like every input: every problem at once, each naming file, row, column and value.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import get_args

import numpy as np
import pandas as pd

from allocator.contract import UNITS, certification_list
from scenarios.headcount.rules import StaffRole
from scenarios.inputs import Source, TableCheck

#: the roles of staff.csv (contract v1.1)
ROLES: tuple[str, ...] = get_args(StaffRole)  # the roles a staffing rule may count
#: columns of the normalised staff table; ``includes_rms`` marks an older-form row, whose count
#: is the branch's whole headcount with its RMs in it
STAFF_COLUMNS: tuple[str, ...] = (
    "branch_id",
    "unit",
    "role",
    "count",
    "certifications",
    "includes_rms",
)
#: the columns of each form of the file
NEW_FORM: tuple[str, ...] = ("branch_id", "unit", "role", "count")
OLD_FORM: tuple[str, ...] = ("branch_id", "staff")


def empty_staff() -> pd.DataFrame:
    """A staff table with no row (the normalised columns and dtypes)."""
    return pd.DataFrame(
        {
            "branch_id": pd.Series(dtype=object),
            "unit": pd.Series(dtype=object),
            "role": pd.Series(dtype=object),
            "count": pd.Series(dtype=np.int64),
            "certifications": pd.Series(dtype=object),
            "includes_rms": pd.Series(dtype=bool),
        }
    )


def load_staff(
    source: Source | None, *, branches: Collection[str] | None = None
) -> pd.DataFrame | None:
    """The staff table, normalised to :data:`STAFF_COLUMNS` (``None`` gives ``None``).

    Parameters
    ----------
    source
        ``staff.csv`` in either form (a file or a DataFrame).
    branches
        The bank's branch ids: a row at another branch is an error (a typo would otherwise count
        people nowhere).

    Returns
    -------
    pandas.DataFrame or None
        One row per input row: ``unit`` defaults to ``outlet`` (as in rms.csv), certifications
        are normalised (``AFP;CFP``), ``count`` is an int.

    Raises
    ------
    allocator.errors.InputError
        Listing missing columns, unknown roles, units and branches, and counts that are not
        whole numbers >= 0: every one at once.
    """
    if source is None:
        return None
    table = TableCheck(source, "staff")
    cols = set(table.frame.columns)
    old = "staff" in cols and not ({"role", "count"} & cols)
    if not table.require(OLD_FORM if old else NEW_FORM):
        table.done()
    branch = table.text("branch_id")
    empty = (branch == "").to_numpy()
    for i in np.flatnonzero(empty):
        table.issue(int(i), "branch_id", "", "must not be empty")
    if branches is not None:
        known = set(branches)
        for i in np.flatnonzero(~empty):
            if branch.iloc[i] not in known:
                table.issue(int(i), "branch_id", branch.iloc[i], "unknown branch (not in the bank)")
    if old:
        count = table.number("staff", whole=True)
        unit = pd.Series(["outlet"] * len(branch), dtype=object)
        role = pd.Series(["other"] * len(branch), dtype=object)
        certs = pd.Series([""] * len(branch), dtype=object)
    else:
        count = table.number("count", whole=True)
        unit = table.text("unit", default="outlet")
        table.one_of("unit", unit, UNITS)
        role = table.text("role")
        table.one_of("role", role, ROLES)
        certs = table.text("certifications").map(lambda c: ";".join(certification_list(c)))
    table.done()
    return pd.DataFrame(
        {
            "branch_id": branch.to_numpy(dtype=object),
            "unit": unit.to_numpy(dtype=object),
            "role": role.to_numpy(dtype=object),
            "count": count.to_numpy(dtype=float).astype(np.int64),
            "certifications": certs.to_numpy(dtype=object),
            "includes_rms": np.full(len(branch), old, dtype=bool),
        }
    )
