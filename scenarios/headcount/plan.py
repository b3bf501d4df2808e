"""The planner's one entry point: :func:`plan_headcount` -> :class:`HeadcountPlan`.

It loads and checks every input first (policy, staffing rules, targets, rules to enforce,
salaries, staff) so that a bad one is reported before any model is built, plans with the MILP of
:mod:`scenarios.headcount.model`, optionally verifies the hires with the real allocator and
re-plans a shortfall, and reports the staffing rules before and after the hires.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from allocator.errors import InputError, InputIssue
from allocator.instance import Instance
from allocator.policy import Policy, load_policy
from scenarios.compare import load_salaries
from scenarios.headcount.checks import staffing_checks
from scenarios.headcount.io import load_staff
from scenarios.headcount.model import SOLVED, HeadcountModel
from scenarios.headcount.rules import StaffingRules, enforced_rules, load_rules
from scenarios.headcount.targets import implied_targets, parse_targets
from scenarios.headcount.verify import apply_hires, verify_hires


@dataclass
class HeadcountPlan:
    """The least-cost hires and what they are expected to achieve.

    Attributes
    ----------
    hires
        ``line, grade, certifications, branch_id, unit, count, cost`` (cost = count x annual cost).
    status
        ``optimal``, ``feasible`` (time limit hit with a plan), ``infeasible`` or ``no_solution``.
    targets
        Tier -> share the plan was made for.
    expected
        Per tier: customers, target customers, customers the model covers.
    checks_before, checks_after
        :func:`~scenarios.headcount.checks.staffing_checks` of the bank before and after the
        hires.
    notes
        Assumptions made and why a target cannot be reached, in words.
    verification
        Per tier: target and the share a real allocation reached (when verified).
    seconds
        Wall time of the whole planning, verification included.
    """

    hires: pd.DataFrame
    status: str
    targets: dict[str, float]
    expected: pd.DataFrame
    checks_before: pd.DataFrame
    checks_after: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    verification: pd.DataFrame | None = None
    seconds: float = 0.0

    @property
    def total_cost(self) -> float:
        """Annual cost of all hires."""
        return float(self.hires["cost"].sum()) if len(self.hires) else 0.0

    @property
    def total_hires(self) -> int:
        """Number of people hired."""
        return int(self.hires["count"].sum()) if len(self.hires) else 0

    def summary(self) -> dict[str, Any]:
        """A JSON-able summary (for ``--report``)."""
        return {
            "status": self.status,
            "hires": self.total_hires,
            "annual_cost": self.total_cost,
            "targets": self.targets,
            "expected": self.expected.to_dict(orient="records"),
            "verification": None
            if self.verification is None
            else self.verification.to_dict(orient="records"),
            "notes": self.notes,
            "seconds": round(self.seconds, 3),
        }


def plan_headcount(
    instance: Instance,
    targets: Mapping[str, float] | str,
    *,
    policy: Policy | Mapping[str, Any] | str | None = None,
    salaries: str | os.PathLike[str] | pd.DataFrame | None = "default",
    staff: str | os.PathLike[str] | pd.DataFrame | None = None,
    enforce: Iterable[str] = (),
    rules: StaffingRules | Mapping[str, Any] | str | None = None,
    time_limit: float = 60.0,
    verify: bool = False,
    verify_time_limit: float = 30.0,
    rounds: int = 3,
    seed: int = 0,
) -> HeadcountPlan:
    """The least-cost hires so that coverage reaches ``targets`` (see :mod:`scenarios.headcount`).

    Parameters
    ----------
    instance
        The bank today.
    targets
        Tier -> share of the tier's customers that must have an RM (``"private=1,mid=0.95"``).
    policy
        The allocation policy (eligibility, workloads, capacities).
    salaries
        Salary table (``"default"``: the shipped one).
    staff
        ``branch_id, staff`` (for the RM-share rule).
    enforce
        Staffing rules to impose as constraints: any of
        :data:`~scenarios.headcount.rules.RULE_NAMES`.
    rules
        Staffing rules and hiring options (merged over ``scenarios/data/staffing.yaml``).
    time_limit
        Seconds for each MILP solve.
    verify
        Allocate with the hires and check the plan; raise a tier's demand by any shortfall and
        solve again (at most ``rounds`` times): the model cannot see groups that must share one
        RM, nor that customers are whole.
    verify_time_limit, seed
        Of the verifying allocation.

    Raises
    ------
    allocator.errors.InputError
        For a bad policy, staffing rules, target, rule name, salary table or staff table.
    """
    t0 = time.monotonic()
    pol = load_policy(policy)
    rls = load_rules(rules)
    goal = parse_targets(targets, pol)
    enforced = enforced_rules(enforce)
    table = load_salaries(salaries)
    if table is None:
        raise InputError([InputIssue("salaries", None, None, None, "a salary table is required")])
    staff_df = load_staff(staff)
    implied = implied_targets(goal, pol, instance)
    model = HeadcountModel(instance, pol, rls, table, {**implied, **goal}, enforced, staff_df)
    if implied:
        model.notes.append(
            f"planned at full coverage too, as the allocator serves them before a targeted tier "
            f"of lower priority: {sorted(implied)} (give them an explicit target to change this)"
        )
    extra: dict[str, int] = {}
    verification = None
    for _ in range(max(rounds, 1)):
        hires, status, expected = model.solve(time_limit, extra)
        if not verify or status not in SOLVED:
            break
        verification = verify_hires(
            instance, hires, goal, pol, time_limit=verify_time_limit, seed=seed
        )
        short = verification[~verification["ok"]]
        if short.empty:
            break
        for tier, missing in zip(short["tier"], short["missing"], strict=True):
            extra[tier] = extra.get(tier, 0) + int(missing)
    after = apply_hires(instance, hires) if len(hires) else instance
    notes = list(model.notes)
    if verification is not None and not verification["ok"].all():
        missed = verification.loc[~verification["ok"], "tier"].tolist()
        notes.append(f"verification: the allocation with these hires still misses {missed}")
    if extra:
        notes.append(f"verification raised demand by {extra} customers to absorb packing/groups")
    return HeadcountPlan(
        hires=hires,
        status=status,
        targets=goal,
        expected=expected,
        checks_before=staffing_checks(instance, pol, rls, staff_df),
        checks_after=staffing_checks(after, pol, rls, staff_df),
        notes=notes,
        verification=verification,
        seconds=time.monotonic() - t0,
    )
