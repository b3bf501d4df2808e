"""Random banks (Hypothesis): every plan passes the independent checker, its KPIs agree with the
checker's own score, and on tiny banks the cover value and moves are the proven optimum
(enumeration of every assignment of the compiled problem)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pairproblem import optimum
from randombanks import customer_fields
from tinybank import TREE, frames

from allocator import allocate
from allocator.checker import check_plan, score_plan
from allocator.errors import InputError
from allocator.validation import load_instance

BRANCHES = [b for b, _, _ in TREE]
AUMS = [0, 100_000, 250_000, 600_000, 7_000_000]


@st.composite
def tiny_banks(draw: st.DrawFn, max_customers: int = 6, max_rms: int = 4):
    n_rms = draw(st.integers(1, max_rms))
    rms = []
    for _ in range(n_rms):
        rms.append(
            {
                "line": draw(st.sampled_from(["retail", "corporate"])),
                "grade": draw(st.sampled_from(["rm", "intermediate", "senior"])),
                "certifications": draw(st.sampled_from(["", "AFP", "CFP"])),
                "branch_id": draw(st.sampled_from(BRANCHES)),
                "unit": draw(
                    st.sampled_from(["outlet", "vip_center", "wealth_center", "marketing"])
                ),
                "capacity": draw(st.sampled_from(["", "1", "2", "3", "9", "16"])),
                "active": draw(st.sampled_from(["true", "true", "true", "false"])),
            }
        )
    customers = []
    for _ in range(draw(st.integers(1, max_customers))):
        customers.append(
            {
                **customer_fields(draw, AUMS),
                "current_rm_id": draw(st.sampled_from(["", *[f"M{i + 1}" for i in range(n_rms)]])),
                "locked": draw(st.sampled_from(["", "", "", "true"])),
            }
        )
    for c in customers:
        if not c["current_rm_id"]:
            c["locked"] = ""
    return rms, customers


def _instance(rms, customers):
    c, r, b = frames(rms, customers)
    return load_instance(c, r, b)


def _allocate(inst):
    try:
        return allocate(inst, time_limit=10, workers=1, seed=1)
    except InputError as exc:  # conflicting locks: a legitimate, explained rejection
        assert exc.issues and all(i.file == "customers" and i.row for i in exc.issues)
        return None


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tiny_banks())
def test_every_plan_passes_the_checker(bank):
    inst = _instance(*bank)
    plan = _allocate(inst)
    if plan is None:
        return
    report = check_plan(plan.instance, plan.assignments, plan.policy)
    assert report.ok, report.summary()
    score = score_plan(plan.instance, plan.assignments, plan.policy)
    assert score["cover_value"] == plan.kpis["cover_value"]
    assert score["moved"] == plan.kpis["status_counts"]["moved"]
    assert set(plan.assignments["customer_id"]) == set(inst.customers["customer_id"])


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tiny_banks(max_customers=5, max_rms=3))
def test_tiny_banks_reach_the_proven_optimum(bank):
    inst = _instance(*bank)
    plan = _allocate(inst)
    if plan is None:
        return
    problem = plan.compiled.problem
    assert plan.solution.status.value == "optimal"
    value, moves, _, _ = optimum(problem)  # type: ignore[misc]
    assert plan.kpis["cover_value"] == value
    assert problem.moves(plan.solution.assignment) == moves


@pytest.mark.parametrize("seed", [3, 11])
def test_generated_bank_plan_passes_checker(seed):
    from allocator.synth import generate_bank

    inst = generate_bank(400, seed)
    plan = allocate(inst, time_limit=20, workers=2, seed=seed)
    report = check_plan(plan.instance, plan.assignments, plan.policy)
    assert report.ok, report.summary()
    assert plan.kpis["assigned"] > 0
