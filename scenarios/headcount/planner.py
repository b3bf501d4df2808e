"""Everything the planner builds for one bank, once: inputs checked, options, rules, the model.

:func:`~scenarios.headcount.plan.plan_headcount` solves it once (and again on a verified
shortfall); the coverage curve solves the same model under a series of budgets; tests reach each
part. Building checks every input first, so a bad one is reported before any model is built.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from allocator.errors import InputError, InputIssue
from allocator.instance import Instance
from allocator.policy import Policy, load_policy
from scenarios.compare import load_salaries
from scenarios.headcount.checks import staffing_requirements
from scenarios.headcount.constraints import RuleRow, quota_rows, rule_rows
from scenarios.headcount.effects import decision_effects
from scenarios.headcount.io import load_quota
from scenarios.headcount.levers import Levers, load_levers
from scenarios.headcount.model import HeadcountModel, Mode, ModelResult, cost_weights
from scenarios.headcount.options import Catalogue, build_catalogue
from scenarios.headcount.params import PlanParams
from scenarios.headcount.requirement import Requirement
from scenarios.headcount.roster import Roster, build_roster
from scenarios.headcount.rules import StaffingRules, load_rules
from scenarios.headcount.solution import read_actions
from scenarios.headcount.staff import load_staff
from scenarios.headcount.supply import Supply, build_supply
from scenarios.headcount.targets import implied_targets, parse_targets
from scenarios.inputs import Source


def allocated_today(instance: Instance, policy: Policy, opts: PlanParams) -> dict[str, float]:
    """Customers per tier the allocator covers today (its own solve, as verification runs it).

    The allocator's backends settle key accounts (one-to-one) before the rest on large banks,
    so what it gives the tiers nobody targeted is its own to say; the model then plans the
    targeted tiers on what is left, and verification meets no surprise there.
    """
    from scenarios.headcount.verify import coverage_of

    cov = coverage_of(
        instance, policy, time_limit=opts.verify_time_limit, seed=opts.seed, workers=opts.workers
    )
    return {t: float(v["assigned"]) for t, v in cov.items()}


@dataclass
class Planner:
    """One bank's planning problem, built (see :meth:`build`).

    Attributes
    ----------
    goal, planned
        The targets asked for; and with the implied ones (tiers the allocator serves first).
    roster, requirements
        The people the staffing rules count, and every rule at every branch it concerns.
    cat, rows, supply, model
        The options, the enforced rules as rows, who may serve whom, the MILP.
    notes
        What was assumed, in words.
    """

    instance: Instance
    policy: Policy
    rules: StaffingRules
    levers: Levers
    salaries: pd.DataFrame
    params: PlanParams
    goal: dict[str, float]
    planned: dict[str, float]
    roster: Roster
    requirements: list[Requirement]
    cat: Catalogue
    rows: list[RuleRow]
    supply: Supply
    model: HeadcountModel
    notes: list[str] = field(default_factory=list)

    @classmethod
    def build(
        cls,
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
    ) -> Planner:
        """Check every input, then build the options, the rules and the model.

        Raises
        ------
        allocator.errors.InputError
            For a bad policy, rule or lever file, target, parameter, salary, staff or quota
            table.
        """
        opts = PlanParams.build(params, **options)
        pol = load_policy(policy)
        rls = load_rules(rules)
        lev = load_levers(levers)
        goal = parse_targets(targets, pol)
        table = load_salaries(salaries)
        if table is None:
            raise InputError(
                [InputIssue("salaries", None, None, None, "a salary table is required")]
            )
        branches = set(instance.branches["branch_id"])
        staff_df = load_staff(staff, branches=branches)
        quota_map = load_quota(quota, branches=branches)
        enforced = frozenset(opts.enforce)
        roster = build_roster(instance, staff_df, rls)
        implied = implied_targets(goal, pol, instance)
        planned = {**implied, **goal}
        cat = build_catalogue(instance, pol, rls, lev, roster, table, enforced)
        effects = decision_effects(cat, roster, rls)
        serving = set(cat.decisions.loc[cat.serves(), "branch_id"])
        requirements = staffing_requirements(
            instance, pol, rls, roster, set(cat.groups["branch_id"]) | serving
        )
        n = len(cat.decisions)
        rows, notes = rule_rows(requirements, enforced, roster, effects, pol, n)
        qrows, qnotes = quota_rows(quota_map or {}, roster, effects, pol, n)
        supply = build_supply(instance, pol, rls, cat, planned)
        level = {
            b: pol.level_rank(lv)
            for b, lv in zip(
                instance.branches["branch_id"], instance.branches["level"], strict=True
            )
            if lv in pol.branch_levels
        }
        weights = cost_weights(cat, level)
        model = HeadcountModel(cat, supply, planned, rows, qrows, weights, opts.mode, opts.budget)
        if implied:  # the capacity the allocator gives them first, but no hire for them alone
            today = (
                allocated_today(instance, pol, opts)
                if opts.verify
                else model.covered_as_today(opts.time_limit)
            )
            for tier in implied:
                n_tier = supply.tier_n.get(tier, 0.0)
                covered = math.floor(today.get(tier, 0.0) + 1e-6)
                planned[tier] = covered / n_tier if n_tier else 0.0
            model.targets = dict(planned)
        notes = [*roster.notes, *notes, *qnotes]
        if supply.no_rm:
            notes.append(
                f"no existing or possible RM may serve tier(s) {supply.no_rm}: check the branch "
                "tree and candidate_branches in the staffing rules"
            )
        if implied:
            notes.append(
                "planned at the coverage today's staff give them, as the allocator serves them "
                f"before a targeted tier of lower priority: {sorted(implied)} (give them an "
                "explicit target to change this)"
            )
        return cls(
            instance=instance,
            policy=pol,
            rules=rls,
            levers=lev,
            salaries=table,
            params=opts,
            goal=goal,
            planned=planned,
            roster=roster,
            requirements=requirements,
            cat=cat,
            rows=rows,
            supply=supply,
            model=model,
            notes=notes,
        )

    def solve(
        self,
        extra: Mapping[str, int] | None = None,
        *,
        budget: float | None = None,
        mode: Mode | None = None,
    ) -> tuple[ModelResult, pd.DataFrame]:
        """Solve the model (with a tier's demand raised by ``extra``; in another ``mode``, or
        under another ``budget`` -- then in mode ``coverage`` -- when given) and read its
        actions."""
        if budget is not None:
            mode = "coverage"
        result = self.model.solve(self.params.time_limit, extra, mode=mode, budget=budget)
        return result, read_actions(self.cat, self.supply, result, self.rows)
