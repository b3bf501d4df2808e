"""The independent plan checker: the test oracle of every backend.

A plan is checked against the *original* rules, re-derived here from the :class:`Instance` and the
:class:`Policy` with deliberately plain code. The checker imports nothing of the compiler, the
solver-neutral problem or any backend: if it shared their code it would share their bugs, and a
wrong compilation would pass its own test. Every rule is one small function named for the rule
(after the Timefold quickstarts); each returns the :class:`Violation` objects it finds, so a report
says which rule broke, for which customer and RM, and why.

:func:`score_plan` recomputes the objective the same way (cover value, moves, balance), so a
solver's reported objective can be compared with what its plan actually achieves.

Conventions (DATA_CONTRACT.md, "plan.csv"): ``rm_id`` "" (or NaN) means no RM. A customer whose
segment matches no tier of the policy has tier "" and may not get an RM. Bands apply on top of
individually served tiers only: a pooled customer gets no RM, so a band's grade or one-to-one
requirement would be meaningless for it.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import pandas as pd

from allocator.checker.context import CheckContext, prepare, require_plan_columns
from allocator.checker.continuity import CONTINUITY_CHECKS
from allocator.checker.coverage import check_coverage
from allocator.checker.frames import member
from allocator.checker.reasons import check_reasons, reason_violations
from allocator.checker.report import PAIR_RULES, RULES, CheckReport, Violation
from allocator.checker.rules import PLAN_CHECKS, loads_of, rm_loads
from allocator.contract import PLAN_COLUMNS, STATUSES
from allocator.instance import Instance
from allocator.policy import Policy, load_policy

log = logging.getLogger(__name__)

#: every rule function, in report order (plan_rows runs while the context is prepared)
RULE_CHECKS = (*PLAN_CHECKS, *CONTINUITY_CHECKS)

__all__ = [
    "PAIR_RULES",
    "PLAN_COLUMNS",
    "RULES",
    "RULE_CHECKS",
    "STATUSES",
    "CheckContext",
    "CheckReport",
    "Violation",
    "check_plan",
    "check_reasons",
    "prepare",
    "require_plan_columns",
    "rm_loads",
    "score_plan",
]


def check_plan(
    instance: Instance,
    plan: pd.DataFrame,
    policy: Policy | None = None,
    *,
    reasons: bool = False,
    solve: Mapping[str, Any] | None = None,
    coverage: pd.DataFrame | None = None,
) -> CheckReport:
    """Check a plan against every rule of the policy.

    Parameters
    ----------
    instance
        The normalised input the plan was made for.
    plan
        At least the columns of :data:`PLAN_COLUMNS`; ``rm_id`` "" or NaN means no RM.
    policy
        The policy the plan should follow (the default policy when ``None``).
    reasons
        Also check that every reason code of the plan's ``reason_code`` column holds
        (:mod:`allocator.checker.reasons`).
    solve
        The solve's report (a plan's KPIs ``solve`` section), for the reasons that speak of it.
    coverage
        coverage.csv (contract v1.1): when given, every coverage rule is checked too
        (:mod:`allocator.checker.coverage`).

    Returns
    -------
    CheckReport
        Every violation found; ``report.ok`` when there is none.

    Raises
    ------
    allocator.errors.InputError
        When the plan lacks a required column.
    """
    require_plan_columns(plan)
    policy = load_policy(policy)
    ctx = prepare(instance, plan, policy)
    violations = list(ctx.plan_violations)
    for rule_check in RULE_CHECKS:
        violations.extend(rule_check(ctx))
    if reasons:
        violations.extend(reason_violations(ctx, solve))
    if coverage is not None:
        violations.extend(check_coverage(ctx, coverage))
    report = CheckReport(violations, n_customers=instance.n_customers, n_plan_rows=len(plan))
    log.debug("plan check: %d violation(s) %s", len(violations), report.by_rule())
    return report


def score_plan(
    instance: Instance, plan: pd.DataFrame, policy: Policy | None = None
) -> dict[str, Any]:
    """The plan's objective, recomputed from the rules (the oracle for solver objectives).

    Counts each input customer once (its first plan row); rows of unknown customers are ignored.
    The score is computed whether or not the plan is valid: check it with :func:`check_plan`.

    Returns
    -------
    dict
        ``cover_value``: summed priority of the customers with an RM (a band's priority replaces
        its tier's); ``moved``: customers whose today's RM is active and eligible but who get
        another RM; ``max_utilisation``: the largest workload / capacity over active RMs with a
        capacity (0.0 when none); ``assigned`` and ``customers``: counts; ``coverage``: per tier
        label of the policy, ``{"customers": n, "assigned": k}``.
    """
    require_plan_columns(plan)
    policy = load_policy(policy)
    ctx = prepare(instance, plan, policy)
    rows = ctx.rows
    has_rm = rows["has_rm"]
    moved = has_rm & rows["current_ok"] & (rows["rm_id"] != rows["current_rm_id"])
    loads = loads_of(ctx)
    util = loads.loc[loads["active"], "utilisation"].dropna()

    # coverage over every input customer, planned or not
    cust = ctx.customers
    frame = pd.DataFrame(
        {
            "tier": cust["expected_tier"].replace("", "(none)"),
            "assigned": member(cust["customer_id"], rows.loc[has_rm, "customer_id"]),
        }
    )
    coverage: dict[str, dict[str, int]] = {
        name: {"customers": 0, "assigned": 0} for name in policy.all_tier_names()
    }
    for name, counts in (
        frame.groupby("tier", sort=False)["assigned"].agg(["size", "sum"]).iterrows()
    ):
        coverage[str(name)] = {"customers": int(counts["size"]), "assigned": int(counts["sum"])}
    return {
        "cover_value": int(rows.loc[has_rm, "priority"].sum()),
        "moved": int(moved.sum()),
        "max_utilisation": float(util.max()) if len(util) else 0.0,
        "assigned": int(has_rm.sum()),
        "customers": int(instance.n_customers),
        "coverage": coverage,
    }
