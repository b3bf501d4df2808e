"""The ``lns`` backend: valid plans always, the optimum on tiny problems, honest reports, stops.

The oracle is independent of every solver: :meth:`Problem.violations` for the hard rules and a
brute force over all assignments of tiny random problems for the optimum (lexicographic: cover
value, then moves).
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pairproblem import optimum

from allocator.backends import Progress, SolveControl, from_name
from allocator.lns import localsearch
from allocator.lns.neighbourhood import cut, ranges
from allocator.lns.relaxation import solve_relaxation
from allocator.lns.starts import sanitise
from allocator.params import SolveOptions
from allocator.problem import Problem
from allocator.solution import SolutionStatus, Termination

REPO = Path(__file__).resolve().parents[3]
GAP_DATA = REPO.parent / "shared" / "data" / "gap"
needs_data = pytest.mark.skipif(not GAP_DATA.is_dir(), reason=f"no GAP data in {GAP_DATA}")


# -- tiny problems and their brute-force optimum --------------------------------------------------
def make_problem(
    rng: np.random.Generator,
    n_customers: int,
    n_rms: int,
    side_rules: bool,
    stages: tuple[str, ...] = ("cover_value",),
    density: float = 0.7,
    cap_factor: int = 1,
) -> Problem:
    """A random Problem: random eligible pairs, weights, values, capacities; optionally groups,
    one-to-one customers, required customers and today's RMs."""
    pc: list[int] = []
    pr: list[int] = []
    for c in range(n_customers):
        rms = [r for r in range(n_rms) if rng.random() < density] or [int(rng.integers(n_rms))]
        pc += [c] * len(rms)
        pr += rms
    n_pairs = len(pc)
    weight = rng.integers(1, 6, n_pairs)
    value = rng.integers(-3, 10, n_pairs)
    capacity = rng.integers(2, 9, n_rms) * cap_factor
    required = rng.random(n_customers) < 0.4
    group = np.full(n_customers, -1, dtype=np.int32)
    exclusive = np.zeros(n_customers, dtype=bool)
    if side_rules and n_customers >= 3:
        group[:2] = 0  # customers 0 and 1 share an RM when both are served
        exclusive[n_customers - 1] = rng.random() < 0.7
    current = np.full(n_customers, -1, dtype=np.int32)
    for c in range(n_customers):
        if rng.random() < 0.5:
            choices = [pr[k] for k in range(n_pairs) if pc[k] == c]
            current[c] = int(rng.choice(choices))
    return Problem(
        customer_ids=np.array([f"c{c}" for c in range(n_customers)], dtype=object),
        rm_ids=np.array([f"r{r}" for r in range(n_rms)], dtype=object),
        pair_customer=np.array(pc, dtype=np.int32),
        pair_rm=np.array(pr, dtype=np.int32),
        pair_weight=weight.astype(np.int64),
        pair_value=value.astype(np.int64),
        capacity=capacity.astype(np.int64),
        required=required,
        group=group,
        exclusive=exclusive,
        current=current,
        hint=np.full(n_customers, -1, dtype=np.int32),
        stages=stages,
    )


def solve(problem: Problem, time_limit: float = 10.0, **kw: object):
    options = SolveOptions(time_limit=time_limit, seed=0, workers=2)
    return from_name("lns").solve(problem, options, **kw)  # type: ignore[arg-type]


# -- tests ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("side_rules", [False, True])
@pytest.mark.parametrize("seed", range(6))
def test_tiny_problems_reach_the_brute_force_optimum(seed: int, side_rules: bool) -> None:
    rng = np.random.default_rng(seed)
    problem = make_problem(rng, n_customers=6, n_rms=3, side_rules=side_rules)
    truth = optimum(problem)
    sol = solve(problem)
    if truth is None:
        assert sol.status in (SolutionStatus.INFEASIBLE, SolutionStatus.NO_SOLUTION)
        return
    assert sol.status == SolutionStatus.OPTIMAL, sol
    assert problem.violations(sol.assignment) == []
    stage = sol.stage("cover_value")
    assert stage is not None and stage.objective == truth[0] == problem.cover_value(sol.assignment)
    assert stage.bound == truth[0]


