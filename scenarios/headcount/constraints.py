"""The staffing rules, the quota and the budget as linear rows over the decisions.

A rule is a :class:`~scenarios.headcount.requirement.Requirement`; on the roster plus the
decisions' effects (:mod:`scenarios.headcount.effects`) each count it takes is today's count plus
a linear sum of decisions, so the rule becomes ``sum(coef[d] * x[d]) >= rhs`` with ``rhs`` today's
shortfall. The same arithmetic gives each branch's RM posts after the plan (the quota, 职数).
Rows are built in the requirements' fixed order, which keeps the model -- and so the solver's
choice among equally cheap plans -- the same from run to run.
"""

from __future__ import annotations

from collections.abc import Mapping, Set
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from allocator.policy import Policy
from scenarios.headcount.requirement import Requirement, Who
from scenarios.headcount.roster import Roster

Floats = npt.NDArray[np.float64]


def contributions(who: Who, effects: pd.DataFrame, policy: Policy, n: int) -> Floats:
    """Per decision, how many people ``who`` counts one unit of it adds (negative: removes)."""
    mask = who.mask(effects, policy)
    return np.bincount(
        effects["decision"].to_numpy(dtype=np.int64)[mask],
        weights=effects["count"].to_numpy(dtype=float)[mask],
        minlength=n,
    ).astype(float)


@dataclass(frozen=True)
class RuleRow:
    """One enforced requirement as ``coef @ x >= rhs``.

    Attributes
    ----------
    requirement
        The rule at its branch.
    coef
        Per decision: how one unit of it moves the rule's slack.
    rhs
        Today's shortfall (<= 0: met today).
    """

    requirement: Requirement
    coef: Floats
    rhs: float

    @property
    def short_today(self) -> bool:
        return self.rhs > 1e-9


def rule_rows(
    requirements: list[Requirement],
    enforce: Set[str],
    roster: Roster,
    effects: pd.DataFrame,
    policy: Policy,
    n: int,
) -> tuple[list[RuleRow], list[str]]:
    """The enforced requirements that constrain the decisions: short today, or some decision
    could break them (a hire that calls for an assistant, an RM moved away).

    Returns
    -------
    rows, notes
        The rows, and notes on rules that cannot be imposed (no staff table).
    """
    rows: list[RuleRow] = []
    skipped: set[str] = set()
    for req in requirements:
        if req.family not in enforce:
            continue
        if req.needs_staff and not roster.staff_given:
            skipped.add(req.family)
            continue
        coef = contributions(req.counted, effects, policy, n)
        for c, who in req.per:
            coef = coef - c * contributions(who, effects, policy, n)
        rhs = req.required(roster.frame, policy) - req.counted.count(roster.frame, policy)
        if rhs > 1e-9 or (coef < -1e-12).any():
            rows.append(RuleRow(req, coef, float(rhs)))
    notes = [
        f"{family}: counts staff beyond rms.csv; without staff.csv it is not enforced"
        for family in sorted(skipped)
    ]
    return rows, notes


@dataclass(frozen=True)
class QuotaRow:
    """RM posts at a branch after the plan stay within its quota: ``coef @ x <= room``."""

    branch_id: str
    coef: Floats
    room: float


def quota_rows(
    quota: Mapping[str, int], roster: Roster, effects: pd.DataFrame, policy: Policy, n: int
) -> tuple[list[QuotaRow], list[str]]:
    """One row per branch of the quota (职数): RMs there today plus the plan's net additions
    <= the quota. A branch already above its quota may not grow (it is not made to shrink:
    moving people out is a decision of its own); a note names it."""
    rows, notes = [], []
    for b in sorted(quota):
        who = Who(b, rm_roles=("rm",))
        today = who.count(roster.frame, policy)
        if today > quota[b]:
            notes.append(f"quota: {b} has {today:g} RMs today, above its quota of {quota[b]}")
        rows.append(
            QuotaRow(b, contributions(who, effects, policy, n), float(max(quota[b] - today, 0)))
        )
    return rows, notes


def add_rule_rows(prob: Any, x: Mapping[int, Any], rows: list[RuleRow]) -> list[str]:
    """Add each rule row to ``prob`` (a PuLP problem); returns notes on rows no decision can
    meet (the plan is then infeasible, and the note says which rule where)."""
    import pulp

    notes: list[str] = []
    for i, row in enumerate(rows):
        terms = [(float(row.coef[d]), v) for d, v in x.items() if row.coef[d] != 0]
        if not terms and row.rhs > 1e-9:
            req = row.requirement
            notes.append(f"{req.rule} at {req.branch_id}: no option can meet it ({req.note})")
        if terms or row.rhs > 1e-9:
            prob += (
                pulp.lpSum(c * v for c, v in terms) >= row.rhs,
                f"rule{i}",
            )
    return notes


def add_quota_rows(prob: Any, x: Mapping[int, Any], rows: list[QuotaRow]) -> None:
    """Add each quota row to ``prob``."""
    import pulp

    for i, row in enumerate(rows):
        terms = [(float(row.coef[d]), v) for d, v in x.items() if row.coef[d] != 0]
        if terms:
            prob += pulp.lpSum(c * v for c, v in terms) <= row.room, f"quota{i}"
