"""Move review: a plan's moves, and the bank a re-solve with the reviewers' decisions runs on.

A *move* is a customer whose RM in the plan is not today's RM (moved, reassigned, a new RM, or
an RM lost). Reviewers accept or reject moves; "re-solve with my decisions" then solves a
*derived* bank in which

- an accepted move is pinned: the customer's ``current_rm_id`` becomes the accepted RM and
  ``locked`` holds it there;
- a rejected move is forbidden: the proposed RM joins the customer's ``forbid_rm_ids``, and the
  customer is locked to today's RM -- where the rules allow: a lock that conflicts with others
  (today's RM is over capacity with every rejected customer back, say) is dropped, and the
  customer is then allocated like any other, minus the RM it was refused.

The derived bank says "today" is the accepted RM, so the re-solved plan would call an accepted
move ``kept``. :func:`restate` puts the plan back in terms of the real book (the accepted
customer's previous RM, status and reason as reviewed), so the plan a branch head reads, and the
history written when it takes effect, are about what really changes.

Pure functions over frames: no database, no HTTP.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from allocator.compile import compile_problem
from allocator.errors import InputError
from allocator.instance import Instance
from allocator.policy import Policy

#: columns of a plan's move list, in order
MOVE_COLUMNS = (
    "customer_id",
    "branch_id",
    "tier",
    "status",
    "from_rm_id",
    "to_rm_id",
    "reason",
    "reason_code",
)
ACCEPT, REJECT = "accept", "reject"


def _text(series: pd.Series) -> pd.Series:
    return series.fillna("").astype(str)


def moves(plan: pd.DataFrame, customers: pd.DataFrame) -> pd.DataFrame:
    """The customers whose RM the plan changes, with their home branch (plan order).

    Parameters
    ----------
    plan
        The plan table (``customer_id, rm_id, tier, status, reason, reason_code,
        previous_rm_id``).
    customers
        The bank's customers (for ``branch_id``).
    """
    before, after = _text(plan["previous_rm_id"]), _text(plan["rm_id"])
    changed = plan[(before != after).to_numpy()]
    branch = customers.set_index("customer_id")["branch_id"]
    out = pd.DataFrame(
        {
            "customer_id": _text(changed["customer_id"]),
            "branch_id": _text(changed["customer_id"].map(branch)),
            "tier": _text(changed["tier"]),
            "status": _text(changed["status"]),
            "from_rm_id": _text(changed["previous_rm_id"]),
            "to_rm_id": _text(changed["rm_id"]),
            "reason": _text(changed["reason"]),
            "reason_code": _text(changed.get("reason_code", pd.Series("", index=changed.index))),
        }
    )
    return out.reset_index(drop=True)


@dataclass(frozen=True)
class Derived:
    """A re-solve's bank and what became of the reviewers' decisions.

    Attributes
    ----------
    instance
        The derived bank.
    pinned
        Accepted moves: customer id -> the accepted RM.
    refused
        Rejected moves: customer id -> the refused RM.
    unlocked
        Rejected customers whose lock on today's RM would have broken another rule (allocated
        freely, minus the refused RM).
    """

    instance: Instance
    pinned: dict[str, str]
    refused: dict[str, str]
    unlocked: list[str]


def _apply(
    baseline: Instance,
    accepted: Mapping[str, str],
    rejected: Mapping[str, str],
    unlock: set[str],
) -> Instance:
    c = baseline.customers.copy()
    position = pd.Series(np.arange(len(c)), index=c["customer_id"].astype(str))
    current = c["current_rm_id"].to_numpy(dtype=object).copy()
    locked = c["locked"].to_numpy(dtype=bool).copy()
    forbid = c["forbid_rm_ids"].fillna("").astype(str).to_numpy(dtype=object).copy()
    for customer_id, rm_id in accepted.items():
        i = int(position[customer_id])
        current[i], locked[i] = rm_id, bool(rm_id)
    for customer_id, rm_id in rejected.items():
        i = int(position[customer_id])
        if rm_id:
            ids = [x for x in str(forbid[i]).split(";") if x]
            forbid[i] = ";".join(dict.fromkeys([*ids, rm_id]))
        locked[i] = bool(current[i]) and customer_id not in unlock
    c["current_rm_id"], c["locked"], c["forbid_rm_ids"] = current, locked, forbid
    return baseline.replace(customers=c)


def derive(
    baseline: Instance,
    policy: Policy,
    accepted: Mapping[str, str],
    rejected: Mapping[str, str],
) -> Derived:
    """The bank to re-solve: ``baseline`` with accepted moves pinned and rejected ones refused.

    Raises
    ------
    allocator.errors.InputError
        When the pins themselves conflict (decisions taken on different plans of a chain); the
        issues name the rows.
    """
    unlock: set[str] = set()
    ids = baseline.customers["customer_id"].astype(str).to_numpy()
    for _ in range(3):
        instance = _apply(baseline, accepted, rejected, unlock)
        try:
            compile_problem(instance, policy)
        except InputError as exc:
            named = {ids[i.row - 2] for i in exc.issues if i.row is not None and i.row >= 2}
            newly = (named & set(rejected)) - unlock
            if not newly:
                raise
            unlock |= newly
            continue
        return Derived(instance, dict(accepted), dict(rejected), sorted(unlock))
    raise AssertionError("unreachable: every round unlocks at least one customer")


def restate(
    plan: pd.DataFrame,
    kpis: dict[str, Any],
    accepted: Mapping[str, Mapping[str, str]],
    rejected: Mapping[str, str],
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """A re-solved plan in terms of the real book (see the module docstring).

    Parameters
    ----------
    plan, kpis
        The re-solved plan's table and KPIs.
    accepted
        Customer id -> the reviewed move (``to_rm_id``, ``from_rm_id``, ``status``, ``reason``,
        ``reason_code``).
    rejected
        Customer id -> the refused RM.
    """
    out = plan.copy()
    ids = out["customer_id"].astype(str)
    rm = _text(out["rm_id"])
    for customer_id, move in accepted.items():
        hit = ((ids == customer_id) & (rm == move["to_rm_id"])).to_numpy()
        if not hit.any():
            continue
        out.loc[hit, "previous_rm_id"] = move["from_rm_id"]
        out.loc[hit, "status"] = move["status"]
        out.loc[hit, "reason"] = f"{move['reason']} (move accepted in review)"
        if "reason_code" in out.columns:
            out.loc[hit, "reason_code"] = move["reason_code"]
    for customer_id, refused in rejected.items():
        hit = ((ids == customer_id) & (rm != refused) & (out["status"] == "kept")).to_numpy()
        out.loc[hit, "reason"] = (
            f"kept with today's RM: the move to {refused} was rejected in review"
        )
    counts = out["status"].value_counts()
    kpis = dict(kpis)
    before = dict(kpis.get("status_counts") or {})
    kpis["status_counts"] = {
        status: int(counts.get(status, 0)) for status in before or counts.index
    }
    return out, kpis
