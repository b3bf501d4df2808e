"""allocator.flow.reseat: one workload class re-seated exactly, the others held."""

from __future__ import annotations

import numpy as np
from flowstate import state_of

from allocator.flow.reseat import reseat, reseat_class


def test_a_needless_move_is_undone_and_cover_kept() -> None:
    # c0 and c1 (workload 1) swapped RMs for nothing; c2 (workload 2) holds r1's other seats
    pairs = [(0, 0, 10), (0, 1, 10), (1, 0, 10), (1, 1, 10), (2, 1, 100)]
    s = state_of([1, 1, 2], [1, 3], pairs, current={0: 0, 1: 1})
    a = np.array([1, 0, 1], dtype=np.int64)
    out, key = reseat_class(s, a, np.zeros(3, bool), 1)
    assert out.tolist() == [0, 1, 1]
    assert key == s.lex_key(out) and key < s.lex_key(a)


def test_whole_customers_only_within_each_rm() -> None:
    # two customers of workload 2 and RMs with room 3 each: one per RM (no rounding loss)
    pairs = [(c, r, 10) for c in range(2) for r in range(2)]
    s = state_of([2, 2], [3, 3], pairs)
    a = np.array([-1, -1], dtype=np.int64)
    out = reseat(s, a, np.zeros(2, bool))
    assert sorted(out.tolist()) == [0, 1]
    assert s.violations(out) == []


def test_nothing_better_leaves_the_plan_as_it_is() -> None:
    s = state_of([1], [1], [(0, 0, 10)], current={0: 0})
    a = np.array([0], dtype=np.int64)
    assert reseat(s, a, np.zeros(1, bool)) is a


def test_locks_and_side_rules_are_held() -> None:
    pairs = [(0, 0, 10), (0, 1, 50), (1, 0, 10), (1, 1, 50)]
    s = state_of([1, 1], [2, 2], pairs, groups=[[0, 1]])
    a = np.array([0, 0], dtype=np.int64)
    assert reseat(s, a, np.zeros(2, bool)) is a  # a group is not re-seated here
