"""The headcount planner: least-cost hires that the allocator turns into the target coverage
(checked by the checker), the staffing rules as checks and as constraints, bad input."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from allocator.allocation import allocate
from allocator.checker import check_plan
from allocator.errors import InputError
from allocator.instance import Instance
from allocator.policy import Policy
from allocator.validation import load_instance
from scenarios.edits import remove_rms
from scenarios.headcount import (
    HIRE_COLUMNS,
    RULE_NAMES,
    apply_hires,
    load_rules,
    parse_targets,
    plan_headcount,
    required_rms,
    staffing_checks,
)

TARGETS = {"private": 1.0, "high": 1.0, "mid": 0.95}


def reached(bank: Instance, policy: Policy, targets: dict[str, float]) -> dict[str, bool]:
    """Allocate ``bank`` and say, per tier, whether the plan reaches the target; the plan must
    pass the checker."""
    plan = allocate(bank, policy=policy, time_limit=30, seed=0, workers=1)
    assert check_plan(bank, plan.assignments, policy).ok
    cov = plan.kpis["coverage_by_tier"]
    return {
        t: cov[t]["assigned"] >= math.ceil(share * cov[t]["customers"] - 1e-9)
        for t, share in targets.items()
    }


def test_hires_reach_the_targets(small_bank: Instance, policy: Policy) -> None:
    before = reached(small_bank, policy, TARGETS)
    assert not all(before.values())  # the bank is short today
    plan = plan_headcount(small_bank, TARGETS, policy=policy, time_limit=30)
    assert plan.status == "optimal" and plan.total_hires > 0
    assert list(plan.hires.columns) == list(HIRE_COLUMNS)
    assert plan.total_cost == pytest.approx(plan.hires["cost"].sum())
    assert all(reached(apply_hires(small_bank, plan.hires), policy, TARGETS).values())


def tiny_bank(n_high: int, vip_capacity: float) -> Instance:
    branches = pd.DataFrame(
        [
            ("HO", "", "head_office"),
            ("P1", "HO", "province"),
            ("C0", "P1", "city"),
            ("S1", "C0", "subbranch"),
            ("O1", "S1", "outlet"),
        ],
        columns=["branch_id", "parent_id", "level"],
    )
    rms = pd.DataFrame(
        [("V1", "retail", "senior", "AFP", "S1", "vip_center", vip_capacity)],
        columns=["rm_id", "line", "grade", "certifications", "branch_id", "unit", "capacity"],
    )
    customers = pd.DataFrame(
        {
            "customer_id": [f"H{i}" for i in range(n_high)],
            "segment": "retail",
            "branch_id": "O1",
            "aum": 800_000.0,
            "annual_contribution": 0.0,
        }
    )
    return load_instance(customers, rms, branches)


def test_the_cheapest_eligible_profile_is_hired(policy: Policy) -> None:
    bank = tiny_bank(n_high=15, vip_capacity=20)  # 30 points of work, 20 of capacity
    plan = plan_headcount(bank, {"high": 1.0}, policy=policy, time_limit=30)
    # one AFP holder at the lowest grade the rules hire (rm), in the VIP centre that exists
    # (a wealth-centre hire at C0 costs the same; the tie goes to the branch nearer the customers)
    assert plan.hires.to_dict(orient="records") == [
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
    none = plan_headcount(tiny_bank(n_high=5, vip_capacity=20), {"high": 1.0}, policy=policy)
    assert none.status == "optimal" and none.total_hires == 0


def test_an_unreachable_target_is_reported(small_bank: Instance, policy: Policy) -> None:
    bank = remove_rms(small_bank, rm_ids=["K_P1R"])  # the only province-level corporate RM
    rules = {"candidate_branches": {"marketing": {"levels": ["city"]}}}
    plan = plan_headcount(bank, {"province": 1.0}, policy=policy, rules=rules)
    assert plan.status == "infeasible" and plan.total_hires == 0
    assert any("province" in n for n in plan.notes)


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


def test_staffing_checks_without_staff_table_say_so(small_bank: Instance, policy: Policy) -> None:
    checks = staffing_checks(small_bank, policy, load_rules())
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


def test_required_rms_from_service_capacity(small_bank: Instance, policy: Policy) -> None:
    table = required_rms(small_bank, policy, {"mid": 1.0, "high": 1.0})
    row = table[(table["branch_id"] == "O1") & (table["line"] == "retail")].iloc[0]
    tiers = __import__("allocator.rules", fromlist=["assign_tiers"]).assign_tiers(
        small_bank.customers, policy
    )
    at = small_bank.customers["branch_id"].eq("O1").to_numpy()
    work = tiers.loc[at & tiers["tier"].isin(["mid", "high"]).to_numpy(), "workload"].sum()
    assert row["required_rms"] == math.ceil(work / policy.default_capacity["retail"])
    assert row["current_rms"] == 2
    per_rm = pd.DataFrame({"tier": ["mid", "high"], "customers_per_rm": [10, 5]})
    custom = required_rms(small_bank, policy, {"mid": 1.0, "high": 1.0}, per_rm)
    assert (custom["required_rms"] >= table["required_rms"]).all()


@pytest.mark.parametrize(
    "text,match",
    [
        ("platinum=1", "unknown tier"),
        ("ordinary=0.5", "pooled"),
        ("mid=1.5", "share"),
        ("mid=abc", "share"),
        ("", "no target"),
    ],
)
def test_bad_targets(text: str, match: str, policy: Policy) -> None:
    with pytest.raises(InputError, match=match):
        parse_targets(text, policy)


def test_targets_parse(policy: Policy) -> None:
    assert parse_targets("private=1.0, high=1,mid=0.95", policy) == TARGETS


def test_unknown_rule_to_enforce(small_bank: Instance, policy: Policy) -> None:
    with pytest.raises(InputError, match="unknown rule"):
        plan_headcount(small_bank, TARGETS, policy=policy, enforce=["lobby"])
