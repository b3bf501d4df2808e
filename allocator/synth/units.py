"""Service units: a group of firms is served as one, everyone else alone.

Why fold groups: under the policy a group shares one RM, so staffing and today's book must treat
it as one customer whose needs are every member's at once (units intersect, certifications add
up, the higher grade and branch level win) and whose RM sits high enough in the tree to reach all
members. Folding once here lets staffing and the book count and draw per unit without asking
which customers belong together again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from allocator.synth.branches import Tree
from allocator.synth.customers import Cust
from allocator.synth.needs import Needs

Ints = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class Units:
    """Customers folded into service units (a group is one unit, anyone else is alone).

    ``of[c]`` is customer ``c``'s unit; per unit: combined needs, the branch whose subtree holds
    all members (``scope``), and whether it is a group.
    """

    of: Ints
    needs: Needs
    scope: Ints
    is_group: Bools
    size: Ints
    first: Ints  # the first member of each unit (customer index)

    @property
    def n(self) -> int:
        """Number of units."""
        return int(self.scope.shape[0])

    @classmethod
    def build(cls, cust: Cust, needs: Needs, tree: Tree) -> Units:
        """Groups first (in group-code order), then every other customer in input order."""
        n = cust.n
        members = np.flatnonzero(cust.group >= 0)
        alone = np.flatnonzero(cust.group < 0)
        _, dense = np.unique(cust.group[members], return_inverse=True)
        by_group = np.argsort(dense, kind="stable")
        n_groups = int(dense.max()) + 1 if members.size else 0
        order = np.r_[members[by_group], alone].astype(np.int64)
        of = np.empty(n, dtype=np.int64)
        of[members] = dense
        of[alone] = n_groups + np.arange(alone.size, dtype=np.int64)
        sorted_dense = dense[by_group]
        group_starts = np.flatnonzero(np.r_[True, sorted_dense[1:] != sorted_dense[:-1]])
        starts = np.r_[group_starts if members.size else [], members.size + np.arange(alone.size)]
        starts = starts.astype(np.int64)
        first = order[starts]
        size = np.diff(np.r_[starts, n]).astype(np.int64)
        branch = cust.branch

        unit_needs = needs.take(first)
        scope = branch[first]
        if n_groups:
            g_order, g_starts = order[: members.size], starts[:n_groups]

            def red(ufunc: np.ufunc, arr: npt.NDArray[Any]) -> npt.NDArray[Any]:
                return ufunc.reduceat(arr[g_order], g_starts)

            grouped = unit_needs.take(np.arange(n_groups))
            unit_needs.set_rows(
                np.arange(n_groups),
                grouped.replace(
                    units=red(np.bitwise_and, needs.units),
                    certs=red(np.bitwise_or, needs.certs),
                    grade=red(np.maximum, needs.grade),
                    level=red(np.maximum, needs.level),
                    one_to_one=red(np.maximum, needs.one_to_one.astype(np.int64)).astype(bool),
                    workload=red(np.add, needs.workload),
                    pooled=red(np.minimum, needs.pooled.astype(np.int64)).astype(bool),
                ),
            )
            scope[:n_groups] = _common_ancestor(branch[g_order], g_starts, tree)
        return cls(
            of=of,
            needs=unit_needs,
            scope=scope,
            is_group=np.arange(first.size) < n_groups,
            size=size,
            first=first,
        )


def _common_ancestor(branch: Ints, starts: Ints, tree: Tree) -> Ints:
    """Lowest branch above every member of each run ``[starts[i], starts[i+1])`` of ``branch``."""
    out = np.full(starts.size, -1, dtype=np.int64)
    for level in range(tree.anc.shape[1]):  # low to high: the first shared ancestor wins
        a = tree.anc[branch, level]
        lo = np.minimum.reduceat(a, starts)
        hi = np.maximum.reduceat(a, starts)
        hit = (out < 0) & (lo == hi) & (lo >= 0)
        out[hit] = lo[hit]
    return out
