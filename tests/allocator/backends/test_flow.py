"""The large-scale backend ``flow``: optimal where the LP allows, valid always, an honest bound.

Tiny named problems are built with NumPy (customers ``c0..``, RMs ``r0..``, every customer's
workload the same on all its RMs, as in every compiled bank). Without side rules the flow (with
its exact repair) must reach the optimum CP-SAT proves; with side rules it must break none and
report a bound no lower than the optimum. Generated banks go through ``allocate`` and the
independent checker. Hypothesis draws random small problems for the same oracles.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pairproblem
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from allocator.backends import choose_backend, from_name
from allocator.backends.base import Capability, SolveControl
from allocator.backends.flow import FlowBackend, customer_weights_constant
from allocator.flow.network import Hubs, rm_groups
from allocator.flow.seating import seat
from allocator.flow.transport import solve_transport
from allocator.params import SolveOptions
from allocator.problem import Problem
from allocator.solution import Solution, SolutionStatus, Termination

Pair = tuple[int, int, int]  # customer, rm, value (the customer's weight is given apart)


def problem(
    weights: Sequence[int], capacity: Sequence[int], pairs: Iterable[Pair], **rules: Any
) -> Problem:
    """A Problem from ``(customer, rm, value)`` pairs; ``weights[c]`` is customer c's workload
    (``rules``: as :func:`pairproblem.problem`)."""
    return pairproblem.problem(
        len(weights), capacity, [(c, r, weights[c], v) for c, r, v in pairs], **rules
    )


def solve(name: str, p: Problem, time_limit: float = 10.0) -> Solution:
    return from_name(name).solve(p, SolveOptions(time_limit=time_limit, seed=0, workers=1))


def assert_valid(p: Problem, sol: Solution) -> None:
    """No hard rule broken; a claimed cover bound is no lower than what the plan reaches."""
    if sol.status in (SolutionStatus.INFEASIBLE, SolutionStatus.NO_SOLUTION):
        assert (sol.assignment < 0).all()
        return
    assert p.violations(sol.assignment) == []
    cover = sol.stage("cover_value")
    assert cover is not None
    assert cover.objective == p.cover_value(sol.assignment)
    assert cover.bound >= cover.objective


# ------------------------------------------------------------------------------------------------
# without side rules the flow reaches the optimum
# ------------------------------------------------------------------------------------------------
def test_rounding_loss_is_repaired() -> None:
    # the LP splits the 8-point private client across r0 and r1 (6 points each); whole
    # customers: one private client and the mid ones around it
    p = problem(
        [8, 8, 1, 1, 1, 1],
        [9, 9],
        [(0, 0, 1000), (0, 1, 1000), (1, 0, 1000), (1, 1, 1000)]
        + [(c, r, 10) for c in range(2, 6) for r in range(2)],
    )
    sol = solve("flow", p)
    assert_valid(p, sol)
    assert p.cover_value(sol.assignment) == 2000 + 20
    assert sol.stage("cover_value").bound == 2000 + 20  # type: ignore[union-attr]


def test_capacity_binds_and_value_wins() -> None:
    # three customers want r0 (room for two); c3 weighs more than any RM can carry
    p = problem(
        [1, 1, 1, 5], [2, 1], [(0, 0, 100), (1, 0, 100), (2, 0, 10), (2, 1, 10), (3, 0, 1000)]
    )
    sol = solve("flow", p)
    assert_valid(p, sol)
    assert sol.assignment.tolist() == [0, 0, 1, -1]


def test_continuity_keeps_today_rm_and_prefers_keeping_to_dropping() -> None:
    # c0 is with r0 today (moving gains nothing); r1 has room for one of c1 (there today) and
    # the newcomer c2 (equal value): c1 stays
    p = problem(
        [1, 1, 1],
        [5, 1],
        [(0, 0, 100), (0, 1, 100), (1, 1, 10), (2, 1, 10)],
        current={0: 0, 1: 1},
    )
    sol = solve("flow", p)
    assert_valid(p, sol)
    assert sol.assignment.tolist() == [0, 1, -1]
    cont = sol.stage("continuity")
    assert cont is not None and cont.objective == 0 and cont.status == SolutionStatus.OPTIMAL


def test_pooled_customers_are_seated_apart() -> None:
    # six identical customers (one klass), two with r0 today and one with r1: the flow pools
    # them, the seating still puts each on today's RM where the flow allows
    p = problem(
        [1] * 6,
        [3, 3],
        [(c, r, 10) for c in range(6) for r in range(2)],
        current={0: 0, 1: 0, 2: 1},
        klass=[0] * 6,
    )
    sol = solve("flow", p)
    assert_valid(p, sol)
    assert sol.assignment[:3].tolist() == [0, 0, 1]
    assert p.moves(sol.assignment) == 0 and (sol.assignment >= 0).all()


def test_required_customer_with_a_choice_is_placed() -> None:
    # c0 must be served (a lock with a choice, as in hand-made problems); it is worth little
    p = problem([2, 2], [2, 2], [(0, 0, 1), (0, 1, 1), (1, 0, 1000)], required=[0])
    sol = solve("flow", p)
    assert_valid(p, sol)
    assert sol.assignment.tolist() == [1, 0]


def test_required_customer_that_cannot_fit_is_infeasible() -> None:
    p = problem([3, 1], [1], [(0, 0, 10), (1, 0, 10)], required=[0])
    sol = solve("flow", p)
    assert sol.status == SolutionStatus.INFEASIBLE
    assert (sol.assignment < 0).all()


def test_empty_problem() -> None:
    p = problem([1, 1], [5], [])
    sol = solve("flow", p)
    assert sol.assignment.tolist() == [-1, -1]
    assert sol.status in (SolutionStatus.OPTIMAL, SolutionStatus.FEASIBLE)


@pytest.mark.parametrize("seed", range(12))
def test_reaches_the_cpsat_optimum_without_side_rules(seed: int) -> None:
    p = random_problem(np.random.default_rng(seed), side_rules=False)
    flow, exact = solve("flow", p), solve("cpsat", p)
    assert exact.status == SolutionStatus.OPTIMAL
    assert_valid(p, flow)
    a, b = flow.assignment, exact.assignment
    assert p.cover_value(a) == p.cover_value(b)
    assert (p.moves(a), p.dropped(a)) == (p.moves(b), p.dropped(b))
    assert flow.stage("cover_value").status == SolutionStatus.OPTIMAL  # type: ignore[union-attr]


# ------------------------------------------------------------------------------------------------
# side rules: never broken
# ------------------------------------------------------------------------------------------------
def test_group_shares_one_rm() -> None:
    # c0 and c1 form a group; r1 is the only RM both may have
    p = problem(
        [1, 1, 1], [5, 5], [(0, 0, 100), (0, 1, 100), (1, 1, 100), (2, 0, 10)], groups=[[0, 1]]
    )
    sol = solve("flow", p)
    assert_valid(p, sol)
    assert sol.assignment.tolist() == [1, 1, 0]


def test_group_that_cannot_share_keeps_one_member() -> None:
    p = problem([1, 1], [5, 5], [(0, 0, 500), (1, 1, 100)], groups=[[0, 1]])
    sol = solve("flow", p)
    assert_valid(p, sol)
    assert int((sol.assignment >= 0).sum()) <= 1


def test_one_to_one_rm_serves_nobody_else() -> None:
    # c0 is one-to-one with r0 only; c1 and c2 could also go to r0
    p = problem(
        [1, 1, 1], [10, 10], [(0, 0, 1000), (1, 0, 100), (1, 1, 100), (2, 0, 10)], exclusive=[0]
    )
    sol = solve("flow", p)
    assert_valid(p, sol)
    assert sol.assignment.tolist() == [0, 1, -1]


def test_one_to_one_allows_own_group() -> None:
    p = problem(
        [1, 1, 1], [10], [(0, 0, 1000), (1, 0, 100), (2, 0, 10)], exclusive=[0], groups=[[0, 1]]
    )
    sol = solve("flow", p)
    assert_valid(p, sol)
    assert sol.assignment.tolist() == [0, 0, -1]


def test_one_to_one_that_cannot_be_dedicated_is_left_out() -> None:
    # c1 and c2 are locked on r0; c0 is one-to-one with r0 only: it must go without
    p = problem(
        [1, 1, 1], [10], [(0, 0, 1000), (1, 0, 10), (2, 0, 10)], exclusive=[0], required=[1, 2]
    )
    sol = solve("flow", p)
    assert_valid(p, sol)
    assert sol.assignment.tolist() == [-1, 0, 0]


def test_one_to_one_units_share_scarce_rms_by_matching() -> None:
    # three one-to-one customers, three RMs; c0 may only have r0 and must not lose it to c1
    p = problem(
        [1, 1, 1],
        [5, 5, 5],
        [(0, 0, 1000), (1, 0, 1000), (1, 1, 1000), (2, 1, 500), (2, 2, 500)],
        exclusive=[0, 1, 2],
    )
    sol = solve("flow", p)
    assert_valid(p, sol)
    assert sol.assignment.tolist() == [0, 1, 2]


def test_locks_are_kept() -> None:
    p = problem(
        [2, 1, 1], [2, 5], [(0, 0, 10), (1, 0, 1000), (1, 1, 1000), (2, 0, 100)], required=[0]
    )
    sol = solve("flow", p)
    assert_valid(p, sol)
    assert sol.assignment.tolist() == [0, 1, -1]


@pytest.mark.parametrize("seed", range(16))
def test_side_rules_are_respected_and_bound_holds(seed: int) -> None:
    p = random_problem(np.random.default_rng(100 + seed), side_rules=True)
    sol = solve("flow", p)
    assert_valid(p, sol)
    best = pairproblem.optimum(p)
    if best is not None and sol.stages:
        assert sol.stage("cover_value").bound >= best[0]  # type: ignore[union-attr]


# ------------------------------------------------------------------------------------------------
# Hypothesis: random small problems
# ------------------------------------------------------------------------------------------------
def random_problem(rng: np.random.Generator, side_rules: bool, n: int = 7, m: int = 3) -> Problem:
    weights = rng.integers(1, 4, n).tolist()
    pairs = [
        (c, r, int(rng.choice([10, 100, 500])))
        for c in range(n)
        for r in range(m)
        if rng.random() < 0.6
    ]
    current: dict[int, int] = {}
    for c, r, _ in pairs:
        if c not in current and rng.random() < 0.5:
            current[c] = r
    members = rng.choice(n, size=4, replace=False)
    return problem(
        weights,
        rng.integers(2, 7, m).tolist(),
        pairs,
        groups=[members[:2].tolist(), members[2:].tolist()] if side_rules else [],
        exclusive=[int(rng.integers(n))] if side_rules and rng.random() < 0.5 else [],
        current=current,
    )


def problems() -> st.SearchStrategy[tuple[Problem, bool]]:
    """Tiny problems with every side rule and locks, and whether each has side rules."""
    return pairproblem.random_problems(
        customers=7, most_weight=4, most_capacity=6, flags=("none", "excl", "g0", "g1", "lock")
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=problems())
def test_random_problems_valid_and_bounded(case: tuple[Problem, bool]) -> None:
    p, side = case
    sol = solve("flow", p, time_limit=5.0)
    best = pairproblem.optimum(p)
    if best is None:  # the locks alone break a rule
        assert sol.status == SolutionStatus.INFEASIBLE
        return
    assert_valid(p, sol)
    assert sol.stage("cover_value").bound >= best[0]  # type: ignore[union-attr]
    if not side:
        assert p.cover_value(sol.assignment) == best[0]
        assert (p.moves(sol.assignment), p.dropped(sol.assignment)) == best[1:3]


# ------------------------------------------------------------------------------------------------
# generated banks through allocate(): the checker agrees, the bound holds
# ------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module", params=[(3000, 1, 1.0), (3000, 2, 1.6), (20000, 3, 1.0)])
def bank(request: pytest.FixtureRequest) -> object:
    synth = pytest.importorskip("allocator.synth")
    n, seed, tightness = request.param
    return synth.generate_bank(n, seed=seed, tightness=tightness)


def test_generated_bank_plan_passes_checker(bank: object) -> None:
    from allocator.allocation import allocate
    from allocator.checker import check_plan, score_plan
    from allocator.policy import default_policy

    plan = allocate(bank, backend="flow", time_limit=30.0, seed=0, workers=1)  # type: ignore[arg-type]
    policy = default_policy()
    report = check_plan(bank, plan.assignments, policy)  # type: ignore[arg-type]
    assert report.ok, report.summary()
    score = score_plan(bank, plan.assignments, policy)  # type: ignore[arg-type]
    stages = {s.name: s for s in plan.solution.stages}
    assert plan.solution.backend == "flow"
    assert stages["cover_value"].objective == score["cover_value"]
    assert stages["cover_value"].bound >= stages["cover_value"].objective
    # the bar is 0.5 % of the LP bound at 10^5 customers and more (benchmarks/RESULTS.md);
    # on small banks the LP itself is looser than that where one-to-one customers are short of
    # RMs (a dedicated RM counts only its strengthened workload), so 2 % here, and the proven
    # optimum is the yardstick of test_bound_is_above_the_proven_optimum
    assert stages["cover_value"].gap < 0.02
    assert stages["continuity"].objective == score["moved"]
    assert stages["balance"].objective == pytest.approx(score["max_utilisation"], abs=1e-9)


def test_bound_is_above_the_proven_optimum() -> None:
    synth = pytest.importorskip("allocator.synth")
    from allocator.compile import compile_problem
    from allocator.policy import default_policy

    bank = synth.generate_bank(3000, seed=2, tightness=1.6)
    p = compile_problem(bank, default_policy()).problem.replace(stages=("cover_value",))
    exact = solve("cpsat", p, time_limit=60.0)
    flow = solve("flow", p)
    assert_valid(p, flow)
    if exact.status == SolutionStatus.OPTIMAL:
        optimum = p.cover_value(exact.assignment)
        assert flow.stage("cover_value").bound >= optimum  # type: ignore[union-attr]
        assert p.cover_value(flow.assignment) >= 0.995 * optimum


# ------------------------------------------------------------------------------------------------
# the backend's contract: flags, delegation, time limit, stop, progress
# ------------------------------------------------------------------------------------------------
def test_capability_flags() -> None:
    assert FlowBackend.side_rules and not FlowBackend.exact
    assert FlowBackend.max_pairs >= 10**9
    big = problem([1], [1], [(0, 0, 1)])
    assert choose_backend(big, "flow").name == "flow"


def test_rm_dependent_workloads_go_to_cpsat() -> None:
    rows = np.array([[0, 0, 1, 5], [0, 1, 2, 5], [1, 0, 1, 7]], dtype=np.int64)
    p = problem([1, 1], [2, 2], [(0, 0, 5), (0, 1, 5), (1, 0, 7)]).replace(
        pair_weight=rows[:, 2].copy()
    )
    assert not customer_weights_constant(p)
    sol = solve("flow", p)
    assert sol.backend == "flow>cpsat"
    assert p.violations(sol.assignment) == []


def test_stop_before_start_returns_no_plan() -> None:
    p = random_problem(np.random.default_rng(7), side_rules=True)
    control = SolveControl(stop=threading.Event())
    control.stop.set()
    sol = FlowBackend().solve(p, SolveOptions(time_limit=10), control)
    assert sol.termination == Termination.INTERRUPTED
    assert sol.status == SolutionStatus.NO_SOLUTION and (sol.assignment < 0).all()


def test_progress_reports_value_and_bound() -> None:
    p = random_problem(np.random.default_rng(8), side_rules=True)
    seen: list[tuple[float, float]] = []
    control = SolveControl(on_progress=lambda pr: seen.append((pr.objective, pr.bound)))
    sol = FlowBackend().solve(p, SolveOptions(time_limit=10), control)
    assert seen and all(obj <= bound for obj, bound in seen)
    assert seen[-1][0] == p.cover_value(sol.assignment)


def test_tight_time_limit_still_valid() -> None:
    synth = pytest.importorskip("allocator.synth")
    from allocator.compile import compile_problem
    from allocator.policy import default_policy

    p = compile_problem(synth.generate_bank(20000, seed=5), default_policy()).problem
    sol = FlowBackend().solve(p, SolveOptions(time_limit=0.2))
    assert sol.status in (SolutionStatus.FEASIBLE, SolutionStatus.NO_SOLUTION)
    if sol.status == SolutionStatus.FEASIBLE:
        assert p.violations(sol.assignment) == []


# ------------------------------------------------------------------------------------------------
# the pieces
# ------------------------------------------------------------------------------------------------
def hubs_of(arcs: list[list[tuple[int, int]]], members: list[list[int]], weight: list[int]) -> Hubs:
    """Hubs from per-hub (rm, value) arcs and per-hub today's RM of each member."""
    arc_ptr = np.cumsum([0, *[len(a) for a in arcs]]).astype(np.int64)
    member_ptr = np.cumsum([0, *[len(m) for m in members]]).astype(np.int64)
    flat = [x for a in arcs for x in a]
    return Hubs(
        weight=np.asarray(weight, dtype=np.int64),
        arc_ptr=arc_ptr,
        arc_rm=np.array([r for r, _ in flat], dtype=np.int64),
        arc_value=np.array([v for _, v in flat], dtype=np.int64),
        member_ptr=member_ptr,
        members=np.arange(int(member_ptr[-1]), dtype=np.int64),
        member_current=np.array([c for m in members for c in m], dtype=np.int64),
    )


