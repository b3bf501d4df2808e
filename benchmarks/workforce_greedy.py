"""The yardstick for the workforce planner: greedy "hire where short".

What a planner without an optimiser does: allocate the bank, see which targeted tiers fall short,
and for the uncovered customers of each tier at each branch hire the cheapest RM profile that may
serve them, as near the customers as the hiring options allow, enough of them for the uncovered
workload (one per customer for one-to-one tiers); allocate again, repeat until every target is
met or nothing more helps. Hires only (no certification, redeployment or transfer), priced from
the same salary table, from the same candidate grid as the planner: the comparison is of the
method, not of the options.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from allocator.allocation import allocate
from allocator.instance import Instance
from allocator.policy import Policy
from allocator.rules import BranchTable, RmTable, assign_tiers, build_classes, eligible_class_pairs
from scenarios.headcount.actions import ACTION_COLUMNS, apply_actions
from scenarios.headcount.profiles import candidate_profiles
from scenarios.headcount.rules import StaffingRules


@dataclass
class GreedyResult:
    """The greedy hires (hires.csv rows), whether the last allocation met every target, and the
    allocation rounds taken."""

    hires: pd.DataFrame
    reached: bool
    rounds: int

    @property
    def cost(self) -> float:
        return float(self.hires["annual_cost"].sum()) if len(self.hires) else 0.0

    @property
    def people(self) -> int:
        return int(self.hires["count"].sum()) if len(self.hires) else 0


def _candidates_for(
    bank: Instance, policy: Policy, cands: pd.DataFrame, customers: pd.DataFrame
) -> dict[int, list[int]]:
    """Customer row (of ``customers``) -> candidate rows that may serve it, by the allocator's
    own eligibility rules."""
    rms = cands.assign(
        rm_id=[f"\0c{i}" for i in range(len(cands))], capacity=np.nan, active=True, position="rm"
    )
    br = BranchTable.build(bank.branches, policy)
    table = RmTable.build(rms, br, policy)
    tiers = assign_tiers(customers, policy)
    classes = build_classes(customers, tiers, br, table, policy)
    pairs = eligible_class_pairs(classes, table, br, policy)
    by_class: dict[int, list[int]] = {}
    for k, r in zip(pairs.k.tolist(), pairs.r.tolist(), strict=True):
        by_class.setdefault(k, []).append(r)
    return {i: by_class.get(int(k), []) for i, k in enumerate(classes.class_of) if k >= 0}


def greedy_hires(
    instance: Instance,
    targets: Mapping[str, float],
    policy: Policy,
    rules: StaffingRules,
    salaries: pd.DataFrame,
    *,
    rounds: int = 6,
    time_limit: float = 30.0,
    seed: int = 0,
    workers: int = 2,
) -> GreedyResult:
    """Hire where short, round by round (see the module docstring)."""
    cands = candidate_profiles(instance, policy, rules, salaries)
    level = dict(zip(instance.branches["branch_id"], instance.branches["level"], strict=True))
    rank = {b: policy.level_rank(lv) for b, lv in level.items() if lv in policy.branch_levels}
    cost = cands["cost"].to_numpy(dtype=float)
    branch = cands["branch_id"].to_numpy(dtype=object)
    capacity = np.array([policy.default_capacity.get(x, np.nan) for x in cands["line"]])  # type: ignore[call-overload]
    hires: list[dict[str, object]] = []
    bank = instance
    reached = False
    done = 0
    while done < rounds:
        done += 1
        plan = allocate(bank, policy=policy, time_limit=time_limit, seed=seed, workers=workers)
        cov = plan.kpis["coverage_by_tier"]
        short = {
            t: math.ceil(share * cov[t]["customers"] - 1e-9) - cov[t]["assigned"]
            for t, share in targets.items()
            if t in cov and cov[t]["assigned"] < math.ceil(share * cov[t]["customers"] - 1e-9)
        }
        if not short:
            reached = True
            break
        rows = plan.assignments
        open_ = rows[(rows["rm_id"] == "") & rows["tier"].isin(list(short))]
        todo = bank.customers.set_index("customer_id").loc[open_["customer_id"]].reset_index()
        tiers = assign_tiers(todo, policy)
        todo = todo.assign(_tier=tiers["tier"].to_numpy(), _work=tiers["workload"].to_numpy())
        # the first uncovered customers of each short tier, as many as it is short
        todo = pd.concat(
            [todo[todo["_tier"] == t].head(n) for t, n in sorted(short.items())], ignore_index=True
        )
        who = _candidates_for(bank, policy, cands, todo.drop(columns=["_tier", "_work"]))
        one_to_one = {
            name
            for name, band in policy.bands.items()
            if band.one_to_one and policy.coverage.key_accounts == "one_to_one"
        }
        whole: dict[int, int] = {}  # candidate -> one-to-one customers (an RM each)
        work: dict[int, float] = {}  # candidate -> workload of shared customers
        for i, row in todo.iterrows():
            options = who.get(int(str(i)), [])
            if not options:
                continue  # nobody the grid can hire may serve this customer

            def nearest_then_cheapest(r: int) -> tuple[int, float, int]:
                return (rank.get(str(branch[r]), 0), float(cost[r]), r)

            best = min(options, key=nearest_then_cheapest)
            if row["_tier"] in one_to_one:
                whole[best] = whole.get(best, 0) + 1
            else:
                work[best] = work.get(best, 0.0) + float(row["_work"])
        if not whole and not work:
            break
        new = []
        for r in sorted(set(whole) | set(work)):
            c = cands.loc[r]
            n = whole.get(r, 0) + math.ceil(work.get(r, 0.0) / float(capacity[r]))
            new.append(
                {
                    **dict.fromkeys(ACTION_COLUMNS, ""),
                    "action": "hire",
                    "role": "rm",
                    **{k: c[k] for k in ("branch_id", "unit", "line", "grade", "certifications")},
                    "count": n,
                    "annual_cost": float(cost[r]) * n,
                    "rule": "greedy",
                    "lead_quarters": 1,
                }
            )
        hires += new
        bank = apply_actions(bank, pd.DataFrame(new))
    return GreedyResult(pd.DataFrame(hires, columns=list(ACTION_COLUMNS)), reached, done)
