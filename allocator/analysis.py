"""Explanations of one customer's assignment: the rules that bound and the alternatives.

A service over what a plan is made of -- the compiled problem and the assignment -- not over the
:class:`~allocator.plan.Plan` itself, so the plan can offer ``explain`` without an import cycle.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from allocator.compile import Compiled
from allocator.reasons import pair_reason, units_text
from allocator.rules import FUNNEL_STAGES, combined_requirements

#: how many ineligible RMs in the customer's branch line to list with the rule each breaks
MAX_INELIGIBLE = 10
#: alternatives listed by default: the closest ten; the rest on demand (``limit=None``)
DEFAULT_ALTERNATIVES = 10


def explain(
    compiled: Compiled,
    assignments: pd.DataFrame,
    assignment: npt.NDArray[np.int64],
    customer_id: str,
    *,
    limit: int | None = None,
) -> dict[str, Any]:
    """Why one customer landed with its RM, or nowhere (see :meth:`allocator.plan.Plan.explain`).

    Alternatives come closest first -- the chosen RM, then eligible RMs with room for the
    customer, nearest in the branch tree, least loaded -- then the ineligible RMs nearby with
    the rule each breaks. A branch head asks "who else could have served this customer": in a
    bank of 190 RMs, id order buries the answer. ``alternatives_total`` counts them all;
    ``limit`` cuts the list (``None``: every one).

    Parameters
    ----------
    compiled
        The compiled problem the plan solves.
    assignments
        The plan table (one row per customer, in compiled order).
    assignment
        The RM index per customer (-1: none).
    customer_id
        Whom to explain.
    limit
        Most alternatives listed (closest first); ``None`` for all.

    Raises
    ------
    KeyError
        For an unknown customer id.
    """
    p = compiled.problem
    ids = p.customer_ids
    hits = np.flatnonzero(ids == customer_id)
    if hits.size == 0:
        raise KeyError(customer_id)
    c = int(hits[0])
    row = assignments.iloc[c]
    tiers = compiled.tiers.iloc[c]
    out: dict[str, Any] = {
        "customer_id": customer_id,
        "rm_id": row["rm_id"],
        "tier": row["tier"],
        "status": row["status"],
        "reason": row["reason"],
        "previous_rm_id": row["previous_rm_id"],
        "locked": bool(compiled.instance.customers["locked"].iat[c]),
        "workload": float(tiers["workload"]),
        "priority": int(tiers["priority"]),
    }
    k = int(compiled.classes.class_of[c])
    if k < 0:
        out["rules"] = ["pooled tier: served by pools and channels, not by one RM"]
        out["alternatives"] = []
        out["alternatives_total"] = 0
        return out
    req = combined_requirements(compiled.policy, str(tiers["base_tier"]), str(tiers["band"]))
    out["rules"] = _rule_texts(compiled, c, req)
    out["funnel"] = {
        stage: int(compiled.class_pairs.funnel[stage].to_numpy()[k]) for stage in FUNNEL_STAGES
    }
    loads = p.loads(assignment) / p.weight_scale
    cap = p.capacity / p.weight_scale
    w = float(tiers["workload"])
    alternatives = []
    sl = p.pairs_of(c)
    assigned = int(assignment[c])
    distance = _distances(compiled, k)
    for r in p.pair_rm[sl]:
        r = int(r)
        room = float(cap[r] - loads[r]) + (w if r == assigned else 0.0)
        alternatives.append(
            {
                "rm_id": p.rm_ids[r],
                "eligible": True,
                "chosen": r == assigned,
                "load": float(loads[r]),
                "capacity": float(cap[r]),
                "room": room,
                "distance": distance(r),
                "why_not": ""
                if r == assigned
                else ("full" if room < w else "another RM was better for the plan as a whole"),
            }
        )

    def closeness(alt: dict[str, Any]) -> tuple[bool, bool, int, float, str]:
        after = (alt["load"] + w) / alt["capacity"] if alt["capacity"] else float("inf")
        return (not alt["chosen"], alt["room"] < w, alt["distance"], after, alt["rm_id"])

    alternatives.sort(key=closeness)
    nearby = _ineligible_nearby(compiled, c, k)
    for alt in nearby:
        alt["distance"] = distance(compiled.rms.index[alt["rm_id"]])
    nearby.sort(key=lambda alt: (alt["distance"], alt["rm_id"]))
    every = alternatives + nearby
    out["alternatives_total"] = len(every)
    out["alternatives"] = every if limit is None else every[:limit]
    return out


def _distances(compiled: Any, k: int) -> Any:
    """Branch levels from the customer's branch up to an RM's (0: the same branch)."""
    anc = compiled.branches.ancestors[compiled.classes.branch[k]]
    steps = {int(b): i for i, b in enumerate(anc) if b >= 0}
    far = len(anc)
    return lambda r: steps.get(int(compiled.rms.branch[r]), far)


def _rule_texts(compiled: Any, c: int, req: Any) -> list[str]:
    policy = compiled.policy
    cust = compiled.instance.customers.iloc[c]
    texts = [f"an active {cust['segment']} RM"]
    if policy.rules.branch_scope:
        texts.append(f"sitting at {cust['branch_id']} or a branch above it")
    if req.units:
        texts.append(f"working in the {units_text(frozenset(req.units))}")
    if req.certifications:
        texts.append(f"holding {' and '.join(req.certifications)}")
    if req.min_grade:
        texts.append(f"of grade {req.min_grade} or higher")
    if req.min_branch_level:
        texts.append(f"at a {req.min_branch_level.replace('_', ' ')}-level branch or higher")
    if req.one_to_one and policy.rules.one_to_one:
        texts.append("serving no customer outside the customer's group (one-to-one)")
    if compiled.problem.group[c] >= 0:
        texts.append(f"shared by every member of group {cust['group_id']} that gets an RM")
    texts.append("with room for the customer's workload")
    return texts


def _ineligible_nearby(compiled: Any, c: int, k: int) -> list[dict[str, Any]]:
    """RMs of the customer's line at its branch or above that the rules exclude, and why."""
    rms, br, cls = compiled.rms, compiled.branches, compiled.classes
    anc = br.ancestors[cls.branch[k]]
    anc = anc[anc >= 0]
    near = np.flatnonzero(np.isin(rms.branch, anc) & (rms.line == cls.line[k]))
    eligible = set(compiled.problem.pair_rm[compiled.problem.pairs_of(c)].tolist())
    out = []
    for r in near:
        if int(r) in eligible:
            continue
        out.append(
            {
                "rm_id": rms.ids[r],
                "eligible": False,
                "chosen": False,
                "why_not": pair_reason(compiled, c, int(r)),
            }
        )
        if len(out) >= MAX_INELIGIBLE:
            break
    return out
