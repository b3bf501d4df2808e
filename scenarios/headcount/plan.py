"""The planner's one entry point: :func:`plan_headcount` -> :class:`HeadcountPlan`.

It loads and checks every input first (policy, staffing rules, levers, targets, parameters,
salaries, staff, quota) so that a bad one is reported before any model is built; plans with the
MILP of :mod:`scenarios.headcount.model`; optionally verifies the actions with the real allocator
and re-plans a shortfall; and derives from the one set of actions everything else it reports:
the staffing rules before and after, each branch's required RMs, the audit of each row.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from allocator.instance import Instance
from allocator.policy import Policy
from scenarios.headcount.actions import roster_changes
from scenarios.headcount.audit import audit_actions
from scenarios.headcount.checks import staffing_checks
from scenarios.headcount.levers import Levers
from scenarios.headcount.model import SOLVED, ModelResult
from scenarios.headcount.params import PlanParams
from scenarios.headcount.planner import Planner
from scenarios.headcount.required import required_rms
from scenarios.headcount.roster import Roster, with_changes
from scenarios.headcount.rules import StaffingRules
from scenarios.headcount.verify import verify_actions
from scenarios.inputs import Source

#: columns of :attr:`HeadcountPlan.expected`
EXPECTED_COLUMNS = ("tier", "customers", "target", "need", "model_covers")


@dataclass
class HeadcountPlan:
    """The plan: its actions and everything derived from them.

    Attributes
    ----------
    hires
        The actions (hires.csv rows: :data:`~scenarios.headcount.actions.ACTION_COLUMNS`).
    status
        ``optimal``, ``feasible`` (time limit hit with a plan), ``infeasible`` or ``no_solution``.
    targets
        Tier -> share the plan was made for.
    expected
        Per targeted tier: customers, target, customers needed, customers the model covers.
    checks_before, checks_after
        The staffing rules on the roster before and after the actions.
    required
        Each branch's required RMs (:func:`~scenarios.headcount.required.required_rms`).
    audit
        Rows whose kind their rule does not need (empty when every row fits).
    notes
        Assumptions made and why a target cannot be reached, in words.
    verification
        Per tier: the coverage a real allocation of the bank with the actions reached.
    params
        How the plan was made.
    roster_before, roster_after
        The people the staffing rules count, before and after.
    planner
        The problem as built (its model solves again under other budgets: the coverage curve).
    """

    hires: pd.DataFrame
    status: str
    targets: dict[str, float]
    expected: pd.DataFrame
    checks_before: pd.DataFrame
    checks_after: pd.DataFrame
    required: pd.DataFrame
    audit: pd.DataFrame
    params: PlanParams
    roster_before: Roster
    roster_after: Roster
    notes: list[str] = field(default_factory=list)
    verification: pd.DataFrame | None = None
    seconds: float = 0.0
    planner: Planner | None = field(default=None, repr=False)

    @property
    def actions(self) -> pd.DataFrame:
        """The actions (another name for :attr:`hires`)."""
        return self.hires

    @property
    def total_cost(self) -> float:
        """First-year cost of all actions."""
        return float(self.hires["annual_cost"].sum()) if len(self.hires) else 0.0

    @property
    def total_hires(self) -> int:
        """People newly in a post: hires and redeployments."""
        h = self.hires
        return int(h.loc[h["action"] == "hire", "count"].sum()) if len(h) else 0

    def counts(self) -> dict[str, int]:
        """People per action (``hire``, ``certify``, ``transfer``)."""
        h = self.hires
        return {
            a: int(h.loc[h["action"] == a, "count"].sum()) for a in ("hire", "certify", "transfer")
        }

    def summary(self) -> dict[str, Any]:
        """A JSON-able summary (``summary.json`` of ``--report``)."""
        return {
            "status": self.status,
            "mode": self.params.mode,
            "budget": self.params.budget,
            "hires": self.total_hires,
            "actions": self.counts(),
            "annual_cost": self.total_cost,
            "targets": self.targets,
            "expected": self.expected.to_dict(orient="records"),
            "verification": None
            if self.verification is None
            else self.verification.to_dict(orient="records"),
            "staffing_unmet_before": int((self.checks_before["ok"] == False).sum()),  # noqa: E712
            "staffing_unmet_after": int((self.checks_after["ok"] == False).sum()),  # noqa: E712
            "audit_problems": len(self.audit),
            "notes": self.notes,
            "seconds": round(self.seconds, 3),
        }


def _expected(result: ModelResult, planned: Mapping[str, float]) -> pd.DataFrame:
    """Per planned tier: customers, target share, customers needed, customers the model covers."""
    rows = [(t, n, planned[t], need, cov) for t, (n, need, cov) in result.expected.items()]
    return pd.DataFrame(rows, columns=list(EXPECTED_COLUMNS))


def plan_headcount(
    instance: Instance,
    targets: Mapping[str, float] | str,
    *,
    policy: Policy | Mapping[str, Any] | str | None = None,
    salaries: str | os.PathLike[str] | pd.DataFrame | None = "default",
    staff: Source | None = None,
    rules: StaffingRules | Mapping[str, Any] | str | None = None,
    levers: Levers | Mapping[str, Any] | str | None = None,
    quota: Source | Mapping[str, int] | None = None,
    params: PlanParams | Mapping[str, Any] | None = None,
    **options: Any,
) -> HeadcountPlan:
    """The plan of hires, certifications, redeployments and transfers that reaches ``targets``
    at least cost, or the most coverage under a budget and quota (see :mod:`scenarios.headcount`).

    Parameters
    ----------
    instance
        The bank today.
    targets
        Tier -> share of the tier's customers that must have an RM (``"private=1,mid=0.95"``).
    policy
        The allocation policy (eligibility, workloads, capacities, priorities).
    salaries
        Salary table of RMs (``"default"``: the shipped illustrative one).
    staff
        ``staff.csv`` (either form): the people rms.csv does not list.
    rules, levers
        Staffing rules and hiring options; levers beside hiring (merged over the shipped files).
    quota
        RM posts allowed per branch (``branch_id, max_rms``, or a mapping).
    params, **options
        :class:`~scenarios.headcount.params.PlanParams`, or its fields as keywords (``mode``,
        ``budget``, ``enforce``, ``time_limit``, ``verify``, ...).

    Raises
    ------
    allocator.errors.InputError
        For a bad policy, rule file, lever file, target, parameter, salary, staff or quota table.
    """
    t0 = time.monotonic()
    planner = Planner.build(
        instance,
        targets,
        policy=policy,
        salaries=salaries,
        staff=staff,
        rules=rules,
        levers=levers,
        quota=quota,
        params=params,
        **options,
    )
    opts, pol, goal = planner.params, planner.policy, planner.goal
    extra: dict[str, int] = {}
    verification = None
    for _ in range(opts.rounds):
        result, actions = planner.solve(extra)
        if not opts.verify or result.status not in SOLVED:
            break
        verification = verify_actions(
            instance,
            actions,
            goal,
            pol,
            time_limit=opts.verify_time_limit,
            seed=opts.seed,
            workers=opts.workers,
        )
        short = verification[~verification["ok"]]
        if short.empty or opts.mode == "coverage":
            break
        for tier, missing in zip(short["tier"], short["missing"], strict=True):
            extra[tier] = extra.get(tier, 0) + int(missing)
    notes = [*planner.notes, *planner.model.notes]
    if verification is not None and not verification["ok"].all():
        missed = verification.loc[~verification["ok"], "tier"].tolist()
        notes.append(f"verification: the allocation with this plan still misses {missed}")
    if extra:
        notes.append(f"verification raised demand by {extra} customers to absorb packing/groups")
    roster, rls, requirements = planner.roster, planner.rules, planner.requirements
    after = with_changes(roster, roster_changes(actions, roster), rls)
    expected = _expected(result, planner.planned)
    return HeadcountPlan(
        hires=actions,
        status=result.status,
        targets=goal,
        expected=expected,
        checks_before=staffing_checks(requirements, roster, pol),
        checks_after=staffing_checks(requirements, after, pol),
        required=required_rms(instance, actions),
        audit=audit_actions(actions, instance, pol, rls),
        params=opts,
        roster_before=roster,
        roster_after=after,
        notes=list(dict.fromkeys(notes)),
        verification=verification,
        seconds=time.monotonic() - t0,
        planner=planner,
    )
