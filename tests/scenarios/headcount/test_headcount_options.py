"""The planner's options: RM groups, non-RM hires where an enforced rule counts them, and the
levers beside hiring, each priced and drawing on its pool of people."""

from __future__ import annotations

from typing import Any

import pandas as pd

from allocator.instance import Instance
from allocator.policy import Policy
from scenarios.headcount.lever_options import (
    certify_rm_options,
    redeploy_options,
    scope_of,
    transfer_options,
)
from scenarios.headcount.levers import load_levers
from scenarios.headcount.options import build_catalogue, rm_groups
from scenarios.headcount.rules import StaffingRules


def test_rm_groups(small_bank: Instance) -> None:
    groups = rm_groups(small_bank)
    assert groups["count"].sum() == len(small_bank.rms)
    vip = groups[groups["unit"] == "vip_center"].iloc[0]
    assert vip["count"] == 2 and set(vip["rm_ids"]) == {"V_S1A", "V_S1B"}


def test_staff_hires_only_for_enforced_rules(lever_inputs: tuple[Any, ...]) -> None:
    plain = build_catalogue(*lever_inputs, set())
    assert not (plain.decisions["kind"] == "hire_staff").any()
    lobby = build_catalogue(*lever_inputs, {"lobby_manager"})
    hires = lobby.decisions[lobby.decisions["kind"] == "hire_staff"]
    assert set(hires["role"]) == {"lobby_manager"} and set(hires["branch_id"]) == {"O1", "O2", "O3"}


def test_redeploy_is_capped_by_the_share(lever_inputs: tuple[Any, ...]) -> None:
    rows, pools = redeploy_options(*lever_inputs, set())
    assert pools == {
        "staff:O1:counter": 2,
        "staff:O2:counter": 1,
        "staff:O3:counter": 3,
        "staff:O3:back_office": 1,
    }
    o1 = [r for r in rows if r["pool"] == "staff:O1:counter"]
    assert {(r["role"], r["line"], r["grade"]) for r in o1} == {
        ("rm", "retail", "rm"),
        ("rm", "corporate", "rm"),
    }
    # retraining plus the post's salary over the counter clerk's: 20,000 + 220,000 - 120,000
    assert next(r["cost"] for r in o1 if r["line"] == "retail") == 120_000


def test_certify_costs_the_course_and_the_premium(
    small_bank: Instance, policy: Policy, salaries: pd.DataFrame
) -> None:
    groups = rm_groups(small_bank)
    rows = certify_rm_options(groups, policy, load_levers(), salaries)
    vip_cfp = next(r for r in rows if r["unit"] == "vip_center" and r["added"] == "CFP")
    assert vip_cfp["cost"] == 40_000 + (470_000 - 430_000)  # senior AFP -> senior AFP+CFP
    assert not any(r["line"] == "corporate" for r in rows)
    cfp_holder = int(groups.index[groups["rm_ids"].map(lambda ids: "W_C0A" in ids)][0])
    assert not any(r["group"] == cfp_holder and r["added"] == "AFP" for r in rows)  # CFP meets AFP


def test_transfers_stay_in_the_city(
    small_bank: Instance, policy: Policy, rules: StaffingRules
) -> None:
    scope = scope_of(small_bank, "city")
    assert scope["O3"] == "C0" and "P1" not in scope
    rows = transfer_options(small_bank, policy, rules, load_levers(), rm_groups(small_bank))
    assert rows and all(scope[str(r["branch_id"])] == "C0" for r in rows)
    assert not any(r["source"] == "P1" for r in rows)  # the province RM has no city to move in
