"""allocator.flow.place: customers placed around the side decisions."""

from __future__ import annotations

import numpy as np
from flowstate import state_of

from allocator.flow.hubs import POOLED, build_hubs
from allocator.flow.place import (
    dedicate_idle,
    from_suggestion,
    place_units,
    regroup,
    zero_weight,
)


def nobody(n: int) -> np.ndarray:
    return np.full(n, -1, dtype=np.int64)


def test_zero_weight_customers_keep_today_or_take_the_best_rm() -> None:
    # c0 stays with r1 (today); c1 takes the most valuable r0; c2 is one-to-one (it would share
    # its RM); c3 is in group 0, decided on r1; c4 may only have r2, which is dedicated
    pairs = [(0, 0, 50), (0, 1, 10), (1, 0, 50), (1, 1, 10), (2, 0, 50)]
    pairs += [(3, 0, 50), (3, 1, 10), (4, 2, 50), (5, 1, 10)]
    s = state_of(
        [0, 0, 0, 0, 0, 1],
        [5, 5, 5],
        pairs,
        current={0: 1},
        groups=[[3, 5]],
        exclusive=[2],
    )
    s.dedicated[2] = True
    a = nobody(6)
    decided = np.array([1, -1], dtype=np.int64)  # group 0 on r1; unit 1 (c2) undecided
    zero_weight(s, a, np.zeros(6, dtype=bool), decided)
    assert a.tolist() == [1, 0, -1, 1, -1, -1]


def test_units_are_seated_on_their_rm_while_it_has_room() -> None:
    # group {c0, c1, c2} on r0 with room for two: the two most valuable; the one-to-one c3 only
    # on r1 once r1 is dedicated to it
    s = state_of(
        [1, 1, 1, 1],
        [2, 2],
        [(0, 0, 10), (1, 0, 30), (2, 0, 20), (3, 1, 40)],
        groups=[[0, 1, 2]],
        exclusive=[3],
    )
    decided = np.array([0, 1], dtype=np.int64)
    fixed = np.zeros(4, dtype=bool)
    a, slack = nobody(4), s.problem.capacity.copy()
    place_units(s, a, fixed, decided, slack, shared=True)
    assert a.tolist() == [-1, 0, 0, -1] and slack.tolist() == [0, 2]
    s.dedicated[1] = True
    place_units(s, a, fixed, decided, slack, shared=False)
    assert a.tolist() == [-1, 0, 0, 1] and slack.tolist() == [0, 1]


def test_suggestion_keeps_seats_off_dedicated_rms() -> None:
    # c0 and c1 are outside side rules; the LP seated c1 on r1, now dedicated to the
    # one-to-one c2: c1 is reseated on r0 by the greedy fill
    s = state_of([1, 1, 1], [5, 5], [(0, 0, 10), (1, 0, 10), (1, 1, 20), (2, 1, 30)], exclusive=[2])
    s.dedicated[1] = True
    cust = np.array([0, 1], dtype=np.int64)
    hubs = build_hubs(
        s, cust, np.full(2, POOLED), s.weight[cust], nobody(2), nobody(2), np.zeros(2, bool), 0
    )
    suggest = np.array([0, 1, -1], dtype=np.int64)
    a = from_suggestion(s, suggest, nobody(3), np.zeros(3, bool), np.array([1]), hubs)
    assert a.tolist() == [0, 0, 1]
    assert s.violations(a) == []


def test_waiting_group_members_join_their_group() -> None:
    # c0 of group {c0, c1, c2} sits on r0, which has room for one more: the more valuable c2
    s = state_of(
        [1, 1, 1],
        [2, 5],
        [(0, 0, 10), (1, 0, 10), (1, 1, 10), (2, 0, 30), (2, 1, 10)],
        groups=[[0, 1, 2]],
    )
    a = np.array([0, -1, -1], dtype=np.int64)
    slack = s.problem.capacity - s.loads(a)
    regroup(s, a, np.zeros(3, dtype=bool), slack)
    assert a.tolist() == [0, -1, 0] and slack.tolist() == [0, 5]


def test_one_to_one_unit_takes_an_idle_rm() -> None:
    # c1 (one-to-one) waits; r0 serves c0, r1 serves nobody: c1 has r1 to itself
    s = state_of([1, 1], [5, 5], [(0, 0, 10), (1, 0, 50), (1, 1, 20)], exclusive=[1])
    a = np.array([0, -1], dtype=np.int64)
    slack = s.problem.capacity - s.loads(a)
    dedicate_idle(s, a, np.zeros(2, dtype=bool), slack)
    assert a.tolist() == [0, 1] and s.dedicated.tolist() == [False, True]
