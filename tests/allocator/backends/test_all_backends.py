"""Every available backend against the same rules and the same oracles.

Parametrised over :func:`allocator.backends.available_backends`, so a backend added to the
registry is tested here without a line changed. Capability flags decide what a backend is held
to: every backend must respect every hard rule it claims (``side_rules``) and leave customers
unassigned rather than break one; ``exact`` backends must also reach each stage's proven optimum,
checked against brute-force enumeration on tiny problems.

Problems are tiny and built directly with NumPy (``problem(...)`` below: customers ``c0..``, RMs
``r0..``); integration cases use :func:`allocator.synth.generate_bank`, the independent
:func:`allocator.checker.check_plan` and :func:`allocator.checker.score_plan`.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pairproblem import Pair, optimum, problem

from allocator.backends import available_backends, from_name, registered
from allocator.params import SolveOptions
from allocator.problem import Problem
from allocator.solution import Solution, SolutionStatus

BACKENDS = available_backends()
EXACT = [b for b in BACKENDS if registered()[b].exact]
SIDE_RULES = [b for b in BACKENDS if registered()[b].side_rules]
#: CP-SAT optimises utilisation in steps of 1/1000 (allocator.backends.cpsat.UTIL_SCALE)
UTIL_TOLERANCE = 1e-3 + 1e-9


def solve(name: str, p: Problem, time_limit: float = 10.0) -> Solution:
    return from_name(name).solve(p, SolveOptions(time_limit=time_limit, seed=0, workers=1))


def assert_valid(p: Problem, sol: Solution) -> None:
    """A solution breaks no rule; when it says no valid plan was found, what it assigns still
    breaks no rule but the unmet requirement."""
    if sol.status in (SolutionStatus.INFEASIBLE, SolutionStatus.NO_SOLUTION):
        relaxed = p.replace(required=np.zeros_like(p.required))
        assert relaxed.violations(sol.assignment) == []
        return
    assert p.violations(sol.assignment) == []


# ------------------------------------------------------------------------------------------------
# brute force: the lexicographic optimum of a tiny problem
# ------------------------------------------------------------------------------------------------


def random_tiny(seed: int, n_customers: int = 7, n_rms: int = 3) -> Problem:
    rng = np.random.default_rng(seed)
    pairs: list[Pair] = []
    for c in range(n_customers):
        for r in range(n_rms):
            if rng.random() < 0.6:
                pairs.append((c, r, int(rng.integers(1, 4)), int(rng.choice([10, 100, 500]))))
    current: dict[int, int] = {}
    for c, r, _, _ in pairs:
        if c not in current and rng.random() < 0.5:
            current[c] = r
    members = rng.choice(n_customers, size=4, replace=False)
    with_pairs = {c for c, *_ in pairs}
    return problem(
        n_customers,
        rng.integers(2, 6, n_rms).tolist(),
        pairs,
        groups=[members[:2].tolist(), members[2:].tolist()] if seed % 2 else [],
        exclusive=[int(c) for c in rng.choice(n_customers, size=1)] if seed % 3 == 0 else [],
        required=[c for c in [int(rng.integers(n_customers))] if c in with_pairs]
        if seed % 4 == 1
        else [],
        current=current,
    )


# ------------------------------------------------------------------------------------------------
# one test per hard rule, where it binds
# ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", BACKENDS)
def test_capacity_binds(name: str) -> None:
    # three customers want r0 (room for two); c3 weighs more than any RM can carry
    p = problem(
        4, [2, 1], [(0, 0, 1, 100), (1, 0, 1, 100), (2, 0, 1, 10), (2, 1, 1, 10), (3, 0, 5, 1000)]
    )
    sol = solve(name, p)
    assert_valid(p, sol)
    assert sol.assignment[3] == -1  # left unassigned, not squeezed in
    assert (p.loads(sol.assignment) <= p.capacity).all()
    if name in EXACT:
        assert p.cover_value(sol.assignment) == 210
        assert sol.assignment.tolist()[:3] == [0, 0, 1]


@pytest.mark.parametrize("name", SIDE_RULES)
def test_group_shares_one_rm(name: str) -> None:
    # c0 and c1 form a group; r1 is the only RM both may have
    p = problem(
        3, [5, 5], [(0, 0, 1, 100), (0, 1, 1, 100), (1, 1, 1, 100), (2, 0, 1, 10)], groups=[[0, 1]]
    )
    sol = solve(name, p)
    assert_valid(p, sol)
    a = sol.assignment
    if a[0] >= 0 and a[1] >= 0:
        assert a[0] == a[1] == 1
    if name in EXACT:
        assert a.tolist() == [1, 1, 0]


@pytest.mark.parametrize("name", SIDE_RULES)
def test_group_that_cannot_share_keeps_one_member(name: str) -> None:
    # c0 may only have r0, c1 only r1: they cannot share, so one of them goes without
    p = problem(2, [5, 5], [(0, 0, 1, 500), (1, 1, 1, 100)], groups=[[0, 1]])
    sol = solve(name, p)
    assert_valid(p, sol)
    assert int((sol.assignment >= 0).sum()) <= 1
    if name in EXACT:
        assert sol.assignment.tolist() == [0, -1]


@pytest.mark.parametrize("name", SIDE_RULES)
def test_one_to_one_rm_serves_nobody_else(name: str) -> None:
    # c0 is one-to-one and only r0 may serve it; c1 and c2 could also go to r0
    p = problem(
        3, [10, 10], [(0, 0, 1, 1000), (1, 0, 1, 100), (1, 1, 1, 100), (2, 0, 1, 10)], exclusive=[0]
    )
    sol = solve(name, p)
    assert_valid(p, sol)
    a = sol.assignment
    if a[0] >= 0:
        assert int((a == a[0]).sum()) == 1
    if name in EXACT:
        assert a.tolist() == [0, 1, -1]


@pytest.mark.parametrize("name", SIDE_RULES)
def test_one_to_one_allows_own_group(name: str) -> None:
    # c0 (one-to-one) and c1 form a group: its dedicated RM may serve the whole group
    p = problem(
        3, [10], [(0, 0, 1, 1000), (1, 0, 1, 100), (2, 0, 1, 10)], exclusive=[0], groups=[[0, 1]]
    )
    sol = solve(name, p)
    assert_valid(p, sol)
    if name in EXACT:
        assert sol.assignment.tolist() == [0, 0, -1]


@pytest.mark.parametrize("name", SIDE_RULES)
def test_one_to_one_that_cannot_be_dedicated_is_left_out(name: str) -> None:
    # c1 and c2 are locked on r0 (required); c0 is one-to-one with r0 only: it must go without
    p = problem(
        3, [10], [(0, 0, 1, 1000), (1, 0, 1, 10), (2, 0, 1, 10)], exclusive=[0], required=[1, 2]
    )
    sol = solve(name, p)
    assert_valid(p, sol)
    if sol.status not in (SolutionStatus.INFEASIBLE, SolutionStatus.NO_SOLUTION):
        assert sol.assignment.tolist() == [-1, 0, 0]


@pytest.mark.parametrize("name", BACKENDS)
def test_required_customer_is_assigned(name: str) -> None:
    # c0 is locked on r0 (required, low value); c1 is worth more but there is room for one
    p = problem(2, [1], [(0, 0, 1, 10), (1, 0, 1, 1000)], required=[0])
    sol = solve(name, p)
    assert_valid(p, sol)
    assert sol.assignment.tolist() == [0, -1]


@pytest.mark.parametrize("name", EXACT)
@pytest.mark.parametrize(
    "capacity, pairs",
    [
        # the locked customer weighs more than its RM's capacity
        ([1], [(0, 0, 3, 10), (1, 0, 1, 10)]),
        # too heavy for both of its RMs (found by Hypothesis: CBC's pre-processing says
        # "infeasible or unbounded", which the CBC engine once read as "no solution in time")
        ([2, 1], [(0, 0, 3, 10), (0, 1, 2, 10)]),
    ],
)
def test_required_customer_that_cannot_fit_is_infeasible(
    name: str, capacity: list[int], pairs: list[Pair]
) -> None:
    p = problem(2, capacity, pairs, required=[0])
    sol = solve(name, p)
    assert sol.status == SolutionStatus.INFEASIBLE
    assert (sol.assignment < 0).all()


@pytest.mark.parametrize("name", BACKENDS)
def test_only_eligible_pairs(name: str) -> None:
    # c1 has no pair at all; c0 may only have r1
    p = problem(3, [5, 5], [(0, 1, 1, 100), (2, 0, 1, 10), (2, 1, 1, 10)])
    sol = solve(name, p)
    assert_valid(p, sol)
    assert sol.assignment[1] == -1
    assert sol.assignment[0] in (-1, 1)
    if name in EXACT:
        assert sol.assignment[0] == 1 and sol.assignment[2] >= 0


@pytest.mark.parametrize("name", EXACT)
def test_continuity_keeps_today_rm_and_prefers_keeping_to_dropping(name: str) -> None:
    # c0 is with r0 today; moving it gains nothing. c1 is with r1 today, which has room for one
    # of c1/c2 (equal value): keep c1 rather than drop it for the newcomer c2
    p = problem(
        3,
        [5, 1],
        [(0, 0, 1, 100), (0, 1, 1, 100), (1, 1, 1, 10), (2, 1, 1, 10)],
        current={0: 0, 1: 1},
    )
    sol = solve(name, p)
    assert_valid(p, sol)
    assert sol.assignment.tolist() == [0, 1, -1]
    cont = sol.stage("continuity")
    assert cont is not None and cont.objective == 0


@pytest.mark.parametrize("name", EXACT)
def test_balance_spreads_load(name: str) -> None:
    p = problem(4, [4, 4], [(c, r, 1, 10) for c in range(4) for r in range(2)])
    sol = solve(name, p)
    assert_valid(p, sol)
    assert p.max_utilisation(sol.assignment) == pytest.approx(0.5)
    bal = sol.stage("balance")
    assert bal is not None and bal.objective == pytest.approx(0.5, abs=UTIL_TOLERANCE)


@pytest.mark.parametrize("name", BACKENDS)
def test_empty_problem(name: str) -> None:
    p = problem(2, [5], [])
    sol = solve(name, p)
    assert sol.assignment.tolist() == [-1, -1]
    assert sol.status in (SolutionStatus.OPTIMAL, SolutionStatus.FEASIBLE)


# ------------------------------------------------------------------------------------------------
# exact backends reach the proven optimum of every stage
# ------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def tiny_optima() -> dict[int, tuple[Problem, tuple[int, int, int, float] | None]]:
    return {seed: (p := random_tiny(seed), optimum(p)) for seed in range(8)}


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("name", EXACT)
def test_exact_backends_reach_brute_force_optimum(
    name: str, seed: int, tiny_optima: dict[int, tuple[Problem, tuple[int, int, int, float] | None]]
) -> None:
    p, best = tiny_optima[seed]
    sol = solve(name, p)
    if best is None:
        assert sol.status == SolutionStatus.INFEASIBLE
        return
    assert sol.status == SolutionStatus.OPTIMAL, sol
    a = sol.assignment
    assert p.violations(a) == []
    cover, moves, dropped, util = best
    assert p.cover_value(a) == cover
    assert (p.moves(a), p.dropped(a)) == (moves, dropped)
    assert util - 1e-9 <= p.max_utilisation(a) <= util + UTIL_TOLERANCE
    stages = {s.name: s for s in sol.stages}
    assert stages["cover_value"].objective == cover == stages["cover_value"].bound
    assert stages["continuity"].objective == moves == stages["continuity"].bound


@pytest.mark.parametrize("name", EXACT)
def test_single_stage_problem(name: str) -> None:
    # a GAP: only the cover value counts, and every customer is required
    p = problem(
        3,
        [2, 2],
        [(0, 0, 1, -5), (0, 1, 1, -1), (1, 0, 1, -2), (1, 1, 2, -3), (2, 0, 1, -4), (2, 1, 1, -4)],
        required=[0, 1, 2],
        stages=("cover_value",),
    )
    sol = solve(name, p)
    assert sol.status == SolutionStatus.OPTIMAL
    assert p.cover_value(sol.assignment) == -7  # c0->r1, c1->r0, c2->r0 (or r1): -1-2-4
    assert [s.name for s in sol.stages] == ["cover_value"]


# ------------------------------------------------------------------------------------------------
# Hypothesis: whatever the problem, no backend breaks a rule
# ------------------------------------------------------------------------------------------------
@st.composite
def problems(draw: st.DrawFn) -> Problem:
    n_c = draw(st.integers(1, 8))
    n_r = draw(st.integers(1, 4))
    cells = draw(
        st.lists(
            st.tuples(
                st.integers(0, n_c - 1),
                st.integers(0, n_r - 1),
                st.integers(1, 4),
                st.sampled_from([10, 100, 1000]),
            ),
            max_size=n_c * n_r,
            unique_by=lambda t: (t[0], t[1]),
        )
    )
    capacity = draw(st.lists(st.integers(0, 6), min_size=n_r, max_size=n_r))
    flags = draw(
        st.lists(st.sampled_from(["none", "excl", "g0", "g1", "req"]), min_size=n_c, max_size=n_c)
    )
    with_pairs = {c for c, *_ in cells}
    groups = [[c for c, f in enumerate(flags) if f == g] for g in ("g0", "g1")]
    current = {c: r for c, r, *_ in cells if draw(st.booleans())}
    return problem(
        n_c,
        capacity,
        cells,
        groups=[g for g in groups if len(g) >= 2],
        exclusive=[c for c, f in enumerate(flags) if f == "excl"],
        required=[c for c, f in enumerate(flags) if f == "req" and c in with_pairs],
        current=current,
    )


@pytest.mark.parametrize("name", SIDE_RULES)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(p=problems())
def test_no_backend_breaks_a_rule(name: str, p: Problem) -> None:
    sol = solve(name, p, time_limit=5.0)
    assert_valid(p, sol)
    if name in EXACT and sol.status != SolutionStatus.INFEASIBLE:
        assert sol.status == SolutionStatus.OPTIMAL


# ------------------------------------------------------------------------------------------------
# generated banks through allocate(): the checker agrees, the score agrees
# ------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module", params=[1, 2])
def bank(request: pytest.FixtureRequest) -> object:
    synth = pytest.importorskip("allocator.synth")
    return synth.generate_bank(400, seed=request.param)


@pytest.mark.parametrize("name", SIDE_RULES)
def test_generated_bank_plan_passes_checker(name: str, bank: object) -> None:
    from allocator.allocation import allocate
    from allocator.checker import check_plan, score_plan
    from allocator.policy import default_policy

    plan = allocate(bank, backend=name, time_limit=10.0, seed=0, workers=1)  # type: ignore[arg-type]
    policy = default_policy()
    report = check_plan(bank, plan.assignments, policy)  # type: ignore[arg-type]
    assert report.ok, report.summary()
    score = score_plan(bank, plan.assignments, policy)  # type: ignore[arg-type]
    stages = {s.name: s for s in plan.solution.stages}
    assert stages["cover_value"].objective == score["cover_value"]
    if "continuity" in stages:
        assert stages["continuity"].objective == score["moved"]
    if "balance" in stages:
        assert stages["balance"].objective == pytest.approx(score["max_utilisation"], abs=1e-9)
    if name in EXACT:
        assert plan.solution.status == SolutionStatus.OPTIMAL


def test_exact_backends_agree_on_a_generated_bank(bank: object) -> None:
    from allocator.compile import compile_problem
    from allocator.policy import default_policy

    p = compile_problem(bank, default_policy()).problem  # type: ignore[arg-type]
    results = {name: solve(name, p, time_limit=20.0) for name in EXACT}
    for name, sol in results.items():
        assert sol.status == SolutionStatus.OPTIMAL, name
        assert not p.violations(sol.assignment), name
    objectives = {name: [s.objective for s in sol.stages] for name, sol in results.items()}
    first = next(iter(objectives.values()))
    for name, values in objectives.items():
        assert values[:2] == first[:2], (name, objectives)  # cover value and moves: integers
        assert values[2] == pytest.approx(first[2], abs=UTIL_TOLERANCE), (name, objectives)
