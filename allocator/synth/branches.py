"""The branch tree: head office > province(s) > cities > sub-branches > outlets.

Why sized from customers: a real province runs one outlet per few thousand customers, a handful of
outlets per sub-branch and of sub-branches per city, and a province per ~10^6 customers, so a bank
of any size gets a tree of the right shape. Ids say where a branch sits (``C0S1O2`` is outlet 2 of
sub-branch 1 of city 0), which makes a generated bank readable by eye.

:class:`Tree` is the rule engine's :class:`~allocator.rules.BranchTable` (ids, level ranks,
ancestors) plus what generation asks most: the ancestor of a branch *at a given level* ("the city
of this outlet").
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from allocator.policy import Policy
from allocator.rules import BranchTable, index_of
from allocator.synth.config import GeneratorConfig
from allocator.synth.draws import draw_in, partition

Ints = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]

#: levels of the generated tree, top down (contract v1 names)
TREE_LEVELS: tuple[str, ...] = ("head_office", "province", "city", "subbranch", "outlet")


def branch_rows(*paths: str) -> list[tuple[str, str, str]]:
    """Rows ``(branch_id, parent_id, level)`` of the tree whose root-to-outlet paths are given.

    Why: small hand-written banks (tests, benchmarks) spell the same nine-line tree again and
    again; a path ``"H0>P0>C0>C0S1>C0S1O1"`` says it in one line. The last branch of a path is
    an outlet, the others take :data:`TREE_LEVELS` by depth (so ``"HO>P1>C2>O3"`` hangs an
    outlet under a city). Rows come in order of first mention, the parent before its children.

    Parameters
    ----------
    *paths
        Branch ids joined by ``>``, from the head office down to an outlet.

    Returns
    -------
    list of tuple
        One row a branch, ready for ``pd.DataFrame(rows, columns=["branch_id", "parent_id",
        "level"])``.
    """
    rows: dict[str, tuple[str, str, str]] = {}
    for path in paths:
        ids = path.split(">")
        for depth, branch in enumerate(ids):
            level = "outlet" if depth == len(ids) - 1 else TREE_LEVELS[depth]
            rows.setdefault(branch, (branch, ids[depth - 1] if depth else "", level))
    return list(rows.values())


def build_branches(
    n_customers: int, cfg: GeneratorConfig, rng: np.random.Generator
) -> pd.DataFrame:
    """The branch tree as a contract frame, depth first: H0, P0, C0, C0S0, C0S0O0, ...

    Sized bottom-up: outlets from customers, sub-branches from outlets, cities from
    sub-branches; provinces from customers. Loops here run over branches (hundreds), never over
    customers.
    """
    n_prov = max(1, math.ceil(n_customers / cfg.customers_per_province))
    per_outlet = draw_in(rng, cfg.customers_per_outlet)
    min_cities = max(cfg.min_cities, n_prov)
    n_outlets = max(cfg.min_outlets, min_cities, round(n_customers / per_outlet))
    outlets_per_sub = partition(n_outlets, cfg.outlets_per_subbranch, min_cities, rng)
    subs_per_city = partition(outlets_per_sub.size, cfg.subbranches_per_city, min_cities, rng)
    cities_per_prov = partition(subs_per_city.size, (1, subs_per_city.size), n_prov, rng)
    if cities_per_prov.size != n_prov:
        cities_per_prov = np.array(
            [len(a) for a in np.array_split(np.arange(subs_per_city.size), n_prov)], dtype=np.int64
        )

    ids: list[str] = ["H0"]
    parents: list[str] = [""]
    levels: list[str] = ["head_office"]

    def add(branch: str, parent: str, level: str) -> None:
        ids.append(branch)
        parents.append(parent)
        levels.append(level)

    city = sub = 0
    for p, n_cities in enumerate(cities_per_prov):
        add(f"P{p}", "H0", "province")
        for _ in range(int(n_cities)):
            add(f"C{city}", f"P{p}", "city")
            for s in range(int(subs_per_city[city])):
                add(f"C{city}S{s}", f"C{city}", "subbranch")
                for o in range(int(outlets_per_sub[sub])):
                    add(f"C{city}S{s}O{o}", f"C{city}S{s}", "outlet")
                sub += 1
            city += 1
    return pd.DataFrame(
        {
            "branch_id": pd.array(ids, dtype="str"),
            "parent_id": pd.array(parents, dtype="str"),
            "level": pd.array(levels, dtype="str"),
        }
    )


@dataclass(frozen=True)
class Tree:
    """Branches as arrays: ``anc[b, L]`` is the ancestor-or-self of ``b`` at level rank ``L``.

    Built on the rule engine's :class:`~allocator.rules.BranchTable` (``table``), so branch
    positions and level ranks are the ones the rules use; ``anc`` re-indexes its ancestors by
    level, which is what placing RMs and grouping customers by city need.
    """

    table: BranchTable
    parent: Ints  # -1 for the root
    level: Ints  # rank in policy.branch_levels, -1 unknown
    anc: Ints  # shape (B, n_levels), -1 where the branch has no ancestor at that level

    @classmethod
    def build(cls, branches: pd.DataFrame, policy: Policy) -> Tree:
        table = BranchTable.build(branches, policy)
        n, depth = table.ancestors.shape
        parent = table.ancestors[:, 1] if depth > 1 else np.full(n, -1, dtype=np.int64)
        # the ancestors of each branch, self first: file each under its level
        rows, up = np.nonzero(table.ancestors >= 0)
        above = table.ancestors[rows, up]
        level_of = table.level_rank[above]
        known = level_of >= 0
        anc = np.full((n, len(policy.branch_levels)), -1, dtype=np.int64)
        anc[rows[known], level_of[known]] = above[known]
        return cls(table=table, parent=parent.astype(np.int64), level=table.level_rank, anc=anc)

    @property
    def ids(self) -> npt.NDArray[np.object_]:
        """Branch ids, by position."""
        return self.table.ids

    def index_of(self, branch_ids: pd.Series) -> Ints:
        """Position of each branch id (-1 for "" or unknown)."""
        return index_of(self.table.ids, self.table.index, branch_ids)

    def of_level(self, level_rank: int) -> Ints:
        """Every branch at ``level_rank``, in tree order."""
        return np.flatnonzero(self.level == level_rank).astype(np.int64)

    def ancestor_at(self, branch: Ints, level_rank: int) -> Ints:
        """Ancestor-or-self of each branch at ``level_rank`` (-1 when none)."""
        return np.where(branch >= 0, self.anc[np.maximum(branch, 0), level_rank], -1)

    def covers(self, rm_branch: Ints, rm_level: Ints, branch: Ints) -> Bools:
        """Whether an RM sitting at ``rm_branch`` (level rank ``rm_level``) is ``branch`` or an
        ancestor of it, elementwise (the branch-scope rule)."""
        ok = (rm_branch >= 0) & (rm_level >= 0) & (branch >= 0)
        got = self.anc[np.maximum(branch, 0), np.maximum(rm_level, 0)]
        return ok & (got == rm_branch)
