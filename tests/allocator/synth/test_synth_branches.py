"""Tests of allocator.synth.branches: a valid tree of the configured shape and naming, and a Tree
whose ancestors by level agree with the rule engine's BranchTable."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from allocator.instance import Instance
from allocator.policy import default_policy
from allocator.synth import TREE_LEVELS, GeneratorConfig, branch_rows
from allocator.synth.branches import Tree, build_branches

POLICY = default_policy()
CONFIG = GeneratorConfig()


def test_tree_levels_strictly_decrease(bank20k: Instance) -> None:
    b = bank20k.branches
    rank = b["level"].map(POLICY.level_rank)
    parent_rank = b["parent_id"].map(dict(zip(b["branch_id"], rank, strict=True)))
    child = b["parent_id"] != ""
    assert (rank[child] < parent_rank[child]).all()
    assert b.loc[~child, "branch_id"].tolist() == ["H0"]
    assert set(b["level"]) == set(TREE_LEVELS)


def test_tree_sizes_follow_the_config(bank20k: Instance) -> None:
    b = bank20k.branches
    outlets = (b["level"] == "outlet").sum()
    assert 20_000 / CONFIG.customers_per_outlet[1] - 1 <= outlets
    assert outlets <= 20_000 / CONFIG.customers_per_outlet[0] + 1
    fan_out = b[b["level"] == "outlet"].groupby("parent_id").size()
    assert fan_out.max() <= CONFIG.outlets_per_subbranch[1]


def test_branch_ids_follow_the_naming(bank20k: Instance) -> None:
    pattern = {
        "head_office": r"H\d+",
        "province": r"P\d+",
        "city": r"C\d+",
        "subbranch": r"C\d+S\d+",
        "outlet": r"C\d+S\d+O\d+",
    }
    for bid, parent, level in bank20k.branches.itertuples(index=False):
        assert re.fullmatch(pattern[level], bid), bid
        if level in ("subbranch", "outlet"):
            assert bid.startswith(parent)


@pytest.mark.parametrize("n", [1, 2_500_000])
def test_small_and_big_banks_get_enough_cities_and_provinces(n: int) -> None:
    b = build_branches(n, CONFIG, np.random.default_rng(0))
    assert (b["level"] == "city").sum() >= CONFIG.min_cities
    assert (b["level"] == "outlet").sum() >= CONFIG.min_outlets
    assert (b["level"] == "province").sum() == max(1, -(-n // CONFIG.customers_per_province))


def test_tree_files_each_ancestor_under_its_level(small: Instance) -> None:
    """A row-by-row walk up the parents agrees with Tree.anc (built from the BranchTable)."""
    tree = Tree.build(small.branches, POLICY)
    parent = dict(zip(small.branches["branch_id"], small.branches["parent_id"], strict=True))
    level = dict(zip(small.branches["branch_id"], small.branches["level"], strict=True))
    for i, bid in enumerate(tree.ids):
        expected = np.full(len(POLICY.branch_levels), -1)
        cur = bid
        while cur:
            expected[POLICY.level_rank(level[cur])] = tree.table.index[cur]
            cur = parent[cur]
        assert tree.anc[i].tolist() == expected.tolist(), bid
        assert tree.parent[i] == tree.table.index.get(parent[bid], -1)


def test_tree_lookups() -> None:
    branches = pd.DataFrame(
        {
            "branch_id": ["H", "P", "C", "S", "O"],
            "parent_id": ["", "H", "P", "C", "S"],
            "level": ["head_office", "province", "city", "subbranch", "outlet"],
        }
    )
    tree = Tree.build(branches, POLICY)
    assert tree.index_of(pd.Series(["O", "", "X", "H"])).tolist() == [4, -1, -1, 0]
    city = POLICY.level_rank("city")
    assert tree.ancestor_at(np.array([4, 0, -1]), city).tolist() == [2, -1, -1]
    rm_branch, rm_level = np.array([2, 2, 3]), np.array([city, city, city - 1])
    assert tree.covers(rm_branch, rm_level, np.array([4, 1, 4])).tolist() == [True, False, True]


def test_paths_give_rows_in_order_of_first_mention() -> None:
    rows = branch_rows("H0>P0>C0>C0S1>C0S1O1", "H0>P0>C0>C0S1>C0S1O2", "H0>P0>C1>C1S1>C1S1O1")
    ids, parents, levels = (" ".join(column) for column in zip(*rows, strict=True))
    assert ids == "H0 P0 C0 C0S1 C0S1O1 C0S1O2 C1 C1S1 C1S1O1"
    assert parents == " H0 P0 C0 C0S1 C0S1 P0 C1 C1S1"
    assert levels == "head_office province city subbranch outlet outlet city subbranch outlet"


def test_last_branch_of_a_path_is_an_outlet_at_any_depth() -> None:
    rows = branch_rows("HO>P1>C2>O3")
    assert [level for _, _, level in rows] == ["head_office", "province", "city", "outlet"]
    assert [(b, p) for b, p, _ in rows] == [("HO", ""), ("P1", "HO"), ("C2", "P1"), ("O3", "C2")]
