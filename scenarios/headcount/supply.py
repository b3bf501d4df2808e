"""Who could serve whom: the customers to cover, and every RM the plan may have, as one table.

Customers are aggregated into *classes* of equal eligibility, exactly as the allocator aggregates
them, and who may serve a class is decided by the allocator's own eligibility rules
(:mod:`allocator.rules`) run on the existing RM groups and every serving decision together (a
hire, a redeployed counter clerk, an RM certified, an RM moved): the planner and the allocator
cannot disagree about eligibility. Only classes of targeted tiers are kept; a customer who
forbids the RMs of a group (``forbid_rm_ids``) gets a class without that group.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from allocator.contract import parse_id_list
from allocator.instance import Instance
from allocator.policy import Policy
from allocator.rules import BranchTable, RmTable, assign_tiers, build_classes, eligible_class_pairs
from scenarios.headcount.options import Catalogue
from scenarios.headcount.rules import StaffingRules

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]


@dataclass
class Supply:
    """Targeted customer classes and the RMs that may serve them.

    Supply rows are the existing RM groups (rows ``0..n_groups-1``, ``count`` RMs each) then one
    per serving decision (``decision_row[d]``: the row of decision ``d``, -1 if it serves none).

    Attributes
    ----------
    class_n, class_w, class_tier, class_excl
        Per class: customers, workload per customer, tier, one-to-one.
    tier_n
        Customers per targeted tier.
    tier_priority
        Cover value of one customer per tier (the policy's priority).
    classes_of
        Supply row -> the targeted classes it may serve.
    capacity, eff
        Per supply row and RM: workload capacity, and capacity net of packing loss.
    no_rm
        Targeted tiers nobody (existing or possible) may serve.
    """

    class_n: Floats
    class_w: Floats
    class_tier: npt.NDArray[np.object_]
    class_excl: npt.NDArray[np.bool_]
    tier_n: dict[str, float]
    tier_priority: dict[str, float]
    classes_of: dict[int, list[int]]
    capacity: Floats
    eff: Floats
    n_groups: int
    decision_row: npt.NDArray[np.int64]
    no_rm: list[str]


def supply_rms(cat: Catalogue, serves: npt.NDArray[np.bool_]) -> pd.DataFrame:
    """The existing groups and the serving decisions as an rms-like table (one row each)."""
    g = cat.groups
    d = cat.decisions[serves]
    group_of = d["group"].to_numpy(dtype=np.int64)
    of_group = group_of >= 0
    cap = np.full(len(d), np.nan)
    designated = np.zeros(len(d), dtype=bool)
    if of_group.any():  # certified or moved RMs keep their group's capacity and designation
        cap[of_group] = g["capacity"].to_numpy(dtype=float)[group_of[of_group]]
        designated[of_group] = g["designated_private"].to_numpy(dtype=bool)[group_of[of_group]]
    frames = [
        pd.DataFrame(
            {
                "rm_id": [f"\0g{i}" for i in range(len(g))],
                **{
                    c: g[c].to_numpy(dtype=object)
                    for c in ("line", "grade", "certifications", "branch_id", "unit")
                },
                "capacity": g["capacity"].to_numpy(dtype=float),
                "designated_private": g["designated_private"].to_numpy(dtype=bool),
            }
        ),
        pd.DataFrame(
            {
                "rm_id": [f"\0d{i}" for i in np.flatnonzero(serves)],
                **{
                    c: d[c].to_numpy(dtype=object)
                    for c in ("line", "grade", "certifications", "branch_id", "unit")
                },
                "capacity": cap,
                "designated_private": designated.astype(bool),
            }
        ),
    ]
    out = pd.concat(frames, ignore_index=True)
    out["active"] = True
    out["position"] = "rm"
    return out


def split_forbidding(
    customers: pd.DataFrame,
    class_of: Ints,
    n_classes: int,
    pairs_k: Ints,
    pairs_r: Ints,
    groups: pd.DataFrame,
    row_group: Ints,
) -> tuple[Ints, Ints, Ints, Ints]:
    """Classes refined by ``forbid_rm_ids`` (contract v1.1): a customer who forbids every RM of
    an existing group may not be served by those RMs -- where they sit today, certified or
    moved (``row_group``: the group each supply row's RMs come from, -1 for new people) -- so it
    moves to a class of its own (its base class less those rows); hires serve it as before.

    Returns
    -------
    class_of, base, pairs_k, pairs_r
        Each customer's class; each class's base class (itself for the allocator's classes);
        the eligible (class, supply row) pairs with the refined classes' added.
    """
    if "forbid_rm_ids" not in customers.columns or len(groups) == 0:
        return class_of, np.arange(n_classes), pairs_k, pairs_r
    cells = customers["forbid_rm_ids"].to_numpy(dtype=object)
    members = [frozenset(ids) for ids in groups["rm_ids"]]
    out = class_of.copy()
    refined: dict[tuple[int, frozenset[int]], int] = {}
    for i in np.flatnonzero((cells != "") & (class_of >= 0)):
        forbid = frozenset(parse_id_list(cells[i]))
        barred = frozenset(g for g, ms in enumerate(members) if ms and ms <= forbid)
        if barred:
            out[i] = refined.setdefault((int(class_of[i]), barred), n_classes + len(refined))
    if not refined:
        return class_of, np.arange(n_classes), pairs_k, pairs_r
    base = np.concatenate([np.arange(n_classes), [k for k, _ in refined]]).astype(np.int64)
    extra_k, extra_r = [pairs_k], [pairs_r]
    for (k, barred), new in refined.items():
        rows = pairs_r[pairs_k == k]
        rows = rows[~np.isin(row_group[rows], list(barred))]
        extra_k.append(np.full(len(rows), new, dtype=np.int64))
        extra_r.append(rows)
    return out, base, np.concatenate(extra_k), np.concatenate(extra_r)


def build_supply(
    instance: Instance,
    policy: Policy,
    rules: StaffingRules,
    cat: Catalogue,
    targets: Mapping[str, float],
) -> Supply:
    """The classes of targeted tiers and who of the supply rows may serve each."""
    serves = cat.serves()
    rms = supply_rms(cat, serves)
    cust = instance.customers
    tiers = assign_tiers(cust, policy)
    br = BranchTable.build(instance.branches, policy)
    rmt = RmTable.build(rms, br, policy)
    classes = build_classes(cust, tiers, br, rmt, policy)
    pairs = eligible_class_pairs(classes, rmt, br, policy)
    row_group = np.concatenate(
        [np.arange(len(cat.groups)), cat.decisions["group"].to_numpy(dtype=np.int64)[serves]]
    )
    cls_of, base, all_k, all_r = split_forbidding(
        cust, classes.class_of, classes.n, pairs.k, pairs.r, cat.groups, row_group
    )
    n_classes = len(base)
    open_ = cls_of >= 0
    class_n = np.bincount(cls_of[open_], minlength=n_classes).astype(float)
    work = np.zeros(n_classes)
    work[cls_of[open_]] = tiers["workload"].to_numpy(dtype=float)[open_]
    label = np.full(n_classes, "", dtype=object)
    label[cls_of[open_]] = tiers["tier"].to_numpy(dtype=object)[open_]
    prio = tiers[open_].groupby("tier")["priority"].max()
    targeted = np.array([targets.get(t, 0) > 0 for t in label], dtype=bool)
    keep = targeted[all_k]
    pk, pr = all_k[keep], all_r[keep]
    excl = classes.one_to_one[base]
    # capacity net of packing loss: an RM may be left (its largest shared workload - 1) short
    wmax = np.zeros(len(rms))
    shared = ~excl[pk]
    np.maximum.at(wmax, pr[shared], work[pk[shared]])
    eff = rmt.capacity - (np.maximum(wmax - 1, 0) if rules.packing_margin else 0)
    classes_of: dict[int, list[int]] = {}
    for k, r in zip(pk.tolist(), pr.tolist(), strict=True):
        classes_of.setdefault(r, []).append(k)
    decision_row = np.full(len(cat.decisions), -1, dtype=np.int64)
    decision_row[np.flatnonzero(serves)] = len(cat.groups) + np.arange(int(serves.sum()))
    tier_n = {t: float(class_n[label == t].sum()) for t in targets}
    no_rm = [
        t
        for t in targets
        if targets[t] > 0 and tier_n[t] > 0 and not np.isin(pk, np.flatnonzero(label == t)).any()
    ]
    return Supply(
        class_n=class_n,
        class_w=work,
        class_tier=label,
        class_excl=excl,
        tier_n=tier_n,
        tier_priority={str(t): float(p) for t, p in prio.items()},
        classes_of=classes_of,
        capacity=rmt.capacity.astype(float),
        eff=np.maximum(eff, 0).astype(float),
        n_groups=len(cat.groups),
        decision_row=decision_row,
        no_rm=no_rm,
    )
