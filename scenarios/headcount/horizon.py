"""A workforce plan over quarters: attrition, growth and lead times, quarter by quarter.

Each quarter, RMs leave (the top ones more often, and some of their best customers with them),
customers arrive, and the actions ordered earlier take effect when their lead time is over.
Then the planner orders what the bank will need once this quarter's orders arrive: it plans on
the bank as it will be then -- the pipeline of orders counted in, customers grown over the lead
time -- so a leaver is replaced one lead time after leaving, and growth is met as it comes. The
coverage of each quarter is an independent allocation of that quarter's bank (the one solve
path, checked), and the cost is the plan's run rate: a quarter of the first-year cost of every
action that has taken effect.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from allocator.instance import Instance
from allocator.policy import load_policy
from scenarios.headcount.actions import ACTION_COLUMNS, apply_actions, roster_changes
from scenarios.headcount.attrition import (
    Horizon,
    load_horizon,
    quarter_of_attrition,
    quarter_of_growth,
)
from scenarios.headcount.bank import active_rms
from scenarios.headcount.levers import load_levers
from scenarios.headcount.plan import plan_headcount
from scenarios.headcount.roster import build_roster, rm_rows, staff_rows
from scenarios.headcount.rules import StaffingRules, load_rules
from scenarios.headcount.staff import load_staff
from scenarios.headcount.targets import parse_targets
from scenarios.headcount.verify import coverage_of

#: the staff table's file columns (the normalised table less its bookkeeping)
STAFF_FILE_COLUMNS = ("branch_id", "unit", "role", "count", "certifications")

#: columns of :attr:`QuarterPlan.table` (then ``coverage.<tier>`` per targeted tier)
QUARTER_COLUMNS = (
    "quarter",
    "customers",
    "rms",
    "leavers",
    "customers_left",
    "customers_new",
    "ordered",
    "arrived",
    "cost_quarter",
    "cost_to_date",
)


@dataclass
class QuarterPlan:
    """The plan over quarters.

    Attributes
    ----------
    table
        One row per quarter (0: today): :data:`QUARTER_COLUMNS` and ``coverage.<tier>`` (the
        share of the tier's customers an allocation of that quarter's bank serves).
    actions
        Every action ordered (hires.csv columns), with ``order_quarter`` and ``ready_quarter``.
    targets
        Tier -> share planned for.
    notes
        What happened, in words (an action dropped because its RM left first, say).
    """

    table: pd.DataFrame
    actions: pd.DataFrame
    targets: dict[str, float]
    notes: list[str] = field(default_factory=list)


def _staff_after(
    staff: pd.DataFrame | None, actions: pd.DataFrame, instance: Instance, rules: StaffingRules
) -> pd.DataFrame | None:
    """The staff table after the non-RM part of ``actions`` (hires, redeployments out of the
    counters, certifications of managers): RMs live in rms.csv, the rest here."""
    if staff is None or actions.empty:
        return staff if staff is None else staff[list(STAFF_FILE_COLUMNS)]
    roster = build_roster(instance, load_staff(staff), rules)
    changes = roster_changes(actions, roster)
    others = changes[(changes["rm_id"] == "") & (changes["role"] != "rm")]
    cols = list(STAFF_FILE_COLUMNS)
    rows = pd.concat([staff[cols], others[cols]], ignore_index=True)
    keys = ["branch_id", "unit", "role", "certifications"]
    out = rows.groupby(keys, sort=True)["count"].sum().reset_index()
    return out[out["count"] > 0][cols].reset_index(drop=True)


def _coverage(
    bank: Instance,
    policy: Any,
    targets: Mapping[str, float],
    time_limit: float,
    seed: int,
    workers: int,
) -> dict[str, float]:
    cov = coverage_of(bank, policy, time_limit=time_limit, seed=seed, workers=workers)
    return {
        f"coverage.{t}": (cov[t]["assigned"] / cov[t]["customers"])
        if cov.get(t, {}).get("customers")
        else 1.0
        for t in targets
    }


def _applicable(actions: pd.DataFrame, bank: Instance) -> tuple[pd.DataFrame, list[str]]:
    """The actions that can still take effect: a certification or move of an RM who has left
    meanwhile is dropped (and said)."""
    active = set(active_rms(bank)["rm_id"])
    named = actions["rm_id"] != ""
    gone = named & ~actions["rm_id"].isin(active)
    notes = [
        f"{r.action} of {r.rm_id} dropped: the RM left before it took effect"
        for r in actions[gone].itertuples()
    ]
    return actions[~gone], notes


def plan_over_quarters(
    instance: Instance,
    targets: Mapping[str, float] | str,
    *,
    horizon: Horizon | Mapping[str, Any] | str | None = None,
    quarters: int | None = None,
    policy: Any = None,
    staff: Any = None,
    rules: Any = None,
    levers: Any = None,
    allocate_time_limit: float = 20.0,
    seed: int = 0,
    workers: int = 2,
    **plan_options: Any,
) -> QuarterPlan:
    """Plan quarter by quarter (see the module docstring).

    An action ordered in quarter ``q`` takes effect in quarter ``q + max(lead, 1)``: decided
    during a quarter, it counts from the next one at the earliest.

    Parameters
    ----------
    horizon
        Quarters, attrition and growth (merged over ``scenarios/data/horizon.yaml``).
    quarters
        Overrides ``horizon.quarters``.
    allocate_time_limit, seed, workers
        Of each quarter's allocation; ``seed`` also seeds attrition and growth.
    **plan_options
        Passed to :func:`~scenarios.headcount.plan.plan_headcount` each quarter (salaries,
        quota, mode, budget, enforce, time_limit, ...).
    """
    hz = load_horizon(horizon)
    n_quarters = quarters if quarters is not None else hz.quarters
    pol = load_policy(policy)
    rls = load_rules(rules)
    lev = load_levers(levers)
    staff_df = load_staff(staff, branches=set(instance.branches["branch_id"]))
    # the people beyond rms.csv, in the new form (an older-form table counts its RMs in)
    staff_q = None if staff_df is None else staff_rows(staff_df, rm_rows(instance))[0]
    streams = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(n_quarters + 1)]
    bank = instance
    carry: dict[str, float] = {}
    pipeline = pd.DataFrame(columns=[*ACTION_COLUMNS, "order_quarter", "ready_quarter"])
    ordered: list[pd.DataFrame] = []
    notes: list[str] = []
    goal = parse_targets(targets, pol)
    rows: list[dict[str, Any]] = []
    cost_to_date = run_rate = 0.0
    for q in range(n_quarters + 1):
        leavers: list[str] = []
        gone: list[str] = []
        arrived = new_customers = 0
        if q > 0:
            bank, leavers, gone = quarter_of_attrition(bank, pol, hz.attrition, streams[q])
            bank, new_customers = quarter_of_growth(bank, pol, hz.growth, carry, seed + 1000 * q)
            due, dropped = _applicable(pipeline[pipeline["ready_quarter"] == q], bank)
            pipeline = pipeline[pipeline["ready_quarter"] > q]
            notes += [f"quarter {q}: {d}" for d in dropped]
            if len(due):
                staff_q = _staff_after(staff_q, due, bank, rls)
                bank = apply_actions(bank, due)
                run_rate += float(due["annual_cost"].sum())
                arrived = int(due["count"].sum())
        new = pipeline.iloc[0:0]
        if q < n_quarters:  # order what the bank needs once this quarter's orders arrive
            waiting, _ = _applicable(pipeline, bank)
            projected = apply_actions(bank, waiting) if len(waiting) else bank
            grown = dict(carry)
            for k in range(lev.hire_lead_quarters):
                projected, _ = quarter_of_growth(projected, pol, hz.growth, grown, seed + 7 + k)
            plan = plan_headcount(
                projected,
                goal,
                policy=pol,
                staff=_staff_after(staff_q, waiting, bank, rls),
                rules=rls,
                levers=lev,
                workers=workers,
                **plan_options,
            )
            if plan.status not in ("optimal", "feasible"):
                notes.append(f"quarter {q}: no plan ({plan.status}): {' '.join(plan.notes[-1:])}")
            lead = np.maximum(plan.hires["lead_quarters"].to_numpy(dtype=int), 1)
            new = plan.hires.assign(order_quarter=q, ready_quarter=q + lead)
            if len(new):
                pipeline = pd.concat([pipeline, new], ignore_index=True)
                ordered.append(new)
        cost_quarter = run_rate / 4.0
        cost_to_date += cost_quarter
        rows.append(
            {
                "quarter": q,
                "customers": len(bank.customers),
                "rms": len(active_rms(bank)),
                "leavers": len(leavers),
                "customers_left": len(gone),
                "customers_new": new_customers,
                "ordered": int(new["count"].sum()) if len(new) else 0,
                "arrived": arrived,
                "cost_quarter": cost_quarter,
                "cost_to_date": cost_to_date,
                **_coverage(bank, pol, goal, allocate_time_limit, seed + q, workers),
            }
        )
    actions = pd.concat(ordered, ignore_index=True) if ordered else pipeline.iloc[0:0]
    return QuarterPlan(pd.DataFrame(rows), actions, goal, notes)