@pytest.mark.parametrize("seed", range(3))
def test_later_stages_are_solved_exactly_after_the_search(seed: int) -> None:
    rng = np.random.default_rng(100 + seed)
    stages = ("cover_value", "continuity", "balance")
    problem = make_problem(rng, n_customers=6, n_rms=3, side_rules=True, stages=stages)
    truth = optimum(problem)
    sol = solve(problem)
    if truth is None:
        assert sol.status in (SolutionStatus.INFEASIBLE, SolutionStatus.NO_SOLUTION)
        return
    assert problem.violations(sol.assignment) == []
    assert [s.name for s in sol.stages] == list(stages)
    assert problem.cover_value(sol.assignment) == truth[0]
    assert problem.moves(sol.assignment) == truth[1]
    assert sol.status == SolutionStatus.OPTIMAL


def test_a_larger_random_problem_with_side_rules_is_valid() -> None:
    rng = np.random.default_rng(7)
    problem = make_problem(rng, 60, 8, side_rules=True, density=0.5, cap_factor=6)
    sol = solve(problem, time_limit=3.0)
    assert sol.status in (SolutionStatus.OPTIMAL, SolutionStatus.FEASIBLE)
    assert problem.violations(sol.assignment) == []
    stage = sol.stage("cover_value")
    assert stage is not None and stage.bound >= stage.objective


@needs_data
@pytest.mark.parametrize(("sense", "optimum"), [("min", 261), ("max", 336)])
def test_gap1_1_reaches_the_optimum(sense: str, optimum: int) -> None:
    from allocator.gap import is_feasible, objective, read_gap_file, to_problem

    inst = read_gap_file(GAP_DATA / "orlib" / "gap1.txt")[0]
    sol = solve(to_problem(inst, sense), time_limit=20.0)  # type: ignore[arg-type]
    assert is_feasible(inst, sol.assignment)
    assert objective(inst, sol.assignment) == optimum
    assert sol.status == SolutionStatus.OPTIMAL  # the exact finish proves it on 5 x 15


@needs_data
def test_a_yagiura_instance_is_solved_well_and_within_time() -> None:
    from allocator.gap import is_feasible, objective, read_gap_file, to_problem

    inst = read_gap_file(GAP_DATA / "yagiura" / "c10100")[0]
    t0 = time.monotonic()
    sol = solve(to_problem(inst, "min"), time_limit=5.0)
    assert time.monotonic() - t0 < 5.0 + 3.0  # a compile of the kernel is overlapped, not added
    assert is_feasible(inst, sol.assignment)
    value = objective(inst, sol.assignment)
    assert value <= 1402 * 1.02  # best known 1402
    stage = sol.stage("cover_value")
    assert stage is not None and -stage.bound <= 1402  # the LP bound is a real lower bound


def test_stop_returns_the_best_plan_so_far() -> None:
    rng = np.random.default_rng(3)
    problem = make_problem(rng, 300, 20, side_rules=True, density=0.3, cap_factor=12)
    seen: list[Progress] = []
    control = SolveControl(on_progress=seen.append)
    timer = threading.Timer(1.5, control.stop.set)
    timer.start()
    t0 = time.monotonic()
    sol = solve(problem, time_limit=60.0, control=control)
    timer.cancel()
    assert time.monotonic() - t0 < 15.0
    if sol.status == SolutionStatus.OPTIMAL:  # proven before the stop came: also fine
        assert sol.termination == Termination.CONVERGED
    else:
        assert sol.termination == Termination.INTERRUPTED
    if sol.status in (SolutionStatus.OPTIMAL, SolutionStatus.FEASIBLE):
        assert problem.violations(sol.assignment) == []


def test_a_stop_before_the_start_still_answers_honestly() -> None:
    rng = np.random.default_rng(4)
    problem = make_problem(rng, n_customers=30, n_rms=5, side_rules=False)
    control = SolveControl()
    control.stop.set()
    sol = solve(problem, time_limit=30.0, control=control)
    assert sol.termination in (Termination.INTERRUPTED, Termination.CONVERGED)
    if sol.status in (SolutionStatus.OPTIMAL, SolutionStatus.FEASIBLE):
        assert problem.violations(sol.assignment) == []


