"""What a bank looks like, in counts: :func:`describe_bank`.

Why counts, from the rule engine: a summary must be safe to print or log (no customer's data),
and "today's RM no longer fits" or "a key account competes with 700 others for 40 senior RMs"
must mean what the allocator will see -- so tiers (the hysteresis included), eligibility and the
eligibility graph's components come from :mod:`allocator.rules`, never from the generator's own
model of a bank. It describes any instance, generated or not.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from allocator.contract import LINES, POSITIONS
from allocator.instance import Instance
from allocator.policy import Policy, default_policy
from allocator.rules import RmTable, build_classes, eligible_class_pairs, index_of
from allocator.synth.branches import TREE_LEVELS, Tree
from allocator.synth.customers import Cust
from allocator.synth.fit import PolicyFit
from allocator.synth.needs import PolicyView, Tiers

Ints = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]

#: how many of the largest components :func:`describe_bank` lists
TOP_COMPONENTS = 5


def describe_bank(
    instance: Instance, policy: Policy | None = None, *, components: bool = True
) -> dict[str, Any]:
    """Counts that describe a bank, for summaries and tests (never any customer's data).

    Whether today's RM fits is the rule engine's verdict (the same rules the allocator applies),
    so ``rm_ineligible`` counts exactly the customers a plan would have to move.

    Parameters
    ----------
    instance
        The bank.
    policy
        The policy whose rules are asked (policy v1 by default).
    components
        Also split the eligibility graph into its components (a second or two at 10^6
        customers).

    Returns
    -------
    dict
        ``customers``, ``rms``, ``branches`` (totals); ``tiers`` (customers per tier label, the
        band when one applies, the hysteresis included); ``branch_levels``; ``rm_roles`` (RMs
        per ``line/unit``); ``rms_inactive``; ``rms_explicit_capacity``; ``book`` with the
        faults of today's book: ``with_rm`` and ``rm_fits`` (served tier, with an RM on the
        roster; one active and eligible), ``no_rm`` (served tier, no RM named), ``rm_left``
        (served tier, today's RM missing from the roster: a leaver), ``rm_inactive``,
        ``rm_ineligible`` (active RM that no longer fits), ``pooled_with_rm``,
        ``overloaded_rms``, ``locked``, ``locks_dead`` (locked to an inactive RM or a leaver).
        ``capacity``: per line, the served customers' workload and the summed capacity of the
        active RMs of that line (``both``: of the composite RMs, who may serve either).
        Contract v1.1: ``positions`` (RMs per position), ``co_cover`` (executives' summed
        ``co_cover_capacity``, the policy's default for an empty cell, and the retail customers
        at or above the lowest co-cover line), ``composite_rms``, ``designated`` (VIP centres
        and RMs), ``leavers`` (RMs named by the book but not on the roster, and their
        customers), ``quarter`` (customers with a previous tier, below it, held by the
        hysteresis, with forbidden RMs, corporate customers with deposits, outlets whose
        corporate deposits reach the staffing rule's 10M), ``key_accounts``; and, when asked,
        ``components``: the largest components of the eligibility graph, each with its
        customers, key accounts, RMs and RMs of a key-account grade.
    """
    pol = policy if policy is not None else default_policy()
    view = PolicyView.build(pol)
    tree = Tree.build(instance.branches, pol)
    customers, rms = instance.customers, instance.rms
    cust = Cust.from_frame(customers, tree, view)
    tiers = cust.tiers(view)
    needs = view.needs_of(tiers)
    table = RmTable.build(rms, tree.table, pol)
    cur = index_of(table.ids, table.index, customers["current_rm_id"])
    named = (customers["current_rm_id"] != "").to_numpy()
    has = cur >= 0
    safe = np.where(has, cur, len(rms))  # no RM: a sentinel, inactive and without capacity
    rm_active = np.r_[table.active, False]
    active = has & rm_active[safe]
    ok = PolicyFit.build(table, tree, view).fits(needs.tier, needs.band, cust.branch, cur)
    served = ~needs.pooled
    load = np.bincount(
        safe[has & served], weights=needs.workload[has & served], minlength=len(rms) + 1
    )
    locked = customers["locked"].to_numpy(dtype=bool)
    left = named & ~has
    out: dict[str, Any] = {
        "customers": len(customers),
        "rms": len(rms),
        "branches": len(instance.branches),
        "tiers": _counts(pd.Series(tiers.labels())),
        "branch_levels": {lv: int((instance.branches["level"] == lv).sum()) for lv in TREE_LEVELS},
        "rm_roles": _counts(rms["line"] + "/" + rms["unit"]),
        "rms_inactive": int((~table.active).sum()),
        "rms_explicit_capacity": int(rms["capacity"].notna().sum()),
        "book": {
            "with_rm": int((has & served).sum()),
            "rm_fits": int((ok & served).sum()),
            "no_rm": int((~named & served).sum()),
            "rm_left": int((left & served).sum()),
            "rm_inactive": int((has & served & ~rm_active[safe]).sum()),
            "rm_ineligible": int((active & ~ok & served).sum()),
            "pooled_with_rm": int((named & ~served).sum()),
            "overloaded_rms": int(((load > np.r_[table.capacity, 0.0]) & rm_active).sum()),
            "locked": int(locked.sum()),
            "locks_dead": int((locked & ((has & ~rm_active[safe]) | left)).sum()),
        },
    }
    serving = table.active & (table.position == "rm")
    out["capacity"] = {
        line: {
            "workload": round(float(needs.workload[served & (cust.line == code)].sum()), 1),
            "rms": round(float(table.capacity[serving & (table.line == line)].sum()), 1),
        }
        for code, line in enumerate(LINES)
    }
    out["capacity"]["both"] = {
        "rms": round(float(table.capacity[serving & table.composite].sum()), 1)
    }
    out.update(_roster(instance, table, pol))
    out["leavers"] = {
        "rms": int(customers["current_rm_id"][left].nunique()),
        "customers": int(left.sum()),
    }
    out["quarter"] = _quarter(instance, cust, tiers, tree, view)
    key = _key_accounts(tiers, pol)
    out["key_accounts"] = int(key.sum())
    if components:
        out["components"] = _components(instance, tiers, key, table, tree, view)
    return out


def _counts(values: pd.Series) -> dict[str, int]:
    """Occurrences of each value, in sorted order."""
    return {str(k): int(v) for k, v in values.value_counts().sort_index().items()}


def _roster(instance: Instance, table: RmTable, pol: Policy) -> dict[str, Any]:
    """Positions, executives' co-cover capacity and demand, composite RMs, designated centres."""
    rms, customers = instance.rms, instance.customers
    rule = pol.coverage.co_cover
    execs = np.isin(table.position, list(rule.positions)) & table.active
    cap = rms["co_cover_capacity"] if "co_cover_capacity" in rms.columns else None
    given = cap.to_numpy(dtype=np.float64) if cap is not None else np.full(len(rms), np.nan)
    capacity = np.where(np.isnan(given), rule.default_capacity, given)
    lowest = min((p.aum_min for p in rule.positions.values()), default=np.inf)
    retail = (customers["segment"] == "retail").to_numpy()
    vip = (table.unit == "vip_center") & table.designated
    return {
        "positions": {p: int((table.position == p).sum()) for p in POSITIONS},
        "co_cover": {
            "capacity": int(capacity[execs].sum()),
            "demand": int((retail & (customers["aum"].to_numpy() >= lowest)).sum()),
        },
        "composite_rms": int(table.composite.sum()),
        "designated": {"centres": int(np.unique(table.branch[vip]).size), "rms": int(vip.sum())},
    }


def _quarter(
    instance: Instance, cust: Cust, tiers: Tiers, tree: Tree, view: PolicyView
) -> dict[str, int]:
    """Last quarter's history and the other v1.1 customer columns, in counts."""
    pol = view.policy
    customers = instance.customers
    value = view.classify(cust.line, cust.list_tier, cust.aum, cust.contribution)
    worth = {k: t.priority for k, t in pol.tiers.items()}
    worth.update({k: b.priority for k, b in pol.bands.items()})
    names = np.asarray(["", *view.label_names], dtype=object)
    was = np.array([worth.get(str(v), 0) for v in names], dtype=np.int64)[cust.previous + 1]
    now = np.array([worth.get(str(v), 0) for v in value.label], dtype=np.int64)[value.kind]
    corp = cust.deposits > 0
    per_branch = np.bincount(
        cust.branch[corp], weights=cust.deposits[corp], minlength=tree.level.size
    )
    outlets = tree.of_level(pol.level_rank("outlet"))
    return {
        "previous_tier": int((cust.previous >= 0).sum()),
        "below_previous": int(((cust.previous >= 0) & (was > now)).sum()),
        "held": int((tiers.labels() != value.labels()).sum()),
        "forbidden": int((customers["forbid_rm_ids"] != "").sum())
        if "forbid_rm_ids" in customers.columns
        else 0,
        "corporate_with_deposits": int(corp.sum()),
        "outlets_deposits_10m": int((per_branch[outlets] >= 10_000_000).sum()),
    }


def _key_accounts(tiers: Tiers, pol: Policy) -> Bools:
    """Customers of a band the policy serves one-to-one (key accounts)."""
    bands = [name for name, b in pol.bands.items() if b.one_to_one]
    names = np.asarray(["", *pol.bands], dtype=object)
    return np.isin(names[tiers.band + 1], bands)[tiers.kind]


def _components(
    instance: Instance, tiers: Tiers, key: Bools, table: RmTable, tree: Tree, view: PolicyView
) -> list[dict[str, Any]]:
    """The largest components of the eligibility graph (customer classes and RMs, joined by
    eligible pairs and by groups), most customers first: the independent parts a solver sees
    (:mod:`allocator.decomposition`), from the rule engine's classes, so a million customers
    cost a few thousand nodes. Customers no RM may serve belong to none."""
    pol = view.policy
    frame = pd.DataFrame(
        {
            "base_tier": np.asarray(view.tiers, dtype=object)[tiers.tier][tiers.kind],
            "band": np.asarray(["", *view.bands], dtype=object)[tiers.band + 1][tiers.kind],
            "pooled": tiers.pooled[tiers.kind],
        }
    )
    cls = build_classes(instance.customers, frame, tree.table, table, pol)
    pairs = eligible_class_pairs(cls, table, tree.table, pol)
    k_n, r_n = cls.n, len(table.ids)
    u, v = [pairs.k], [k_n + pairs.r]
    # a customer no RM may serve is in no component (no plan can give it an RM)
    has_pairs = np.r_[np.bincount(pairs.k, minlength=k_n) > 0, False]
    class_of = np.where(has_pairs[cls.class_of], cls.class_of, -1)
    group = instance.customers["group_id"].to_numpy(dtype=object)
    members = np.flatnonzero((group != "") & (class_of >= 0))
    if members.size > 1:
        order = members[np.argsort(group[members], kind="stable")]
        same = group[order[1:]] == group[order[:-1]]
        u.append(class_of[order[:-1][same]])
        v.append(class_of[order[1:][same]])
    label = _labels(k_n + r_n, np.concatenate(u), np.concatenate(v))
    of = np.where(class_of >= 0, label[np.maximum(class_of, 0)], -1)
    inside = of >= 0
    size = np.bincount(of[inside], minlength=k_n + r_n)
    keys = np.bincount(of[inside & key], minlength=k_n + r_n)
    bands = [b for b in pol.bands.values() if b.one_to_one and b.min_grade]
    floor = min((pol.grade_rank(str(b.min_grade)) for b in bands), default=len(pol.grades))
    rm_label = label[k_n:]
    serving = table.active & (table.position == "rm")
    rms_in = np.bincount(rm_label[serving], minlength=k_n + r_n)
    graded = np.bincount(rm_label[serving & (table.grade_rank >= floor)], minlength=k_n + r_n)
    line = np.full(k_n + r_n, "", dtype=object)
    line[label[:k_n]] = cls.line
    top = np.argsort(-size, kind="stable")[:TOP_COMPONENTS]
    return [
        {
            "line": str(line[c]),
            "customers": int(size[c]),
            "key_accounts": int(keys[c]),
            "rms": int(rms_in[c]),
            "key_grade_rms": int(graded[c]),
        }
        for c in top
        if size[c] > 0
    ]


def _labels(n_nodes: int, u: Ints, v: Ints) -> Ints:
    """Connected-component label (the smallest node) of every node: min-label hooking and
    pointer jumping, vectorised (no loop per node or edge)."""
    label = np.arange(n_nodes, dtype=np.int64)
    while True:
        low = np.minimum(label[u], label[v])
        new = label.copy()
        np.minimum.at(new, label[u], low)
        np.minimum.at(new, label[v], low)
        while True:
            jumped = new[new]
            if np.array_equal(jumped, new):
                break
            new = jumped
        if np.array_equal(new, label):
            return label
        label = new
