"""Each staffing rule, one short test each, on the small named bank and its staff table
(``small_staff``: S1's VIP centre has 40 people, C0's wealth centre 8 certified managers)."""

from __future__ import annotations

import pandas as pd

from allocator.instance import Instance
from allocator.policy import Policy
from scenarios.headcount.checks import (
    CHECK_COLUMNS,
    assistant_requirements,
    busy_corporate_outlets,
    corporate_outlet_requirements,
    lobby_manager_requirements,
    rm_share_requirements,
    staffing_checks,
    staffing_requirements,
    vip_center_requirements,
    wealth_center_requirements,
)
from scenarios.headcount.requirement import Requirement, evaluate
from scenarios.headcount.roster import Roster, build_roster
from scenarios.headcount.rules import RULE_NAMES, StaffingRules, load_rules
from scenarios.headcount.staff import load_staff


def roster_of(bank: Instance, staff: pd.DataFrame | None, rules: StaffingRules) -> Roster:
    return build_roster(bank, load_staff(staff) if staff is not None else None, rules)


def ok(reqs: list[Requirement], roster: Roster, policy: Policy) -> dict[tuple[str, str], object]:
    table = evaluate(reqs, roster.frame, policy, roster.staff_given)
    return {
        (r, b): v for r, b, v in zip(table["rule"], table["branch_id"], table["ok"], strict=True)
    }


def test_without_a_staff_table_staff_rules_are_not_checked(
    small_bank: Instance, policy: Policy, rules: StaffingRules
) -> None:
    roster = roster_of(small_bank, None, rules)
    checks = staffing_checks(
        staffing_requirements(small_bank, policy, rules, roster), roster, policy
    )
    assert list(checks.columns) == list(CHECK_COLUMNS)
    row = checks[checks["rule"] == "rm_share"].iloc[0]
    assert row["ok"] is None and "no staff table" in row["note"]
    assert checks.loc[checks["rule"] == "vip_center.staff", "ok"].tolist() == [None]
    assert set(RULE_NAMES) >= {"lobby_manager", "corporate_outlet", "assistants"}


def test_rm_share(small_bank: Instance, policy: Policy, rules: StaffingRules) -> None:
    staff = pd.DataFrame({"branch_id": ["O1", "S1"], "staff": [25, 5]})  # the older form
    roster = roster_of(small_bank, staff, rules)
    assert ok(rm_share_requirements(roster, rules), roster, policy) == {
        ("rm_share", "O1"): False,  # 3 RMs of 25
        ("rm_share", "S1"): True,  # 4 RMs (VIP and outlet) of 5
    }


def test_a_vip_centre_with_40_staff_meets_the_15(
    small_bank: Instance, small_staff: pd.DataFrame, policy: Policy, rules: StaffingRules
) -> None:
    roster = roster_of(small_bank, small_staff, rules)
    assert ok(vip_center_requirements(roster, rules), roster, policy) == {
        ("vip_center.staff", "S1"): True,  # 2 RMs + 38 staff
        ("vip_center.marketing_manager", "S1"): True,
        ("vip_center.wealth_manager", "S1"): True,  # 3 + its 2 RMs
        ("vip_center.certified", "S1"): True,  # 2 AFP RMs, 2 AFP marketing managers
    }
    short = small_staff[small_staff["unit"] != "vip_center"]
    roster = roster_of(small_bank, short, rules)
    got = ok(vip_center_requirements(roster, rules), roster, policy)
    assert not got[("vip_center.staff", "S1")] and not got[("vip_center.marketing_manager", "S1")]


def test_a_wealth_centre_wants_all_managers_qualified(
    small_bank: Instance, small_staff: pd.DataFrame, policy: Policy, rules: StaffingRules
) -> None:
    roster = roster_of(small_bank, small_staff, rules)
    assert all(ok(wealth_center_requirements(roster, rules), roster, policy).values())
    cpb = small_staff.copy()
    cpb.loc[cpb["role"] == "lobby_manager", "certifications"] = "CPB"
    roster = roster_of(small_bank, cpb, rules)
    got = ok(wealth_center_requirements(roster, rules), roster, policy)
    assert got[("wealth_center.certified", "C0")] is False
    recognised = load_rules({"wealth_center_certifications": ["AFP", "CFP", "CPB"]})
    got = ok(wealth_center_requirements(roster, recognised), roster, policy)
    assert got[("wealth_center.certified", "C0")] is True  # a head-office-recognised one


def test_corporate_rm_at_busy_subbranches_and_outlets(small_bank: Instance, policy: Policy) -> None:
    lax = load_rules({"corporate_outlet_min_customers": 1})
    busy = busy_corporate_outlets(small_bank, policy, lax)
    assert set(busy["branch_id"]) == {"O1", "O2", "O3"}
    roster = build_roster(small_bank, None, lax)
    got = ok(corporate_outlet_requirements(small_bank, policy, lax), roster, policy)
    assert got == {
        ("corporate_outlet", "O1"): True,
        ("corporate_outlet", "O2"): False,
        ("corporate_outlet", "O3"): False,
    }


def test_corporate_rule_reads_deposits_when_the_bank_gives_them(
    small_bank: Instance, policy: Policy, rules: StaffingRules
) -> None:
    cust = small_bank.customers.copy()
    corp = cust["segment"] == "corporate"
    cust["deposits"] = 0.0
    cust.loc[corp & (cust["branch_id"] == "S1"), "deposits"] = 1.0  # none homed at S1
    cust.loc[corp & (cust["branch_id"] == "O2"), "deposits"] = 20_000_000.0
    bank = small_bank.replace(customers=cust)
    strict = rules.model_copy(update={"corporate_outlet_min_customers": 1_000})
    assert busy_corporate_outlets(bank, policy, strict)["branch_id"].tolist() == ["O2"]
    note = corporate_outlet_requirements(bank, policy, strict)[0].note
    assert "deposits" in note and "proxy" not in note


def test_a_lobby_manager_per_outlet(
    small_bank: Instance, small_staff: pd.DataFrame, policy: Policy, rules: StaffingRules
) -> None:
    roster = roster_of(small_bank, small_staff, rules)
    assert ok(lobby_manager_requirements(small_bank, rules), roster, policy) == {
        ("lobby_manager", "O1"): True,
        ("lobby_manager", "O2"): True,
        ("lobby_manager", "O3"): False,
    }


def test_n_plus_1_counts_the_assistant_post_not_the_grade(
    small_bank: Instance, policy: Policy
) -> None:
    two = load_rules({"assistants_per": 2})
    junior = small_bank.rms.copy()
    junior.loc[junior["rm_id"] == "R_O1A", "grade"] = "assistant"  # a junior RM, not a post
    bank = small_bank.replace(rms=junior)
    staff = pd.DataFrame(
        [("S1", "outlet", "assistant_post", 2, "")],
        columns=["branch_id", "unit", "role", "count", "certifications"],
    )
    roster = roster_of(bank, staff, two)
    got = ok(assistant_requirements(roster, two), roster, policy)
    assert got[("assistants", "O1")] is False  # 3 RMs need one post; the junior grade is no post
    assert got[("assistants", "S1")] is True  # 4 RMs, 2 posts