def test_identical_rms_form_one_group() -> None:
    hubs = hubs_of([[(0, 10), (1, 10), (2, 10)], [(0, 5), (1, 5)]], [[-1], [-1]], [1, 1])
    group = rm_groups(hubs, 4)
    assert group[0] == group[1] != group[2]
    assert len(set(group.tolist())) == 3  # r3 has no arc: a group of its own


def test_transport_is_exact_and_spreads_evenly() -> None:
    # one hub of 6 customers (weight 2) on two identical RMs of 6 points: 3 seats each side
    hubs = hubs_of([[(0, 10), (1, 10)]], [[-1] * 6], [2])
    flow = solve_transport(hubs, np.array([6, 6], dtype=np.int64))
    assert flow.exact and flow.value == flow.bound == 60
    assert flow.seats.tolist() == [3, 3]


def test_seating_puts_members_back_with_today_rm() -> None:
    hubs = hubs_of([[(0, 10), (1, 10)]], [[1, -1, 0, 1]], [1])
    member_rm = seat(hubs, np.array([1, 2], dtype=np.int64), 2)
    assert member_rm.tolist() == [1, -1, 0, 1]  # the newcomer is the one left without a seat


# ------------------------------------------------------------------------------------------------
# continuity: today's book as the start, a proven moves bound, move caps
# ------------------------------------------------------------------------------------------------
def test_continuity_stage_reports_a_proven_bound() -> None:
    # c3 (value 100) fits r0 only, which is full of today's customers: one of them moves
    pairs = [(c, r, 10) for c in range(3) for r in range(2)] + [(3, 0, 100)]
    p = problem([1, 1, 1, 1], [2, 2], pairs, current={0: 0, 1: 0, 2: 1})
    sol = solve("flow", p)
    cont = sol.stage("continuity")
    assert cont is not None and cont.objective == 1 and cont.bound == 1
    assert cont.status == SolutionStatus.OPTIMAL


def test_an_unchanged_book_comes_back_unchanged() -> None:
    pairs = [(c, r, 10) for c in range(3) for r in range(2)] + [(3, 0, 100)]
    p = problem([1, 1, 1, 1], [2, 2], pairs, current={0: 0, 1: 1, 3: 0})
    sol = solve("flow", p)
    assert sol.assignment.tolist()[:2] == [0, 1] and sol.assignment[3] == 0
    assert p.moves(sol.assignment) == 0


def test_move_caps_are_native() -> None:
    assert FlowBackend.supports(Capability.MOVE_CAPS) and FlowBackend.warm_start
    pairs = [(c, r, 10) for c in range(3) for r in range(2)] + [(3, 0, 100)]
    p = problem([1, 1, 1, 1], [2, 2], pairs, current={0: 0, 1: 0, 2: 1})
    p = p.replace(move_cap=np.array([0, -1], dtype=np.int64))
    sol = solve("flow", p)
    assert p.violations(sol.assignment) == [] and p.moves(sol.assignment) == 0
