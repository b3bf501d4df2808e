"""allocator.flow.lp: the bound LPs, strengthened one-to-one workloads, the workload ladder."""

from __future__ import annotations

import numpy as np
from flowstate import state_of

from allocator.flow.locks import hold_locks
from allocator.flow.lp import base_lcm, ladder_floor, relax, strengthen


def test_ladder_keeps_the_scale_small() -> None:
    out = ladder_floor(np.array([59, 30, 5, 24, 100], dtype=np.int64), 24)
    # divisors of 24 (1, 2, 3, 4, 6, 8, 12, 24), then 48, 96, ...
    assert out.tolist() == [48, 24, 4, 24, 96]


def test_base_lcm_gives_up_on_a_large_scale() -> None:
    assert base_lcm(np.array([0, 2, 3, 4], dtype=np.int64)) == 12
    assert base_lcm(np.array([97, 89, 83], dtype=np.int64)) == 1


def test_one_to_one_workload_counts_the_rm_it_would_have_alone() -> None:
    # c0 (one-to-one, weight 1) in a group with c1 (weight 2): a dedicated RM of capacity 8
    # carries the group and nobody else, so c0 counts for 8 - 2 = 6, floored to the ladder (4)
    s = state_of([1, 2], [8, 10], [(0, 0, 5), (0, 1, 5), (1, 0, 5)], groups=[[0, 1]], exclusive=[0])
    excl = np.array([0], dtype=np.int64)
    none = np.full(1, -1, dtype=np.int64)
    w, first, raw = strengthen(s, excl, none, np.full(2, -1), np.zeros(2, bool))
    assert raw.tolist() == [6] and w.tolist() == [4] and first.tolist() == [True]


def test_bound_holds_over_the_one_to_one_optimum() -> None:
    # one RM: the one-to-one c0 (value 10) alone, or c1 + c2 (value 6 each): the bound must
    # not count c0 and the others together
    s = state_of([1, 1, 1], [3], [(0, 0, 10), (1, 0, 6), (2, 0, 6)], exclusive=[0])
    locks = hold_locks(s)
    assert locks is not None
    relaxed = relax(s, locks)
    assert relaxed is not None
    assert 12 <= relaxed.bound < 22
    assert s.bound == relaxed.bound


def test_a_required_customer_the_lp_cannot_seat_means_no_plan() -> None:
    s = state_of([3, 3], [4, 1], [(0, 0, 1), (0, 1, 1), (1, 0, 1), (1, 1, 1)], required=[0, 1])
    locks = hold_locks(s)
    assert locks is not None and relax(s, locks) is None
