"""Each staffing rule as a check, on the small named bank (S1: a VIP centre of two AFP holders;
C0: a wealth centre of one CFP holder; O1: two retail RMs and a corporate one)."""

from __future__ import annotations

import pandas as pd

from allocator.instance import Instance
from allocator.policy import Policy
from scenarios.headcount.checks import (
    CHECK_COLUMNS,
    assistant_checks,
    busy_corporate_outlets,
    center_checks,
    corporate_outlet_checks,
    rm_share_checks,
    staffing_checks,
)
from scenarios.headcount.rules import RULE_NAMES, StaffingRules, load_rules


def test_staffing_checks_without_staff_table_say_so(
    small_bank: Instance, policy: Policy, rules: StaffingRules
) -> None:
    checks = staffing_checks(small_bank, policy, rules)
    assert list(checks.columns) == list(CHECK_COLUMNS)
    row = checks[checks["rule"] == "rm_share"].iloc[0]
    assert row["ok"] is None and "no staff table" in row["note"]
    assert set(checks["rule"]) >= {
        "wealth_center.staff",
        "wealth_center.certified",
        "vip_center.staff",
        "vip_center.certified",
        "assistants",
    }
    assert set(RULE_NAMES) == {
        "rm_share",
        "wealth_center",
        "vip_center",
        "corporate_outlet",
        "assistants",
    }


def test_rm_share(small_bank: Instance, rules: StaffingRules) -> None:
    staff = pd.DataFrame({"branch_id": ["O1", "S1"], "staff": [25, 5]})
    rows = rm_share_checks(small_bank.rms, rules, staff)
    assert [(b, ok) for _, b, _, _, ok, _ in rows] == [("O1", False), ("S1", True)]


def test_centres(small_bank: Instance, policy: Policy, rules: StaffingRules) -> None:
    wealth = center_checks(small_bank.rms, policy, rules, "wealth_center")
    assert [(r[0], r[1], r[4]) for r in wealth] == [
        ("wealth_center.staff", "C0", False),  # 1 of 8
        ("wealth_center.certified", "C0", True),  # all of 1
    ]
    vip = center_checks(small_bank.rms, policy, rules, "vip_center")
    assert [(r[0], r[3], r[4]) for r in vip] == [
        ("vip_center.staff", 2.0, False),
        ("vip_center.certified", 2.0, True),
    ]


def test_busy_corporate_outlets(small_bank: Instance, policy: Policy) -> None:
    lax = load_rules({"corporate_outlet_min_customers": 1})
    busy = busy_corporate_outlets(small_bank, policy, lax)
    assert list(busy["branch_id"]) == ["O1", "O2", "O3"]
    rows = corporate_outlet_checks(small_bank, small_bank.rms, policy, lax)
    assert {r[1]: r[4] for r in rows} == {"O1": True, "O2": False, "O3": False}


def test_assistants(small_bank: Instance) -> None:
    rows = assistant_checks(small_bank.rms, load_rules({"assistants_per": 2}))
    o1 = next(r for r in rows if r[1] == "O1")  # 3 RMs, no assistant: one needed
    assert o1[2:5] == (1.0, 0.0, False)
