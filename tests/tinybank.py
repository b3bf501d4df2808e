"""Tiny banks written as a few rows, in the contract's own terms (shared by the tests)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from allocator.synth import branch_rows

#: the tree most rule tests use: H0 > P0 > C0 > C0S1 > {C0S1O1, C0S1O2}, plus C1 > C1S1 > C1S1O1
TREE = branch_rows("H0>P0>C0>C0S1>C0S1O1", "H0>P0>C0>C0S1>C0S1O2", "H0>P0>C1>C1S1>C1S1O1")

RM_DEFAULTS: dict[str, Any] = {
    "line": "retail",
    "grade": "rm",
    "certifications": "",
    "branch_id": "C0S1O1",
    "unit": "outlet",
    "capacity": "",
    "active": "true",
}
CUSTOMER_DEFAULTS: dict[str, Any] = {
    "segment": "retail",
    "branch_id": "C0S1O1",
    "aum": 0,
    "annual_contribution": 0,
    "list_tier": "",
    "group_id": "",
    "current_rm_id": "",
    "locked": "",
}
#: contract v1's customer and RM columns, in the contract's order: the names of the fields of
#: the named banks some tests write as tuples
CUSTOMER_COLUMNS = ["customer_id", *CUSTOMER_DEFAULTS]
RM_COLUMNS = ["rm_id", *RM_DEFAULTS]


def frames(
    rms: Sequence[dict[str, Any]],
    customers: Sequence[dict[str, Any]],
    tree: Sequence[tuple[str, str, str]] = TREE,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Contract tables (as strings, like files) from short row dicts with defaults filled in."""
    rm_rows = [{**RM_DEFAULTS, "rm_id": f"M{i + 1}", **r} for i, r in enumerate(rms)]
    cust_rows = [
        {**CUSTOMER_DEFAULTS, "customer_id": f"K{i + 1}", **c} for i, c in enumerate(customers)
    ]
    branches = pd.DataFrame(tree, columns=["branch_id", "parent_id", "level"])
    return (
        pd.DataFrame(cust_rows).astype(str),
        pd.DataFrame(rm_rows).astype(str),
        branches,
    )
