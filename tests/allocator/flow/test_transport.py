"""allocator.flow.transport: the flow's keep nodes and holds, its objectives, its exact sums."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from flowstate import pooled, state_of

from allocator.flow.network import FlowError
from allocator.flow.transport import exact_sum, scaling, solve_transport, value_gcd


def test_a_hold_keeps_no_more_than_the_rm_itself_holds() -> None:
    # r0 and r1 are identical (one RM group); three customers today on r0, which holds one: two
    # must move, even though the group has room for all three
    pairs = [(c, r, 10) for c in range(3) for r in range(2)]
    s = state_of([1, 1, 1], [1, 5], pairs, current={0: 0, 1: 0, 2: 0})
    flow = solve_transport(pooled(s), s.problem.capacity)
    assert flow.groups == 1
    assert flow.moved == 2 and flow.moved_exact == 2
    assert flow.value_exact == 30


def test_keeping_comes_first_among_the_best_covers() -> None:
    # c0 sits on r0 today; the newcomer c1 is worth as much on r0 as on r1: nobody moves
    pairs = [(0, 0, 10), (0, 1, 10), (1, 0, 10), (1, 1, 10)]
    s = state_of([1, 1], [1, 1], pairs, current={0: 0})
    flow = solve_transport(pooled(s), s.problem.capacity)
    assert flow.moved == 0 and flow.dropped == 0 and flow.value == 20


def test_a_trade_off_weighs_moves_against_value() -> None:
    # c0 (value 10, on r0 today, also fits r1) and the newcomer c1 (value 100, r0 only): the
    # best cover moves c0 to r1; dropping c0 instead is free in a trade-off and loses only its
    # 10 points, so the move is made only when it costs less than 10 points
    pairs = [(0, 0, 10), (0, 1, 10), (1, 0, 100)]
    s = state_of([1, 1], [1, 1], pairs, current={0: 0})
    hubs = pooled(s)
    g = value_gcd(hubs.arc_value)  # trade (p, q): q * moved - p * value / g
    cheap = solve_transport(hubs, s.problem.capacity, trade=(g, 5))  # a move costs 5 points
    assert cheap.moved_exact == 1 and cheap.value_exact == 110
    dear = solve_transport(hubs, s.problem.capacity, trade=(g, 20))  # a move costs 20 points
    assert dear.moved_exact == 0 and dear.value_exact == 100


def test_without_moves_nobody_leaves_today_rm() -> None:
    pairs = [(0, 0, 10), (0, 1, 10), (1, 0, 100)]
    s = state_of([1, 1], [1, 1], pairs, current={0: 0})
    flow = solve_transport(pooled(s), s.problem.capacity, moves=False, continuity=False)
    assert flow.moved == 0 and flow.value_exact == 100  # c0 dropped (free), c1 seated


def test_exact_sum_is_a_rational() -> None:
    units = np.array([3, 2], dtype=np.int64)
    value = np.array([10, 7], dtype=np.int64)
    weight = np.array([3, 2], dtype=np.int64)
    assert exact_sum(units, value, weight) == Fraction(17)
    assert exact_sum(np.array([1]), np.array([1]), np.array([3])) == Fraction(1, 3)


def test_scaling_divides_values_by_their_common_divisor() -> None:
    sc = scaling(np.array([1, 2]), np.array([10, 100, 1000]), 5, 10, True)
    assert sc.gcd == 10 and sc.exact and sc.secondary_exact
    assert value_gcd(np.array([0, 0])) == 1


def test_a_trade_off_out_of_range_is_refused() -> None:
    s = state_of([1, 1], [2], [(0, 0, 10**12), (1, 0, 1)], current={0: 0})
    with pytest.raises(FlowError):
        solve_transport(pooled(s), s.problem.capacity, trade=(10**9, 1))


def test_a_move_cap_is_shared_out_over_the_keep_nodes() -> None:
    # three customers on r0 today, worth more on r1; r0 may lose one of them
    pairs = [(c, 0, 10) for c in range(3)] + [(c, 1, 20) for c in range(3)]
    s = state_of([1, 1, 1], [3, 3], pairs, current={0: 0, 1: 0, 2: 0})
    free = solve_transport(pooled(s), s.problem.capacity)
    capped = solve_transport(pooled(s), s.problem.capacity, move_cap=np.array([1, -1]))
    assert free.moved == 3 and capped.moved == 1
