"""Decomposition: components, subproblems and merging are exact; the decomposing backend solves
what the monolithic one solves, in parallel processes, and stops when told.

Hand-made graph used below (customers c*, RMs r*; ``=`` a group)::

    c0 - r0 - c1        c2 - r1        c3 - r2    c4 - r3        c5 (no pair)
                                         c3 = c4 (group)

Components: {c0, c1}, {c2}, {c3, c4}; c5 belongs to none.
"""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest
from pairproblem import optimum, problem

from allocator.backends import Progress, SolveControl, available_backends
from allocator.backends.decompose import (
    DecomposeBackend,
    budgets,
    bundle,
    fallback,
    solve_singletons,
)
from allocator.decomposition import Part, components, merge, subproblem
from allocator.params import SolveOptions
from allocator.problem import Problem, trivial_bound
from allocator.solution import Solution, SolutionStatus, StageResult, Termination

needs_cpsat = pytest.mark.skipif("cpsat" not in available_backends(), reason="no CP-SAT")


@pytest.fixture
def graph() -> Problem:
    """The hand-made graph of the module docstring."""
    pairs = [(0, 0, 1, 10), (1, 0, 1, 100), (2, 1, 2, 1000), (3, 2, 1, 300), (4, 3, 1, 200)]
    return problem(6, [1, 5, 3, 4], pairs, groups=[[3, 4]], current={1: 0, 3: 2}, exclusive=[2])


# ------------------------------------------------------------------------------------------------
# components and subproblems
# ------------------------------------------------------------------------------------------------
def test_components_of_hand_made_graph(graph: Problem) -> None:
    assert [c.tolist() for c in components(graph)] == [[0, 1], [2], [3, 4]]


def test_group_joins_components() -> None:
    # c0 and c1 share no RM, but are one group: one component
    p = problem(3, [5, 5, 5], [(0, 0, 1, 1), (1, 1, 1, 1), (2, 2, 1, 1)], groups=[[0, 1]])
    assert [c.tolist() for c in components(p)] == [[0, 1], [2]]


def test_components_of_a_long_chain() -> None:
    # c_i - r_i - c_{i+1}: one component however long (pointer jumping converges)
    n = 200
    pairs = [(i, i, 1, 1) for i in range(n)] + [(i + 1, i, 1, 1) for i in range(n - 1)]
    p = problem(n, [1] * n, pairs)
    (only,) = components(p)
    assert only.tolist() == list(range(n))


def test_subproblem_reindexes(graph: Problem) -> None:
    sub, rm_idx = subproblem(graph, [3, 4])
    assert rm_idx.tolist() == [2, 3]
    assert sub.customer_ids.tolist() == ["c3", "c4"] and sub.rm_ids.tolist() == ["r2", "r3"]
    assert sub.pair_customer.tolist() == [0, 1] and sub.pair_rm.tolist() == [0, 1]
    assert sub.pair_value.tolist() == [300, 200] and sub.capacity.tolist() == [3, 4]
    assert sub.group.tolist() == [0, 0]
    assert sub.current.tolist() == [0, -1] and sub.hint.tolist() == [0, -1]
    assert sub.stages == graph.stages and sub.weight_scale == graph.weight_scale


def test_subproblem_drops_groups_cut_to_one_member(graph: Problem) -> None:
    sub, _ = subproblem(graph, [3])
    assert sub.group.tolist() == [-1]


def test_subproblem_of_everything_is_the_problem(graph: Problem) -> None:
    with_pairs = np.flatnonzero(np.diff(graph.customer_ptr) > 0)
    sub, rm_idx = subproblem(graph, with_pairs)
    assert rm_idx.tolist() == [0, 1, 2, 3]
    assert np.array_equal(sub.pair_rm, graph.pair_rm) and np.array_equal(
        sub.pair_value, graph.pair_value
    )


# ------------------------------------------------------------------------------------------------
# merging
# ------------------------------------------------------------------------------------------------
def part_solution(
    p: Problem, a: list[int], status: SolutionStatus, stages: list[StageResult]
) -> Solution:
    return Solution(np.array(a, dtype=np.int64), status, Termination.CONVERGED, stages, "t", 0.1)


