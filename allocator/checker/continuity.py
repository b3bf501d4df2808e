"""The quarterly re-allocation's hard rules (contract v1.1), checked independently: tiers never
moved, per-RM move caps, and the hand-over of a departed RM's customers to the leaver's branch.

Each is re-derived from the input and the policy with plain code, like every rule here: today's
RM is "still theirs" when it is known, active and eligible (``current_ok``, which counts the
customer's ``forbid_rm_ids``), a customer is *moved* when it has an RM other than that one.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from allocator.checker.context import CheckContext, violations_where
from allocator.checker.report import EPS, PAIR_RULES, Violation
from allocator.checker.rules import loads_of
from allocator.checker.tables import pair_failures


def _moved(rows: pd.DataFrame) -> pd.Series:
    return rows["has_rm"] & rows["current_ok"] & (rows["rm_id"] != rows["current_rm_id"])


def check_move_only_on_departure(ctx: CheckContext) -> list[Violation]:
    """move_only_on_departure: a customer of these tiers changes RM only when theirs has left,
    is inactive or no longer eligible -- never ``moved``."""
    tiers = ctx.policy.continuity.move_only_on_departure
    if not tiers:
        return []
    rows = ctx.rows
    return violations_where(
        rows,
        _moved(rows) & rows["expected_tier"].isin(tiers),
        "move_only_on_departure",
        lambda r: (
            f"tier {r.expected_tier!r} moves only when its RM leaves; "
            f"RM {r.current_rm_id!r} is still its own"
        ),
    )


def move_caps(ctx: CheckContext) -> pd.Series:
    """Per RM (by id), the most of its customers today that may be moved: ``ceil(share x
    customers who could stay)`` plus the fewest whose leaving brings it within capacity."""
    share = ctx.policy.continuity.max_moved_share
    rows = ctx.rows
    stay = rows[rows["current_ok"]]
    caps: dict[str, int] = {}
    capacity = ctx.rms["capacity"]
    for rm_id, part in stay.groupby("current_rm_id"):
        weights = sorted(part["workload"].tolist(), reverse=True)
        excess = sum(weights) - float(capacity.get(rm_id, 0.0))
        forced = 0
        while excess > EPS and forced < len(weights):
            excess -= weights[forced]
            forced += 1
        assert share is not None
        caps[str(rm_id)] = math.ceil(share * len(part) - 1e-9) + forced
    return pd.Series(caps, dtype=np.int64)


def check_move_caps(ctx: CheckContext) -> list[Violation]:
    """move_caps: under ``continuity.max_moved_share``, no RM loses more of today's customers
    to other RMs than its cap."""
    if ctx.policy.continuity.max_moved_share is None:
        return []
    rows = ctx.rows
    moved = rows[_moved(rows)].groupby("current_rm_id").size()
    caps = move_caps(ctx)
    out = []
    for rm_id, n in moved.items():
        cap = int(caps.get(rm_id, 0))
        if n > cap:
            out.append(
                Violation("move_caps", "", str(rm_id), f"{n} of its customers moved, cap {cap}")
            )
    return out


def _departed(ctx: CheckContext) -> pd.DataFrame:
    """Customers outside a group whose RM today has left (not in the RMs) or is inactive, with
    the branch where the hand-over looks first (the leaver's, else the customer's own)."""
    rows = ctx.rows
    named = rows["current_rm_id"] != ""
    known = rows["current_known"]
    active = rows["current_rm_id"].map(ctx.rms["active"]).fillna(False).astype(bool)
    departed = named & (~known | ~active) & rows["served"]
    served_members = rows[rows["served"] & (rows["group_id"] != "")]
    sizes = served_members.groupby("group_id").size()
    in_group = rows["group_id"].map(sizes).fillna(0).to_numpy() >= 2
    out = rows[departed.to_numpy() & ~in_group].copy()
    leaver_branch = out["current_rm_id"].map(ctx.rms["branch"])
    out["home"] = leaver_branch.where(leaver_branch.notna(), out["branch_id"]).astype(str)
    return out


def check_handover(ctx: CheckContext) -> list[Violation]:
    """handover: under ``continuity.handover: same_outlet_first``, a customer whose RM left or
    is inactive is served at the leaver's branch whenever an eligible RM there has room for it
    (room: its workload fits, the RM is not dedicated one-to-one to another customer, and for a
    one-to-one customer the RM serves nobody else)."""
    if ctx.policy.continuity.handover != "same_outlet_first":
        return []
    dep = _departed(ctx)
    if dep.empty:
        return []
    rm_branch = ctx.rms["branch"]
    placed_home = dep["has_rm"] & (dep["rm_id"].map(rm_branch) == dep["home"])
    dep = dep[~placed_home.to_numpy()]
    if dep.empty:
        return []
    rms_at = ctx.rms[ctx.rms["active"]].reset_index().groupby("branch")["rm_id"].apply(list)
    pairs = dep.assign(candidate=dep["home"].map(rms_at)).explode("candidate")
    pairs = pairs[pairs["candidate"].notna()]
    if pairs.empty:
        return []
    fails = pair_failures(pairs, "candidate", ctx.rms, ctx.policy, ctx.tree)
    pairs = pairs[~fails[list(PAIR_RULES)].any(axis=1).to_numpy()]
    loads = loads_of(ctx)
    room = loads["capacity"] - loads["load"]
    assigned = ctx.rows[ctx.rows["has_rm"]]
    key = assigned["group_id"].where(assigned["group_id"] != "", "c:" + assigned["customer_id"])
    excl = assigned["one_to_one"]
    owner = pd.Series(key[excl].to_numpy(), index=assigned["rm_id"][excl]).groupby(level=0).first()
    served_by = assigned.groupby("rm_id").size()
    cand = pairs["candidate"]
    fits = pairs["workload"].to_numpy() <= cand.map(room).fillna(-1.0).to_numpy() + EPS
    free = cand.map(owner).isna().to_numpy()  # not dedicated one-to-one to another customer
    alone = cand.map(served_by).fillna(0).to_numpy() == 0
    ok = fits & free & np.where(pairs["one_to_one"].to_numpy(), alone, True)
    breach = pairs[ok].drop_duplicates("customer_id")
    return [
        Violation(
            "handover",
            str(r.customer_id),
            str(r.rm_id),
            f"today's RM {r.current_rm_id!r} left; RM {r.candidate!r} of its branch "
            f"{r.home!r} had room",
        )
        for r in breach.itertuples(index=False)
    ]


CONTINUITY_CHECKS = (check_move_only_on_departure, check_move_caps, check_handover)
