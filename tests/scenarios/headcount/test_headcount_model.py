"""The MILP: the cheapest eligible profile wins, ties go nearer the customers, statuses are
honest, and extra demand (verification) raises the target row."""

from __future__ import annotations

from collections.abc import Callable

from allocator.instance import Instance
from allocator.policy import Policy
from scenarios.compare import load_salaries
from scenarios.edits import remove_rms
from scenarios.headcount.model import HeadcountModel, ModelResult
from scenarios.headcount.rules import StaffingRules

TinyBank = Callable[[int, float], Instance]


def model(bank: Instance, policy: Policy, rules: StaffingRules, **targets: float) -> HeadcountModel:
    salaries = load_salaries("default")
    assert salaries is not None
    return HeadcountModel(bank, policy, rules, salaries, targets, set(), None)


def test_the_cheapest_eligible_profile_is_hired(
    tiny_bank: TinyBank, policy: Policy, rules: StaffingRules
) -> None:
    # 15 high customers: 30 points of work, 20 of capacity
    result = model(tiny_bank(15, 20), policy, rules, high=1.0).solve(30)
    assert isinstance(result, ModelResult) and result.status == "optimal"
    # one AFP holder at the lowest grade the rules hire (rm), in the VIP centre that exists
    # (a wealth-centre hire at C0 costs the same; the tie goes to the branch nearer the customers)
    assert result.hires.to_dict(orient="records") == [
        {
            "line": "retail",
            "grade": "rm",
            "certifications": "AFP",
            "branch_id": "S1",
            "unit": "vip_center",
            "count": 1,
            "cost": 250_000.0,
        }
    ]
    covers = result.expected.set_index("tier")["model_covers"]
    assert covers["high"] >= 15


def test_no_hire_when_the_bank_suffices(
    tiny_bank: TinyBank, policy: Policy, rules: StaffingRules
) -> None:
    result = model(tiny_bank(5, 20), policy, rules, high=1.0).solve(30)
    assert result.status == "optimal" and result.hires.empty


def test_extra_demand_raises_the_target_row(
    tiny_bank: TinyBank, policy: Policy, rules: StaffingRules
) -> None:
    m = model(tiny_bank(15, 20), policy, rules, high=0.5)
    plain = m.build({}).prob.get_constraint_by_name("target_high")
    raised = m.build({"high": 3}).prob.get_constraint_by_name("target_high")
    assert plain is not None and raised is not None
    assert -raised.constant == -plain.constant + 3 == 8 + 3


def test_a_tier_nobody_may_serve_is_noted(
    tiny_bank: TinyBank, policy: Policy, rules: StaffingRules
) -> None:
    no_vip = rules.model_copy(update={"line_units": {"retail": ["outlet"]}})
    bank = remove_rms(tiny_bank(15, 20), rm_ids=["V1"])  # the only VIP centre RM leaves
    m = model(bank, policy, no_vip, high=1.0)
    assert m.no_rm == ["high"] and any("high" in n for n in m.notes)
    assert m.solve(30).status == "infeasible"