def test_merge_sums_and_maxes(graph: Problem) -> None:
    s1, r1 = subproblem(graph, [0, 1])
    s2, r2 = subproblem(graph, [3, 4])
    opt = SolutionStatus.OPTIMAL
    sol1 = part_solution(
        s1,
        [-1, 0],
        opt,
        [
            StageResult("cover_value", 100, 100, opt, 0),
            StageResult("continuity", 0, 0, opt, 0),
            StageResult("balance", 1.0, 1.0, opt, 0),
        ],
    )
    sol2 = part_solution(
        s2,
        [0, 1],
        SolutionStatus.FEASIBLE,
        [StageResult("cover_value", 500, 520, SolutionStatus.FEASIBLE, 0)],
    )
    merged = merge(
        graph, [Part(np.array([0, 1]), r1, sol1, s1), Part(np.array([3, 4]), r2, sol2, s2)]
    )
    assert merged.assignment.tolist() == [-1, 0, -1, 2, 3, -1]
    assert merged.status == SolutionStatus.FEASIBLE  # the weakest part
    cover, cont, bal = merged.stages
    # bounds add up, each capped by its part's trivial bound: part 2 claims 520, but its two
    # customers are worth 300 + 200 at most (issue 13: no bound above the largest cover)
    assert (cover.objective, cover.bound, cover.status) == (600, 600, SolutionStatus.FEASIBLE)
    # part 2 never reached continuity or balance: trivial bounds, merely feasible
    assert (cont.objective, cont.bound, cont.status) == (0, 0, SolutionStatus.FEASIBLE)
    assert bal.objective == pytest.approx(1.0) and bal.bound == 1.0  # max over the parts


def test_merge_weakest_status_wins(graph: Problem) -> None:
    s1, r1 = subproblem(graph, [0, 1])
    bad = part_solution(s1, [-1, -1], SolutionStatus.INFEASIBLE, [])
    merged = merge(graph, [Part(np.array([0, 1]), r1, bad, s1)])
    assert merged.status == SolutionStatus.INFEASIBLE and (merged.assignment < 0).all()


def test_trivial_bound(graph: Problem) -> None:
    assert trivial_bound(graph, "cover_value") == 10 + 100 + 1000 + 300 + 200  # best pair each
    assert trivial_bound(graph, "continuity") == 0 and trivial_bound(graph, "balance") == 0


# ------------------------------------------------------------------------------------------------
# the pieces of the backend
# ------------------------------------------------------------------------------------------------
def test_singletons_are_solved_exactly() -> None:
    # every customer has RMs of its own; options differ in value, move, fit and utilisation
    pairs = [
        (0, 0, 1, 100),
        (0, 1, 1, 100),  # c0: today r1, keep it
        (1, 2, 9, 1000),
        (1, 3, 1, 10),  # c1: the 1000 pair does not fit
        (2, 4, 1, 10),
        (2, 5, 1, 10),  # c2: same value, lower utilisation on r5
        (3, 6, 1, -5),  # c3: a negative value is better left out
    ]
    p = problem(4, [5, 5, 5, 5, 2, 4, 5], pairs, current={0: 1})
    sol = solve_singletons(p)
    assert sol.assignment.tolist() == [1, 3, 5, -1]
    cover, moves, _, util = optimum(p)  # type: ignore[misc]
    assert p.cover_value(sol.assignment) == cover and p.moves(sol.assignment) == moves
    assert p.max_utilisation(sol.assignment) == pytest.approx(util)
    assert sol.status == SolutionStatus.OPTIMAL


def test_singleton_required_that_cannot_fit_is_infeasible() -> None:
    p = problem(1, [1], [(0, 0, 2, 10)], required=[0])
    assert solve_singletons(p).status == SolutionStatus.INFEASIBLE


def test_bundle_packs_small_components(graph: Problem) -> None:
    # {c0, c1} and {c3, c4} (2 pairs each) fill one part of >= 3 pairs; {c2} is left alone
    parts = bundle(graph, components(graph), min_pairs=3)
    assert [c.tolist() for c in parts] == [[0, 1, 3, 4], [2]]


def test_budgets_are_proportional_and_capped() -> None:
    out = budgets(np.array([600, 300, 100]), time_limit=10.0, workers=2)
    assert out[0] == 10.0  # capped at the whole limit
    assert out[1] == pytest.approx(6.0) and out[2] == pytest.approx(2.0)
    assert budgets(np.array([1, 1000]), 10.0, 1)[0] == 0.5  # never below the floor


