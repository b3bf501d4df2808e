"""Branch scope: what a key scoped to a branch may see of one bank.

A branch head reviews the moves of *their* branch. A key scoped to branch ``B`` sees and decides
only the customers whose home branch lies in ``B``'s subtree and the RMs who sit there; anything
else is answered as if it did not exist (404), so a scoped key cannot even learn which customer
ids other branches hold. Branch ids name branches of a bank, so the subtree is worked out per
dataset (a ``B`` the bank does not have scopes to nothing).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import pandas as pd

from allocator.instance import Instance


@dataclass(frozen=True)
class BranchScope:
    """The branches, customers and RMs a scoped key sees in one bank."""

    branch_id: str
    branches: frozenset[str]
    customers: frozenset[str]
    rms: frozenset[str]

    def has_customer(self, customer_id: str) -> bool:
        return customer_id in self.customers

    def filter(self, table: pd.DataFrame, column: str = "customer_id") -> pd.DataFrame:
        """The rows of ``table`` whose ``column`` is a customer (or RM, or branch) in scope."""
        pool = {"customer_id": self.customers, "rm_id": self.rms, "branch_id": self.branches}
        allowed = pool.get(column, self.customers)
        return table[table[column].astype(str).isin(allowed)]


def subtree(branches: pd.DataFrame, root: str) -> frozenset[str]:
    """``root`` and every branch below it (empty when the bank has no such branch)."""
    children: dict[str, list[str]] = defaultdict(list)
    for branch, parent in zip(branches["branch_id"], branches["parent_id"], strict=True):
        if parent:
            children[str(parent)].append(str(branch))
    if root not in set(branches["branch_id"].astype(str)):
        return frozenset()
    out, todo = {root}, [root]
    while todo:
        for child in children[todo.pop()]:
            if child not in out:
                out.add(child)
                todo.append(child)
    return frozenset(out)


def branch_scope(instance: Instance, branch_id: str) -> BranchScope:
    """What a key scoped to ``branch_id`` sees of ``instance``."""
    branches = subtree(instance.branches, branch_id)
    customers = instance.customers
    rms = instance.rms
    return BranchScope(
        branch_id=branch_id,
        branches=branches,
        customers=frozenset(customers["customer_id"][customers["branch_id"].isin(branches)]),
        rms=frozenset(rms["rm_id"][rms["branch_id"].isin(branches)]),
    )
