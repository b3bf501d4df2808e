"""allocator.lns.search: lns_search runs the phases and says honestly what they found."""

from __future__ import annotations

import numpy as np
import pairproblem

from allocator.lns.search import lns_search
from allocator.lns.settings import LnsSettings


def test_a_required_customer_without_an_rm_is_infeasible_at_once() -> None:
    p = pairproblem.problem(2, [5], [(0, 0, 1, 10)], required=[1])
    res = lns_search(p, 5.0, workers=1)
    assert res.infeasible and not res.feasible
    assert res.assignment.tolist() == [-1, -1]


def test_a_small_problem_is_solved_and_proven() -> None:
    # side rules: the neighbourhood search alone, which solves this one whole and proves it
    pairs = [(c, r, 1, 10 * (1 + (c + r) % 3)) for c in range(6) for r in range(3)]
    p = pairproblem.problem(6, [2, 2, 2], pairs, groups=[[0, 1]], exclusive=[5], required=[2])
    res = lns_search(p, 20.0, workers=1, settings=LnsSettings(tabu=False))
    assert res.feasible and res.optimal and not res.interrupted
    assert p.violations(res.assignment) == []
    assert res.value == p.cover_value(res.assignment) == res.bound
    assert res.relaxation is not None and res.relaxation.ok
    assert [line.split()[0] for line in res.log] == ["lp", "start", "lns"]


def test_the_callers_plan_is_a_start() -> None:
    # the caller's plan is already optimal: the search starts from it and keeps its value
    pairs = [(c, r, 1, 10 if r == c % 2 else 1) for c in range(4) for r in range(2)]
    p = pairproblem.problem(4, [2, 2], pairs)
    start = np.array([0, 1, 0, 1])
    res = lns_search(p, 10.0, workers=1, start=start, settings=LnsSettings(tabu=False))
    assert res.value == 40 and res.optimal