def test_required_customer_without_pairs_is_infeasible() -> None:
    rng = np.random.default_rng(5)
    problem = make_problem(rng, n_customers=4, n_rms=2, side_rules=False)
    keep = problem.pair_customer != 0
    problem = problem.replace(
        pair_customer=problem.pair_customer[keep],
        pair_rm=problem.pair_rm[keep],
        pair_weight=problem.pair_weight[keep],
        pair_value=problem.pair_value[keep],
        required=np.r_[True, problem.required[1:]],
        current=np.r_[-1, problem.current[1:]].astype(np.int32),
    )
    assert solve(problem).status == SolutionStatus.INFEASIBLE


# -- the pieces -----------------------------------------------------------------------------------
def test_ranges_concatenates_aranges() -> None:
    got = ranges(np.array([3, 0, 7]), np.array([5, 0, 9]))
    assert got.tolist() == [3, 4, 7, 8]


def test_relaxation_bounds_the_brute_force_optimum() -> None:
    for seed in range(5):
        problem = make_problem(np.random.default_rng(seed), 6, 3, side_rules=True)
        truth = optimum(problem)
        relax = solve_relaxation(problem, 5.0)
        if truth is None:
            continue
        assert relax.ok and relax.bound >= truth[0]
        assert (relax.loss >= 0).all()


def test_sanitise_leaves_only_missing_required_customers() -> None:
    rng = np.random.default_rng(9)
    problem = make_problem(rng, n_customers=20, n_rms=3, side_rules=True, density=0.9)
    wild = rng.integers(-1, 3, problem.n_customers)
    a = sanitise(problem, wild)
    rest = problem.replace(required=np.zeros(problem.n_customers, dtype=bool))
    assert rest.violations(a) == []


def test_cut_gives_a_sub_problem_the_current_plan_solves() -> None:
    rng = np.random.default_rng(11)
    problem = make_problem(rng, n_customers=30, n_rms=5, side_rules=True, density=0.8)
    a = sanitise(problem, rng.integers(-1, 5, problem.n_customers))
    sub = cut(problem, a, np.array([0, 2]))
    assert sub.problem.violations(sub.hint) == []
    assert set(sub.rms.tolist()) == {0, 2}
    on = np.flatnonzero(np.isin(a, [0, 2]))
    assert set(on.tolist()) <= set(sub.customers.tolist())


@pytest.mark.skipif(not localsearch.HAVE_NUMBA, reason="numba not installed")
def test_tabu_search_keeps_feasible_bests() -> None:
    rng = np.random.default_rng(12)
    problem = make_problem(rng, n_customers=80, n_rms=6, side_rules=False, density=1.0)
    problem = problem.replace(capacity=problem.capacity * 6)
    assert localsearch.ready(120.0)
    start = sanitise(problem, np.full(problem.n_customers, -1))
    ts = localsearch.TabuSearch.create(problem, start, seed=1)
    ts.run(300)
    assert ts.has_best
    assert problem.violations(ts.best) == []
    assert problem.cover_value(ts.best) == ts.best_value


# -- property: any random problem gets a valid, honestly reported answer -------------------------
@st.composite
def problems(draw: st.DrawFn) -> Problem:
    seed = draw(st.integers(0, 2**31 - 1))
    n_c = draw(st.integers(1, 6))
    n_r = draw(st.integers(1, 3))
    side = draw(st.booleans())
    return make_problem(np.random.default_rng(seed), n_c, n_r, side_rules=side)


@given(problems())
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
def test_random_problems_get_valid_optimal_answers(problem: Problem) -> None:
    truth = optimum(problem)
    sol = solve(problem, time_limit=10.0)
    if truth is None:
        assert sol.status in (SolutionStatus.INFEASIBLE, SolutionStatus.NO_SOLUTION)
        return
    assert problem.violations(sol.assignment) == []
    assert problem.cover_value(sol.assignment) == truth[0]
    assert sol.status == SolutionStatus.OPTIMAL