def test_fallback_keeps_a_valid_plan(graph: Problem) -> None:
    sol = fallback(graph, None, Termination.INTERRUPTED)
    assert sol.status == SolutionStatus.FEASIBLE and not graph.violations(sol.assignment)
    assert sol.termination == Termination.INTERRUPTED and sol.stages == []


# ------------------------------------------------------------------------------------------------
# the backend: equal to the monolithic optimum
# ------------------------------------------------------------------------------------------------
@needs_cpsat
@pytest.mark.parametrize("seed", range(4))
def test_decomposed_equals_brute_force(seed: int) -> None:
    # two independent blocks of 3 customers x 2 RMs, plus one single-customer component
    rng = np.random.default_rng(seed)
    pairs = [
        (3 * block + c, 2 * block + r, int(rng.integers(1, 3)), int(rng.choice([10, 100])))
        for block in (0, 1)
        for c in range(3)
        for r in range(2)
        if rng.random() < 0.8
    ]
    pairs.append((6, 4, 1, 50))
    current = {c: r for c, r, _, _ in pairs if rng.random() < 0.4}
    capacity = rng.integers(1, 4, 5).tolist()
    p = problem(7, capacity, pairs, groups=[[0, 1]], exclusive=[4], current=current)
    sol = DecomposeBackend("cpsat").solve(p, SolveOptions(time_limit=10, workers=1))
    cover, moves, dropped, util = optimum(p)  # type: ignore[misc]
    assert sol.status == SolutionStatus.OPTIMAL
    a = sol.assignment
    assert (p.cover_value(a), p.moves(a), p.dropped(a)) == (cover, moves, dropped)
    assert util - 1e-9 <= p.max_utilisation(a) <= util + 1e-3


@pytest.fixture(scope="module")
def small_banks() -> list[Problem]:
    synth = pytest.importorskip("allocator.synth")
    from allocator.compile import compile_problem
    from allocator.policy import default_policy

    return [
        compile_problem(synth.generate_bank(600, seed=s), default_policy()).problem for s in (1, 2)
    ]


@needs_cpsat
@pytest.mark.parametrize("parallel", [False, True], ids=["in-process", "processes"])
def test_decomposed_equals_monolithic_on_small_banks(
    small_banks: list[Problem], parallel: bool
) -> None:
    from allocator.backends.cpsat import CpSatBackend

    backend = DecomposeBackend(
        "cpsat", min_part_pairs=1, parallel_min_pairs=0 if parallel else 10**9
    )
    options = SolveOptions(time_limit=20, workers=2)
    for p in small_banks:
        whole = CpSatBackend().solve(p, options)
        parts = backend.solve(p, options)
        assert whole.status == parts.status == SolutionStatus.OPTIMAL
        assert not p.violations(parts.assignment)
        for mine, ref in zip(parts.stages, whole.stages, strict=True):
            assert mine.name == ref.name
            assert mine.objective == pytest.approx(ref.objective, abs=1e-3)


@needs_cpsat
def test_stop_reaches_every_worker() -> None:
    synth = pytest.importorskip("allocator.synth")
    from allocator.compile import compile_problem
    from allocator.policy import default_policy

    p = compile_problem(synth.generate_bank(3000, seed=1), default_policy()).problem
    seen: list[Progress] = []
    control = SolveControl()

    def on_progress(progress: Progress) -> None:  # stop at the first news from any part
        seen.append(progress)
        control.stop.set()

    control.on_progress = on_progress
    backend = DecomposeBackend("cpsat", min_part_pairs=500, parallel_min_pairs=0)
    timer = threading.Timer(30.0, control.stop.set)  # in case no part reports at all
    t0 = time.monotonic()
    timer.start()
    sol = backend.solve(p, SolveOptions(time_limit=120, workers=2), control)
    timer.cancel()
    assert time.monotonic() - t0 < 60
    assert seen and {s.stage for s in seen} <= {"cover_value", "continuity", "balance"}
    assert sol.termination == Termination.INTERRUPTED
    assert sol.status == SolutionStatus.FEASIBLE and not p.violations(sol.assignment)


def test_required_without_pairs_is_infeasible() -> None:
    p = problem(2, [1], [(1, 0, 1, 10)], required=[0])
    assert (
        DecomposeBackend().solve(p, SolveOptions(time_limit=5)).status == SolutionStatus.INFEASIBLE
    )
