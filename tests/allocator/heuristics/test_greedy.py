"""allocator.heuristics.greedy: the greedy rule keeps every side rule."""

from __future__ import annotations

import numpy as np
import pairproblem

from allocator.heuristics.greedy import greedy_assignment
from allocator.problem import trivial_bound


def test_greedy_places_by_priority_and_room() -> None:
    # the required c2 first; then c0 (worth more) before c1; each to the RM with most room
    p = pairproblem.problem(
        3, [1, 2], [(0, 0, 1, 50), (0, 1, 1, 50), (1, 1, 1, 10), (2, 1, 1, 5)], required=[2]
    )
    a = greedy_assignment(p)
    assert a.tolist() == [0, 1, 1]
    assert p.violations(a) == []


def test_greedy_keeps_groups_together_and_one_to_one_rms_alone() -> None:
    pairs = [(c, r, 1, 10) for c in range(4) for r in range(3)]
    p = pairproblem.problem(4, [4, 4, 4], pairs, groups=[[0, 1]], exclusive=[2])
    a = greedy_assignment(p)
    assert a[0] == a[1] and a[2] >= 0
    assert (a == a[2]).sum() == 1  # the one-to-one customer's RM serves nobody else
    assert p.violations(a) == []


def test_greedy_prefers_the_given_rm_when_it_fits() -> None:
    p = pairproblem.problem(2, [5, 5], [(c, r, 1, 10) for c in range(2) for r in range(2)])
    assert greedy_assignment(p, prefer=np.array([1, 0], dtype=np.int32)).tolist() == [1, 0]


def test_greedy_keeps_a_start_and_fills_the_rest() -> None:
    p = pairproblem.problem(2, [1, 1], [(c, r, 1, 10) for c in range(2) for r in range(2)])
    a = greedy_assignment(p, start=np.array([1, -1]))
    assert a.tolist() == [1, 0] and p.violations(a) == []


def test_upper_bound_is_the_best_pair_per_customer() -> None:
    p = pairproblem.problem(2, [1], [(0, 0, 1, 7), (1, 0, 1, -3)])
    assert trivial_bound(p, "cover_value") == 7
