"""The planner end to end: least-cost hires that the allocator turns into the target coverage
(checked by the checker), unreachable targets reported, bad input refused."""

from __future__ import annotations

import math

import pytest

from allocator.allocation import allocate
from allocator.checker import check_plan
from allocator.errors import InputError
from allocator.instance import Instance
from allocator.policy import Policy
from scenarios.edits import remove_rms
from scenarios.headcount import HIRE_COLUMNS, apply_hires, plan_headcount

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


def test_verified_plan(small_bank: Instance, policy: Policy) -> None:
    plan = plan_headcount(small_bank, TARGETS, policy=policy, time_limit=30, verify=True)
    assert plan.verification is not None and plan.verification["ok"].all()
    summary = plan.summary()
    assert summary["hires"] == plan.total_hires and summary["verification"]


def test_an_unreachable_target_is_reported(small_bank: Instance, policy: Policy) -> None:
    bank = remove_rms(small_bank, rm_ids=["K_P1R"])  # the only province-level corporate RM
    rules = {"candidate_branches": {"marketing": {"levels": ["city"]}}}
    plan = plan_headcount(bank, {"province": 1.0}, policy=policy, rules=rules)
    assert plan.status == "infeasible" and plan.total_hires == 0
    assert any("province" in n for n in plan.notes)


def test_unknown_rule_to_enforce(small_bank: Instance, policy: Policy) -> None:
    with pytest.raises(InputError, match="unknown rule"):
        plan_headcount(small_bank, TARGETS, policy=policy, enforce=["lobby"])


def test_a_salary_table_is_required(small_bank: Instance, policy: Policy) -> None:
    with pytest.raises(InputError, match="salary table"):
        plan_headcount(small_bank, TARGETS, policy=policy, salaries=None)
