"""Each action says what it is for, read off the solution: the tiers its RMs serve, the rules
where it lands that were short or are tight."""

from __future__ import annotations

import pandas as pd

from allocator.instance import Instance
from allocator.policy import Policy
from scenarios.headcount.planner import Planner


def test_a_vip_centre_short_of_certified_staff_gets_certifications(
    small_bank: Instance, small_staff: pd.DataFrame, policy: Policy
) -> None:
    rms = small_bank.rms.copy()
    rms.loc[rms["unit"] == "vip_center", "certifications"] = ""  # S1's two RMs lose their AFP
    staff = small_staff.copy()
    staff.loc[staff["unit"] == "vip_center", "certifications"] = ""
    bank = small_bank.replace(rms=rms)
    no_moves = {"transfer": {"enabled": False}}  # else moving the CFP holder from C0 is cheaper
    alone = Planner.build(
        bank, {"mid": 0.0}, policy=policy, staff=staff, enforce="vip_center", levers=no_moves
    )
    result, actions = alone.solve()
    assert result.status == "optimal"
    assert set(actions["action"]) == {"certify"} and actions["count"].sum() == 2  # cheapest
    # with the VIP customers to cover too, every person for the rule is certified
    both = Planner.build(bank, {"high": 1.0}, policy=policy, staff=staff, enforce="vip_center")
    _, actions = both.solve()
    fix = actions[actions["rule"].str.contains("vip_center.certified")]
    assert fix["count"].sum() >= 2 and (fix["certifications"] != "").all()


def test_each_row_names_its_rule(
    small_bank: Instance, small_staff: pd.DataFrame, policy: Policy
) -> None:
    staff = small_staff[small_staff["role"] != "lobby_manager"]
    planner = Planner.build(
        small_bank, {"mid": 0.0}, policy=policy, staff=staff, enforce="lobby_manager"
    )
    _, actions = planner.solve()
    assert set(actions["rule"]) == {"rule:lobby_manager"}
    assert set(actions["role"]) == {"lobby_manager"}
    assert sorted(actions["branch_id"]) == ["O1", "O2", "O3"]


def test_a_move_serves_where_it_lands_not_where_it_leaves(
    small_bank: Instance, policy: Policy
) -> None:
    staff = pd.DataFrame(
        [("O2", "outlet", "counter", 9, ""), ("O3", "outlet", "counter", 9, "")],
        columns=["branch_id", "unit", "role", "count", "certifications"],
    )
    no_redeploy = {"redeploy": {"enabled": False}}
    planner = Planner.build(
        small_bank, {"mid": 0.0}, policy=policy, staff=staff, enforce="rm_share", levers=no_redeploy
    )
    _, actions = planner.solve()
    moves = actions[actions["action"] == "transfer"]
    assert len(moves) and (moves["rule"] == "rule:rm_share").all()
    assert set(moves["branch_id"]) <= {"O2", "O3"}
