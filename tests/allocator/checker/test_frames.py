"""The checker's vectorised pair helpers: membership, branch scope and forbidden RMs."""

from __future__ import annotations

import pandas as pd

from allocator.checker.frames import member
from allocator.checker.tables import forbids, in_scope

TREE = {"b1": frozenset({"b1", "area"}), "area": frozenset({"area"})}


def test_member_hashes_large_pools_of_any_kind() -> None:
    values = pd.Series(["a", "b", None, "c"], dtype="str")
    assert member(values, {"a", "c"}).tolist() == [True, False, False, True]
    assert member(values, pd.Index(["b"])).tolist() == [False, True, False, False]


def test_in_scope_allows_own_branch_and_above_only() -> None:
    customers = pd.Series(["b1", "b1", "area", "lost", "lost"])
    rms = pd.Series(["area", "b2", "b1", "lost", "b1"])
    assert in_scope(customers, rms, TREE).tolist() == [True, False, False, True, False]


def test_forbids_reads_semicolon_lists() -> None:
    lists = pd.Series(["r1;r2", "", None, "r22"])
    assert forbids(lists, pd.Series(["r2", "r2", "r2", "r2"])).tolist() == [
        True,
        False,
        False,
        False,
    ]
