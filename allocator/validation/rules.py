"""The contract's rules that are about one file's meaning rather than one cell's type: list
tiers by segment, locks that need today's RM, groups of one segment, the branch tree."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from allocator.policy import Policy
from allocator.validation.table import Table, check_enum, isin


# -- customer rules ----------------------------------------------------------------------------
def list_tier_lines(policy: Policy) -> dict[str, str]:
    """Each ``list_tier`` value the policy knows, with the line (segment) its tier belongs to."""
    return {t.list_tier: t.line for t in policy.tiers.values() if t.list_tier is not None}


def check_list_tier(table: Table, segment: pd.Series, policy: Policy) -> pd.Series:
    """A list tier of the policy, and of the customer's own segment (``potential`` is retail)."""
    lines = list_tier_lines(policy)
    tier = check_enum(table, "list_tier", list(lines))
    wrong = pd.Series(False, index=table.frame.index)
    for name, line in lines.items():
        wrong |= (tier == name) & (segment != "") & (segment != line)
    table.flag(
        wrong,
        "list_tier",
        lambda flagged: (
            f"list_tier {tier.iloc[i]} is for {lines[tier.iloc[i]]} customers, "
            f"not {segment.iloc[i]}"
            for i in flagged
        ),
    )
    return tier


def check_lock_has_rm(table: Table, locked: pd.Series) -> None:
    """A lock keeps today's RM, so a locked customer must name one."""
    no_rm = locked & (table.text("current_rm_id") == "")
    table.flag(no_rm, "locked", "locked but current_rm_id is empty: a lock needs today's RM")


def check_group_segments(table: Table, segment: pd.Series) -> None:
    """A group shares one RM, and an RM serves one line: a group must be of one segment."""
    if not table.has("group_id"):
        return
    group = table.text("group_id")
    member = (group != "") & (segment != "")
    if not member.any():
        return
    pairs = pd.DataFrame({"group": group[member], "segment": segment[member]}).drop_duplicates()
    mixed = pairs.loc[pairs["group"].duplicated(), "group"].unique()
    if len(mixed) == 0:
        return
    table.flag(
        member.to_numpy() & isin(group, mixed),
        "group_id",
        lambda flagged: (
            f"group has both corporate and retail members (one RM cannot serve both lines); "
            f"this one is {segment.iloc[i]}"
            for i in flagged
        ),
    )


# -- branch rules ------------------------------------------------------------------------------
def parent_positions(table: Table) -> np.ndarray:
    """Position of each branch's parent (first row of that id), -1 for a root or unknown."""
    ids = table.text("branch_id")
    first = ~ids.duplicated() & (ids != "")
    position = pd.Series(np.flatnonzero(first.to_numpy()), index=ids[first].to_numpy())
    parent = table.text("parent_id").map(position)
    return parent.fillna(-1).to_numpy(dtype=np.int64)


def on_cycles(parent: np.ndarray) -> np.ndarray:
    """Which nodes of the forest ``parent`` lie on a cycle.

    Peels leaves (nodes nobody points to) until none are left: in a graph where each node has at
    most one parent, exactly the nodes on cycles survive. One vectorised pass per tree level.
    """
    n = parent.size
    alive = np.ones(n, dtype=bool)
    has_parent = parent >= 0
    children = np.bincount(parent[has_parent], minlength=n)
    leaves = children == 0
    while leaves.any():
        alive &= ~leaves
        up = parent[leaves & has_parent]
        children -= np.bincount(up, minlength=n)
        leaves = alive & (children == 0)
    return alive


def check_branch_cycles(table: Table, parent: np.ndarray) -> None:
    """Following ``parent_id`` upwards must end at a root; every row on a cycle is named."""
    cyclic = on_cycles(parent)
    if not cyclic.any():
        return
    cycle_of: dict[int, list[int]] = {}
    for start in np.flatnonzero(cyclic):
        if int(start) in cycle_of:
            continue
        members: list[int] = []
        node = int(start)
        while node not in cycle_of:
            cycle_of[node] = members
            members.append(node)
            node = int(parent[node])

    def message(flagged: np.ndarray) -> Iterable[str]:
        for i in flagged:
            members = cycle_of[int(i)]
            k = members.index(int(i))
            path = [*members[k:], *members[:k], int(i)]
            yield "parent_id forms a cycle: rows " + " -> ".join(
                str(int(table.rows[m])) for m in path
            )

    table.flag(cyclic, "parent_id", message)


def check_branch_levels(table: Table, level: pd.Series, parent: np.ndarray, policy: Policy) -> None:
    """A branch sits strictly below its parent (``branch_levels`` is ordered low to high)."""
    rank_of = {name: rank for rank, name in enumerate(policy.branch_levels)}
    rank = level.map(rank_of).fillna(-1).to_numpy(dtype=np.int64)
    has_parent = parent >= 0
    parent_rank = np.where(has_parent, rank[np.where(has_parent, parent, 0)], -1)
    wrong = has_parent & (rank >= 0) & (parent_rank >= 0) & (rank >= parent_rank)
    table.flag(
        wrong,
        "level",
        lambda flagged: (
            f"level {level.iloc[i]} is not below its parent's level "
            f"{level.iloc[int(parent[i])]} (row {int(table.rows[parent[i]])})"
            for i in flagged
        ),
    )
