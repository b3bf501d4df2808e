"""Recommend RMs for one new customer: the k best eligible RMs with room, and why.

A branch opening an account wants an answer now, not a re-allocation: the customer is compiled
alone against the bank's RMs (same rules as the batch), and the eligible RMs are ranked by room
for the customer's workload, closeness in the branch tree, and load after taking it.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from allocator.compile import compile_problem
from allocator.contract import CUSTOMER_OPTIONAL, SEGMENTS
from allocator.errors import InputError, InputIssue
from allocator.instance import Instance
from allocator.policy import Policy, load_policy
from allocator.reasons import UNIT_NAMES, funnel_reason
from allocator.rules import assign_tiers

if TYPE_CHECKING:
    from allocator.plan import Plan


def recommend(
    instance: Instance,
    customer: Mapping[str, Any],
    k: int = 3,
    *,
    policy: Policy | Mapping[str, Any] | str | Path | None = None,
    plan: Plan | None = None,
) -> list[dict[str, Any]]:
    """The ``k`` best RMs for one new customer.

    Parameters
    ----------
    instance
        The bank (its RMs and branches are used; its customers give today's loads).
    customer
        Contract v1 fields of the new customer (``segment``, ``branch_id``, ``aum``,
        ``annual_contribution``, optional ``list_tier``, ``group_id``).
    k
        How many RMs to return (at most).
    policy
        The policy (default v1).
    plan
        A plan of the bank; when given, RM loads come from it, otherwise from today's book.

    Returns
    -------
    list of dict
        Best first: rm_id, branch_id, unit, grade, load, capacity, room, utilisation_after,
        fits (room for the workload), distance (branch levels between customer and RM) and
        reasons (plain sentences). Empty when no RM is eligible; then the single entry
        ``{"rm_id": None, "reason": ...}`` says why.

    Raises
    ------
    InputError
        When the customer's fields are invalid (every problem listed).
    """
    pol = load_policy(policy)
    row = _customer_row(customer, instance)
    one = instance.replace(customers=row)
    compiled = compile_problem(one, pol)
    p = compiled.problem
    sl = p.pairs_of(0)
    tier = compiled.tiers.iloc[0]
    if bool(tier["pooled"]):
        return [{"rm_id": None, "reason": f"tier {tier['tier']} is pooled: no individual RM"}]
    rms_idx = p.pair_rm[sl]
    if rms_idx.size == 0:
        _, text = funnel_reason(compiled, int(compiled.classes.class_of[0]))
        return [{"rm_id": None, "reason": text}]
    loads, dedicated = _loads(instance, pol, plan, compiled)
    exclusive = bool(p.exclusive[0])
    cap = compiled.rms.capacity
    w = float(tier["workload"])
    br = compiled.branches
    cust_branch = br.index[str(row["branch_id"].iat[0])]
    anc = list(br.ancestors[cust_branch])
    out = []
    for r in rms_idx:
        r = int(r)
        rm_branch = int(compiled.rms.branch[r])
        distance = anc.index(rm_branch) if rm_branch in anc else len(anc)
        room = float(cap[r] - loads[r])
        fits = room >= w and not dedicated[r] and not (exclusive and loads[r] > 0)
        after = float((loads[r] + w) / cap[r]) if cap[r] > 0 else float("inf")
        rm = instance.rms.iloc[r]
        reasons = [
            f"eligible for a {tier['tier']} customer",
            f"works in the {UNIT_NAMES.get(rm['unit'], rm['unit'])} at {rm['branch_id']}"
            + (" (the customer's own branch)" if distance == 0 else f" ({distance} level(s) up)"),
            f"{room:g} workload points free of {cap[r]:g}"
            + ("" if room >= w else f": not enough for this customer's {w:g}"),
        ]
        if dedicated[r]:
            reasons.append("already dedicated one-to-one to a key customer")
        elif exclusive and loads[r] > 0:
            reasons.append("already serves other customers; this customer needs a dedicated RM")
        if rm["certifications"]:
            reasons.append(f"holds {rm['certifications'].replace(';', ', ')}")
        out.append(
            {
                "rm_id": str(rm["rm_id"]),
                "branch_id": str(rm["branch_id"]),
                "unit": str(rm["unit"]),
                "grade": str(rm["grade"]),
                "load": float(loads[r]),
                "capacity": float(cap[r]),
                "room": room,
                "utilisation_after": after,
                "fits": bool(fits),
                "distance": distance,
                "reasons": reasons,
            }
        )
    out.sort(key=lambda d: (not d["fits"], d["distance"], d["utilisation_after"], d["rm_id"]))
    return out[: max(k, 0)]


def _customer_row(customer: Mapping[str, Any], instance: Instance) -> pd.DataFrame:
    """One normalised customer row, validated field by field."""
    issues: list[InputIssue] = []

    def bad(column: str, value: Any, message: str) -> None:
        issues.append(
            InputIssue("customer", None, column, None if value is None else str(value), message)
        )

    segment = str(customer.get("segment", ""))
    if segment not in SEGMENTS:
        bad("segment", customer.get("segment"), f"must be one of {list(SEGMENTS)}")
    branch = str(customer.get("branch_id", ""))
    if branch not in set(instance.branches["branch_id"]):
        bad("branch_id", customer.get("branch_id"), "unknown branch")
    numbers = {}
    for col in ("aum", "annual_contribution"):
        raw = customer.get(col, 0)
        try:
            val = float(raw)
        except (TypeError, ValueError):
            bad(col, raw, "must be a number >= 0")
            continue
        if not np.isfinite(val) or val < 0:
            bad(col, raw, "must be a number >= 0")
        numbers[col] = val
    if issues:
        raise InputError(issues)
    data: dict[str, Any] = {
        "customer_id": str(customer.get("customer_id") or "NEW"),
        "segment": segment,
        "branch_id": branch,
        **numbers,
    }
    for col in CUSTOMER_OPTIONAL:
        data[col] = False if col == "locked" else str(customer.get(col) or "")
    data["current_rm_id"] = ""
    data["locked"] = False
    return pd.DataFrame([data])


def _loads(
    instance: Instance, policy: Policy, plan: Plan | None, compiled: Any
) -> tuple[np.ndarray, np.ndarray]:
    """Workload points per RM (in the order of instance.rms), and whether each RM is dedicated
    one-to-one: from the plan, or else from today's book."""
    index = compiled.rms.index
    if plan is not None:
        rm = plan.assignments["rm_id"].to_numpy(dtype=object)
        tiers = plan.compiled.tiers
    else:
        rm = instance.customers["current_rm_id"].to_numpy(dtype=object)
        tiers = assign_tiers(instance.customers, policy)
    pooled = tiers["pooled"].to_numpy(dtype=bool)
    w = np.where(pooled, 0.0, tiers["workload"].to_numpy(dtype=float))
    one_to_one = {n for n, t in policy.tiers.items() if t.one_to_one}
    one_to_one |= {n for n, b in policy.bands.items() if b.one_to_one}
    excl = tiers["tier"].isin(one_to_one).to_numpy() & policy.rules.one_to_one
    idx = np.array([index.get(x, -1) if x else -1 for x in rm], dtype=np.int64)
    keep = (idx >= 0) & ~pooled
    loads = np.bincount(idx[keep], weights=w[keep], minlength=len(index))
    dedicated = np.zeros(len(index), dtype=bool)
    dedicated[idx[keep & excl]] = True
    return loads, dedicated
