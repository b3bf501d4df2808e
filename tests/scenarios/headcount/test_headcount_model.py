"""The MILP: the cheapest eligible option wins, statuses are honest, extra demand raises the
target row, and mode ``coverage`` gets the most cover value a budget or quota allows."""

from __future__ import annotations

from collections.abc import Callable

from allocator.instance import Instance
from allocator.policy import Policy
from scenarios.edits import remove_rms
from scenarios.headcount.planner import Planner

TinyBank = Callable[[int, float], Instance]


def test_the_cheapest_eligible_profile_is_hired(tiny_bank: TinyBank, policy: Policy) -> None:
    # 15 high customers: 30 points of work, 20 of capacity
    planner = Planner.build(tiny_bank(15, 20), {"high": 1.0}, policy=policy)
    result, actions = planner.solve()
    assert result.status == "optimal"
    # one AFP holder at the lowest grade hired (rm), in the VIP centre that exists
    assert actions[["action", "branch_id", "unit", "grade", "certifications", "count"]].to_dict(
        orient="records"
    ) == [
        {
            "action": "hire",
            "branch_id": "S1",
            "unit": "vip_center",
            "grade": "rm",
            "certifications": "AFP",
            "count": 1,
        }
    ]
    assert actions["rule"].iloc[0] == "tier:high" and actions["annual_cost"].iloc[0] == 250_000
    assert result.expected["high"][2] >= 15


def test_no_hire_when_the_bank_suffices(tiny_bank: TinyBank, policy: Policy) -> None:
    result, actions = Planner.build(tiny_bank(5, 20), {"high": 1.0}, policy=policy).solve()
    assert result.status == "optimal" and actions.empty


def test_extra_demand_raises_the_target_row(tiny_bank: TinyBank, policy: Policy) -> None:
    model = Planner.build(tiny_bank(15, 20), {"high": 0.5}, policy=policy).model
    plain = model.build({}).prob.get_constraint_by_name("target_high")
    raised = model.build({"high": 3}).prob.get_constraint_by_name("target_high")
    assert plain is not None and raised is not None
    assert -raised.constant == -plain.constant + 3 == 8 + 3


def test_a_tier_nobody_may_serve_is_infeasible_and_noted(
    tiny_bank: TinyBank, policy: Policy
) -> None:
    bank = remove_rms(tiny_bank(15, 20), rm_ids=["V1"])  # the only VIP centre RM leaves
    planner = Planner.build(
        bank, {"high": 1.0}, policy=policy, rules={"line_units": {"retail": ["outlet"]}}
    )
    assert planner.supply.no_rm == ["high"] and any("high" in n for n in planner.notes)
    assert planner.solve()[0].status == "infeasible"


def test_coverage_mode_within_a_budget(tiny_bank: TinyBank, policy: Policy) -> None:
    # 400 high customers, 800 points: V1 has 20, a hire the default 500 (499 net of packing)
    planner = Planner.build(tiny_bank(400, 20), {"high": 1.0}, policy=policy)
    assert planner.solve()[1]["count"].sum() == 2
    result, capped = planner.solve(budget=250_000)  # one AFP hire
    assert capped["count"].sum() == 1 and capped["annual_cost"].sum() <= 250_000
    assert 255 <= result.expected["high"][2] <= 260  # (19 + 499) / 2 customers of 2 points


def test_quota_limits_rm_posts(tiny_bank: TinyBank, policy: Policy) -> None:
    planner = Planner.build(
        tiny_bank(400, 20), {"high": 1.0}, policy=policy, quota={"S1": 2}, mode="coverage"
    )
    result, actions = planner.solve()
    at = actions.groupby("branch_id")["count"].sum().to_dict()
    assert result.status == "optimal" and at["S1"] == 1  # S1 has 1 RM today, 2 posts
    assert sum(at.values()) == 2  # the second hire goes where no quota binds
