"""Each staffing rule as a constraint: the rule fails on the bank today, and holds after the
hires of a plan that enforces it (checked by the rule's own check)."""

from __future__ import annotations

import pandas as pd
import pulp
import pytest

from allocator.instance import Instance
from allocator.policy import Policy
from scenarios.headcount.checks import staffing_checks
from scenarios.headcount.constraints import HireSums, rm_share_constraints
from scenarios.headcount.plan import plan_headcount
from scenarios.headcount.rules import load_rules


@pytest.mark.parametrize(
    "rule,staff",
    [
        ("wealth_center", None),
        ("vip_center", None),
        ("corporate_outlet", None),
        ("assistants", None),
        ("rm_share", pd.DataFrame({"branch_id": ["O1", "S1"], "staff": [25, 10]})),
    ],
)
def test_staffing_rule_as_constraint(
    small_bank: Instance, policy: Policy, rule: str, staff: pd.DataFrame | None
) -> None:
    rules = {"assistants_per": 2}  # so the small bank needs assistants
    base = load_rules(rules)
    before = staffing_checks(small_bank, policy, base, staff)
    assert (before.loc[before["rule"].str.startswith(rule), "ok"] == False).any()  # noqa: E712
    plan = plan_headcount(
        small_bank,
        {"mid": 0.5},
        policy=policy,
        enforce=[rule],
        rules=rules,
        staff=staff,
        time_limit=30,
    )
    assert plan.status == "optimal"
    after = plan.checks_after[plan.checks_after["rule"].str.startswith(rule)]
    assert len(after) and after["ok"].all(), after
    if rule == "wealth_center":
        hired = plan.hires[plan.hires["unit"] == "wealth_center"]
        assert hired["count"].sum() == 7  # 1 today, 8 required
        assert hired["certifications"].isin(["AFP", "CFP"]).all()


def test_rm_share_counts_a_hire_on_both_sides(small_bank: Instance) -> None:
    """O1 has 3 RMs of 25 staff; at 20 %, h hires need 3 + h >= 0.2 (25 + h): h >= 2.5."""
    cands = pd.DataFrame({"branch_id": ["O1", "S1"]})
    prob = pulp.LpProblem("t", pulp.LpMinimize)
    h = {i: prob.add_variable(f"h{i}", lowBound=0, cat="Integer") for i in range(2)}
    prob += h[0] + h[1]
    staff = pd.DataFrame({"branch_id": ["O1"], "staff": [25.0]})
    rm_share_constraints(prob, HireSums(h, cands), small_bank.rms, load_rules(), staff)
    prob.solve(pulp.HiGHS(msg=False))
    assert h[0].value() == 3 and h[1].value() == 0
