"""The planner end to end on the small named bank: the actions reach the targets under an
independent allocation, the staffing rules hold after the plan, each row fits its rule, the
required RMs agree with the actions, and bad input is refused."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from allocator.allocation import allocate
from allocator.errors import InputError
from allocator.instance import Instance
from allocator.policy import Policy
from scenarios.edits import remove_rms
from scenarios.headcount import ACTION_COLUMNS, apply_actions, plan_headcount

TARGETS = {"private": 1.0, "high": 1.0, "mid": 0.95}


def reached(bank: Instance, policy: Policy, targets: dict[str, float]) -> dict[str, bool]:
    """Allocate ``bank`` (the checked pipeline) and say, per tier, whether it meets its target."""
    plan = allocate(bank, policy=policy, time_limit=30, seed=0, workers=1)
    cov = plan.kpis["coverage_by_tier"]
    return {
        t: cov[t]["assigned"] >= math.ceil(share * cov[t]["customers"] - 1e-9)
        for t, share in targets.items()
    }


def test_the_plan_reaches_the_targets(small_bank: Instance, policy: Policy) -> None:
    assert not all(reached(small_bank, policy, TARGETS).values())  # the bank is short today
    plan = plan_headcount(small_bank, TARGETS, policy=policy, time_limit=30)
    assert plan.status == "optimal" and plan.total_hires > 0
    assert list(plan.hires.columns) == list(ACTION_COLUMNS)
    assert plan.total_cost == pytest.approx(plan.hires["annual_cost"].sum())
    assert all(reached(apply_actions(small_bank, plan.hires), policy, TARGETS).values())


def test_with_every_rule_enforced_the_rules_hold_after(
    small_bank: Instance, small_staff: pd.DataFrame, policy: Policy
) -> None:
    plan = plan_headcount(
        small_bank, TARGETS, policy=policy, staff=small_staff, enforce="all", verify=True
    )
    assert plan.status == "optimal" and plan.verification is not None
    assert plan.verification["ok"].all()
    assert (plan.checks_before["ok"] == False).any()  # noqa: E712  (O3: no lobby manager)
    assert not (plan.checks_after["ok"] == False).any()  # noqa: E712
    assert plan.audit.empty, plan.audit
    assert (
        plan.required["gap"].sum()
        == plan.hires.loc[plan.hires["role"] == "rm", "count"]
        .where(plan.hires["action"] == "hire", 0)
        .sum()
    )
    summary = plan.summary()
    assert summary["staffing_unmet_after"] == 0 and summary["verification"]


def test_a_vip_centre_with_40_staff_needs_no_hire_for_the_15(
    small_bank: Instance, small_staff: pd.DataFrame, policy: Policy
) -> None:
    plan = plan_headcount(
        small_bank, {"mid": 0.5}, policy=policy, staff=small_staff, enforce="vip_center"
    )
    assert not plan.hires["rule"].str.contains("vip_center").any()


def test_coverage_mode_keeps_to_the_budget(small_bank: Instance, policy: Policy) -> None:
    plan = plan_headcount(small_bank, TARGETS, policy=policy, mode="coverage", budget=100_000)
    assert plan.status == "optimal" and plan.total_cost <= 100_000
    assert plan.summary()["mode"] == "coverage"


def test_an_unreachable_target_is_reported(small_bank: Instance, policy: Policy) -> None:
    bank = remove_rms(small_bank, rm_ids=["K_P1R"])  # the only province-level corporate RM
    rules = {"candidate_branches": {"marketing": {"levels": ["city"]}}}
    plan = plan_headcount(bank, {"province": 1.0}, policy=policy, rules=rules)
    assert plan.status == "infeasible" and plan.hires.empty
    assert any("province" in n for n in plan.notes)


def test_unknown_rule_to_enforce(small_bank: Instance, policy: Policy) -> None:
    with pytest.raises(InputError, match="unknown rule"):
        plan_headcount(small_bank, TARGETS, policy=policy, enforce=["lobby"])


def test_a_salary_table_is_required(small_bank: Instance, policy: Policy) -> None:
    with pytest.raises(InputError, match="salary table"):
        plan_headcount(small_bank, TARGETS, policy=policy, salaries=None)
