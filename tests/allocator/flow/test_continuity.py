"""allocator.flow.continuity: the proven lower bound on moves at a given cover value."""

from __future__ import annotations

import time
from fractions import Fraction

import numpy as np
from flowstate import state_of

from allocator.flow.continuity import moves_lower_bound, zero_weight_value
from allocator.flow.locks import hold_locks
from allocator.flow.lp import Relaxed, relax
from allocator.flow.state import FlowState

# c0 (value 10) is on r0 today and also fits r1; the newcomer c1 (value 100) fits r0 only;
# each RM holds one customer: the best cover (110) moves c0, 100 drops it instead
PAIRS = [(0, 0, 10), (0, 1, 10), (1, 0, 100)]


def relaxed(s: FlowState) -> Relaxed:
    locks = hold_locks(s)
    assert locks is not None
    out = relax(s, locks)
    assert out is not None
    return out


def bound_at(value: int) -> tuple[int, bool, str]:
    s = state_of([1, 1], [1, 1], PAIRS, current={0: 0})
    r = relaxed(s)
    found = moves_lower_bound(
        r.hubs, r.capacity, Fraction(value - r.outside), time.monotonic() + 60
    )
    return found.moves, found.exact, found.how


def test_the_best_cover_needs_one_move() -> None:
    assert bound_at(110) == (1, True, "lagrangian")


def test_half_the_gain_still_needs_a_whole_move() -> None:
    # the LP moves half of c0 for 105 points; a plan moves whole customers: ceil(0.5) = 1
    moves, exact, _ = bound_at(105)
    assert moves == 1 and exact


def test_dropping_instead_of_moving_needs_no_move() -> None:
    assert bound_at(100) == (0, True, "no_moves_needed")


def test_nobody_with_an_rm_today_means_nothing_to_move() -> None:
    s = state_of([1, 1], [1, 1], PAIRS)
    r = relaxed(s)
    found = moves_lower_bound(r.hubs, r.capacity, Fraction(110), time.monotonic() + 60)
    assert (found.moves, found.how) == (0, "nothing_to_move")


def test_past_the_deadline_nothing_is_claimed() -> None:
    s = state_of([1, 1], [1, 1], PAIRS, current={0: 0})
    r = relaxed(s)
    found = moves_lower_bound(r.hubs, r.capacity, Fraction(110), time.monotonic() - 1)
    assert found.moves == 0 and not found.exact


def test_zero_weight_customers_count_at_their_best_value() -> None:
    weight = np.array([0, 0, 1], dtype=np.int64)
    deg = np.array([1, 2, 1], dtype=np.int64)
    best = np.array([5, -3, 9], dtype=np.int64)
    fixed = np.array([True, False, False])
    assert zero_weight_value(weight, deg, best, fixed) == 0
    assert zero_weight_value(weight, deg, np.array([5, 7, 9]), np.zeros(3, bool)) == 12
