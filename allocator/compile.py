"""Compile an instance and a policy into the solver-neutral :class:`~allocator.problem.Problem`.

This is the one place where rules become numbers: tiers, eligible pairs, workloads, values,
capacities, locks, groups and one-to-one customers. Everything is vectorised; the per-class
eligibility is expanded to customers in bounded chunks (:func:`_expand_pairs`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from allocator.bounds import totals_problem
from allocator.contract import parse_id_list
from allocator.errors import InputError, InputIssue
from allocator.instance import Instance
from allocator.policy import Policy
from allocator.problem import Problem
from allocator.rules import (
    BranchTable,
    ClassPairs,
    ClassTable,
    RmTable,
    assign_tiers,
    build_classes,
    eligible_class_pairs,
    index_of,
    pair_is_eligible,
)

Ints = npt.NDArray[np.int64]

# lock states per customer
LOCK_NONE, LOCK_HELD, LOCK_BROKEN = 0, 1, 2


@dataclass(frozen=True)
class Compiled:
    """A problem together with what the plan needs to speak about it.

    Attributes
    ----------
    problem : Problem
        What the backends solve.
    instance, policy
        What it was compiled from.
    tiers : pandas.DataFrame
        :func:`~allocator.rules.assign_tiers` of the customers.
    branches, rms, classes, class_pairs
        The flat tables eligibility was computed from (for reasons and explanations).
    current_rm : numpy.ndarray of int64
        Today's RM index per customer (-1: none, or an id no longer in rms.csv).
    departed : numpy.ndarray of bool
        Today's RM has left (its id is not in rms.csv) or is inactive.
    handover_branch : numpy.ndarray of int64
        Under ``continuity.handover: same_outlet_first``, the branch where a departed RM's
        customer should find its next RM first (the leaver's branch; the customer's own when
        the leaver's row is gone), else -1.
    lock_state : numpy.ndarray of int64
        ``LOCK_NONE``, ``LOCK_HELD`` (kept today's RM) or ``LOCK_BROKEN`` (locked, but today's RM
        is inactive or no longer eligible: allocated like any other customer).
    """

    problem: Problem
    instance: Instance
    policy: Policy
    tiers: pd.DataFrame
    branches: BranchTable
    rms: RmTable
    classes: ClassTable
    class_pairs: ClassPairs
    current_rm: Ints
    lock_state: Ints
    departed: npt.NDArray[np.bool_]
    handover_branch: Ints


def weight_scale(workloads: npt.NDArray[np.float64]) -> int:
    """The smallest power of ten that makes every workload an integer (workloads are points
    like 8, 2, 1 in policy v1, but a user may set 1.5)."""
    for scale in (1, 10, 100, 1000, 10000):
        scaled = workloads * scale
        if np.allclose(scaled, np.round(scaled), atol=1e-9):
            return scale
    return 10000


def compile_problem(
    instance: Instance,
    policy: Policy,
    *,
    hint: pd.Series | None = None,
) -> Compiled:
    """Compile ``instance`` under ``policy``.

    Parameters
    ----------
    instance
        A validated instance (:func:`allocator.validation.load_instance`).
    policy
        The effective policy.
    hint
        Optional warm start: a Series customer_id -> rm_id (e.g. a previous plan). Without it the
        hint is today's book wherever today's RM is still eligible.

    Raises
    ------
    InputError
        When locks conflict with each other (two on a one-to-one RM, members of one group locked
        to different RMs, locked workload above an RM's capacity); the issues name the rows.
    """
    customers = instance.customers
    tiers = assign_tiers(customers, policy)
    branches = BranchTable.build(instance.branches, policy)
    rms = RmTable.build(instance.rms, branches, policy)
    classes = build_classes(customers, tiers, branches, rms, policy)
    cpairs = eligible_class_pairs(classes, rms, branches, policy)

    n = len(customers)
    # expand class pairs to customers: pairs of class k are cpairs[start[k]:start[k]+count[k]]
    class_count = np.bincount(cpairs.k, minlength=classes.n).astype(np.int64)
    class_start = np.cumsum(class_count) - class_count
    cls_of = classes.class_of

    current_rm = index_of(rms.ids, rms.index, customers["current_rm_id"])
    forbid_c, forbid_r = forbidden_pairs(customers, rms)
    # a customer's pairs are its class's pairs, so today's RM is keepable exactly when the
    # (class, RM) pair is eligible (looked up in the class table, not in the expanded pairs) and
    # the customer does not forbid it
    keepable = pair_is_eligible(cls_of, current_rm, cpairs, rms.ids.shape[0])
    keepable &= ~_is_pair(np.arange(n), current_rm, forbid_c, forbid_r, rms.ids.shape[0])
    current = np.where(keepable, current_rm, -1)

    locked = customers["locked"].to_numpy(dtype=bool) & policy.rules.locks
    lock_state = np.where(locked, np.where(current >= 0, LOCK_HELD, LOCK_BROKEN), LOCK_NONE)
    lock_state = np.where(locked & (cls_of < 0), LOCK_BROKEN, lock_state)  # pooled: no RM at all
    held = lock_state == LOCK_HELD
    # customers of a move-only-on-departure tier whose RM is still theirs can only stay
    stay_put = (current >= 0) & np.isin(
        tiers["tier"].to_numpy(dtype=object), policy.continuity.move_only_on_departure
    )
    pinned = held | stay_put
    pc, pr, n_pairs_of = _expand_pairs(cls_of, class_start, class_count, cpairs.r, pinned, current)
    if forbid_c.size:
        keep = ~_is_pair(pc, pr, forbid_c, forbid_r, rms.ids.shape[0])
        pc, pr = pc[keep], pr[keep]
        n_pairs_of = np.bincount(pc, minlength=n).astype(np.int64)
    alone = pinned | np.isin(np.arange(n), forbid_c)  # pairs of their own, not their class's

    workload = tiers["workload"].to_numpy(dtype=float)
    scale = weight_scale(workload[cls_of >= 0]) if (cls_of >= 0).any() else 1
    # no overflow below: validation and the policy bound each number, and the totals are
    # checked before any integer is formed from them (allocator.bounds gives the proof)
    _check_totals(instance, workload * scale, rms.capacity * scale, tiers["priority"], cls_of)
    w_int = np.round(workload * scale).astype(np.int64)
    capacity = np.floor(rms.capacity * scale + 1e-9).astype(np.int64)
    priority = tiers["priority"].to_numpy(dtype=np.int64)

    group = _group_index(customers, cls_of, policy)
    exclusive = np.zeros(n, dtype=bool)
    exclusive[cls_of >= 0] = classes.one_to_one[cls_of[cls_of >= 0]]

    _check_lock_conflicts(instance, held, current, w_int, capacity, group, exclusive, rms)

    hint_idx = current.astype(np.int32)
    if hint is not None:
        mapped = customers["customer_id"].map(hint).fillna("")
        hint_idx = index_of(rms.ids, rms.index, mapped).astype(np.int32)

    departed, handover = _departures(customers, current_rm, rms, branches, policy)
    problem = Problem(
        customer_ids=customers["customer_id"].to_numpy(dtype=object),
        rm_ids=rms.ids,
        pair_customer=pc,
        pair_rm=pr,
        pair_weight=np.repeat(w_int, n_pairs_of),  # == w_int[pc], without a gather per pair
        pair_value=np.repeat(priority, n_pairs_of),
        capacity=capacity,
        required=held,
        group=group,
        exclusive=exclusive,
        current=current.astype(np.int32),
        hint=hint_idx,
        klass=np.where(alone, -1, cls_of).astype(np.int32),
        weight_scale=scale,
        stages=tuple(policy.objective),
        move_cap=move_caps(current, w_int, capacity, policy.continuity.max_moved_share),
    )
    return Compiled(
        problem=problem,
        instance=instance,
        policy=policy,
        tiers=tiers,
        branches=branches,
        rms=rms,
        classes=classes,
        class_pairs=cpairs,
        current_rm=current_rm,
        lock_state=lock_state,
        departed=departed,
        handover_branch=handover,
    )


#: pairs expanded per step in :func:`_expand_pairs` (bounds the int64 temporaries to ~64 MB)
_EXPAND_CHUNK = 8_000_000


def _expand_pairs(
    cls_of: Ints,
    class_start: Ints,
    class_count: Ints,
    class_rm: Ints,
    held: npt.NDArray[np.bool_],
    current: Ints,
) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.int32], Ints]:
    """Eligible (customer, RM) pairs, sorted by customer then RM, as int32 arrays, and the
    number of pairs of each customer.

    A customer's pairs are its class's pairs (``class_rm[class_start[k]:][:class_count[k]]``,
    sorted by RM); a held lock keeps only today's RM. At 10^6 customers there are ~10^8 pairs,
    so the arrays are written straight in their final dtype and the int64 positions are made
    in bounded chunks instead of all at once (which tripled the peak memory of compile).
    """
    n = cls_of.shape[0]
    has = cls_of >= 0
    count = np.zeros(n, dtype=np.int64)
    start = np.zeros(n, dtype=np.int64)
    if class_count.size:
        count[has] = class_count[cls_of[has]]
        start[has] = class_start[cls_of[has]]
    count[held] = 1  # a held customer has a class (its RM is eligible): one pair, filled below
    ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(count, out=ptr[1:])
    total = int(ptr[-1])
    pc = np.repeat(np.arange(n, dtype=np.int32), count)
    pr = np.empty(total, dtype=np.int32)
    rm32 = class_rm.astype(np.int32)
    offset = start - ptr[:-1]  # pair p of customer c is class pair p + offset[c]
    # chunks of whole customers; np.repeat of per-customer values is much faster than a gather
    # indexed by pair (``offset[pc]``)
    steps = np.arange(0, total, _EXPAND_CHUNK)
    bounds = np.unique(np.searchsorted(ptr, steps, side="right") - 1).tolist()
    for c0, c1 in zip(bounds, [*bounds[1:], n], strict=False):
        lo, hi = int(ptr[c0]), int(ptr[c1])
        pos = np.repeat(offset[c0:c1], count[c0:c1]) + np.arange(lo, hi, dtype=np.int64)
        pr[lo:hi] = rm32[pos]
    pr[ptr[:-1][held]] = current[held]
    return pc, pr, count


def _departures(
    customers: pd.DataFrame, current_rm: Ints, rms: RmTable, branches: BranchTable, policy: Policy
) -> tuple[npt.NDArray[np.bool_], Ints]:
    """Who lost today's RM to a departure, and where a hand-over should look first."""
    named = customers["current_rm_id"].to_numpy(dtype=object) != ""
    gone = current_rm < 0
    inactive = ~gone & ~rms.active[np.maximum(current_rm, 0)] if rms.ids.size else gone
    departed = named & (gone | inactive)
    if policy.continuity.handover != "same_outlet_first" or not departed.any():
        return departed, np.full(len(customers), -1, dtype=np.int64)
    own = index_of(branches.ids, branches.index, customers["branch_id"])
    leaver = np.where(gone, -1, rms.branch[np.maximum(current_rm, 0)]) if rms.ids.size else own
    home = np.where(leaver >= 0, leaver, own)
    return departed, np.where(departed, home, -1).astype(np.int64)


def forbidden_pairs(customers: pd.DataFrame, rms: RmTable) -> tuple[Ints, Ints]:
    """(customer, RM) index pairs named in ``forbid_rm_ids`` (ids not in rms.csv are ignored:
    a forbidden leaver serves nobody anyway)."""
    if "forbid_rm_ids" not in customers.columns:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    cells = customers["forbid_rm_ids"].to_numpy(dtype=object)
    rows = np.flatnonzero(cells != "")
    if rows.size == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    lists = [parse_id_list(cells[i]) for i in rows]
    cust = np.repeat(rows, [len(ids) for ids in lists]).astype(np.int64)
    rm = index_of(rms.ids, rms.index, [r for ids in lists for r in ids])
    return cust[rm >= 0], rm[rm >= 0]


def _is_pair(
    customer: npt.NDArray[np.integer],
    rm: npt.NDArray[np.integer],
    set_c: Ints,
    set_r: Ints,
    n_rms: int,
) -> npt.NDArray[np.bool_]:
    """Whether each (customer, rm) is one of the pairs (set_c, set_r)."""
    if set_c.size == 0:
        return np.zeros(customer.shape[0], dtype=bool)
    width = n_rms + 1
    keys = np.sort(set_c.astype(np.int64) * width + set_r)
    want = customer.astype(np.int64) * width + rm
    pos = np.minimum(np.searchsorted(keys, want), keys.size - 1)
    return (keys[pos] == want) & (rm >= 0)


def move_caps(current: Ints, weight: Ints, capacity: Ints, share: float | None) -> Ints | None:
    """Per RM, how many of today's customers may be *moved* away (``-1``: no cap), under
    ``continuity.max_moved_share`` (contract v1.1): ``ceil(share x customers who could stay)``
    plus the fewest whose leaving brings the RM within capacity (its heaviest first)."""
    if share is None:
        return None
    n_rms = capacity.shape[0]
    stays = np.flatnonzero(current >= 0)
    rm, w = current[stays].astype(np.int64), weight[stays]
    count = np.bincount(rm, minlength=n_rms)
    load = np.bincount(rm, weights=w, minlength=n_rms).astype(np.int64)
    excess = load - capacity
    order = np.lexsort((-w, rm))  # by RM, heaviest first
    rm_s, w_s = rm[order], w[order]
    before = np.cumsum(w_s) - w_s  # workload removed before each, within its RM
    first = np.searchsorted(rm_s, rm_s)  # position of the RM's first customer
    before -= (np.cumsum(w_s) - w_s)[first]
    forced = np.bincount(rm_s[before < excess[rm_s]], minlength=n_rms)
    caps = np.ceil(share * count - 1e-9).astype(np.int64) + np.where(excess > 0, forced, 0)
    return caps.astype(np.int64)


def _group_index(customers: pd.DataFrame, cls_of: Ints, policy: Policy) -> npt.NDArray[np.int32]:
    """Group index of customers in groups of two or more that get RMs; -1 otherwise."""
    n = len(customers)
    out = np.full(n, -1, dtype=np.int32)
    if not policy.rules.groups_share_rm:
        return out
    gid = customers["group_id"].to_numpy(dtype=object)
    member = (gid != "") & (cls_of >= 0)
    if not member.any():
        return out
    codes, _ = pd.factorize(gid[member])
    sizes = np.bincount(codes)
    real = sizes[codes] >= 2
    _, dense = np.unique(codes[real], return_inverse=True)
    idx = np.flatnonzero(member)
    out[idx[real]] = dense.astype(np.int32)
    return out


def _check_totals(
    instance: Instance,
    weight: npt.NDArray[np.float64],
    capacity: npt.NDArray[np.float64],
    priority: pd.Series,
    cls_of: Ints,
) -> None:
    """Refuse a bank whose scaled totals are beyond exact integer arithmetic
    (:func:`allocator.bounds.totals_problem`)."""
    served = cls_of >= 0
    values = priority.to_numpy(dtype=np.float64)[served]
    problem = totals_problem(weight[served], np.nan_to_num(capacity), values)
    if problem:
        label = instance.label("customers" if "capacity" not in problem else "rms")
        raise InputError([InputIssue(label, None, None, None, problem)])


def _check_lock_conflicts(
    instance: Instance,
    held: npt.NDArray[np.bool_],
    current: Ints,
    weight: Ints,
    capacity: Ints,
    group: npt.NDArray[np.int32],
    exclusive: npt.NDArray[np.bool_],
    rms: RmTable,
) -> None:
    """Held locks that cannot all be honoured make the input invalid; name every row."""
    issues: list[InputIssue] = []
    rows = np.flatnonzero(held)
    if rows.size == 0:
        return
    customers = instance.customers
    ids = customers["customer_id"].to_numpy(dtype=object)
    label = instance.label("customers")  # the file as the user named it (customers.csv)

    def line(row: int) -> int:  # the spreadsheet row, skipped empty rows counted
        return instance.row_number("customers", int(row))

    def issue(row: int, column: str, message: str) -> InputIssue:
        value = customers[column].iat[row]
        text = str(value).lower() if isinstance(value, (bool, np.bool_)) else str(value)
        return InputIssue(label, line(row), column, text, message)

    frame = pd.DataFrame({"row": rows, "rm": current[rows], "w": weight[rows]})
    frame["unit"] = np.where(group[rows] >= 0, group[rows].astype(np.int64), -1 - rows)
    frame["excl"] = exclusive[rows]
    # only the RMs (and below, groups) that break a rule reach the per-row loop
    per_rm = frame.groupby("rm").agg(
        w=("w", "sum"), excl=("excl", "any"), units=("unit", "nunique")
    )
    rm_keys = per_rm.index.to_numpy(dtype=np.int64)
    bad_rm = (per_rm["w"].to_numpy() > capacity[rm_keys]) | (
        per_rm["excl"].to_numpy(dtype=bool) & (per_rm["units"].to_numpy() > 1)
    )
    for _, part in frame[frame["rm"].isin(rm_keys[bad_rm])].groupby("rm"):
        rm = int(part["rm"].to_numpy()[0])
        rm_id = rms.ids[rm]
        total = int(part["w"].sum())
        if total > capacity[rm]:
            names = ", ".join(f"row {line(r)}" for r in part["row"])
            for r in part["row"]:
                issues.append(
                    issue(
                        r, "locked", f"locked workload on RM {rm_id} exceeds its capacity ({names})"
                    )
                )
        if part["excl"].any() and part["unit"].nunique() > 1:
            names = ", ".join(f"row {line(r)} ({ids[r]})" for r in part["row"])
            for r in part["row"]:
                issues.append(
                    issue(r, "locked", f"locks conflict on one-to-one RM {rm_id}: {names}")
                )
    grouped = frame[frame["unit"] >= 0]
    spread = grouped.groupby("unit")["rm"].nunique()
    grouped = grouped[grouped["unit"].isin(spread.index[spread.to_numpy() > 1])]
    for _, part in grouped.groupby("unit"):
        if part["rm"].nunique() > 1:
            names = ", ".join(
                f"row {line(r)} -> {rms.ids[m]}"
                for r, m in zip(part["row"], part["rm"], strict=True)
            )
            for r in part["row"]:
                issues.append(
                    issue(
                        r,
                        "current_rm_id",
                        f"members of group {customers['group_id'].iat[r]} are locked to "
                        f"different RMs: {names}",
                    )
                )
    if issues:
        raise InputError(issues)
