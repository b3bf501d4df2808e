"""allocator.flow.restore: moved and dropped customers back on today's RM, at no cover cost."""

from __future__ import annotations

import numpy as np
from flowstate import state_of

from allocator.flow.restore import restore


def plan(*rms: int) -> np.ndarray:
    return np.array(rms, dtype=np.int64)


def test_a_moved_customer_goes_back_where_there_is_room() -> None:
    s = state_of([1], [2, 2], [(0, 0, 10), (0, 1, 10)], current={0: 0})
    assert restore(s, plan(1), np.zeros(1, bool)).tolist() == [0]


def test_a_dropped_customer_goes_back() -> None:
    s = state_of([1], [2, 2], [(0, 0, 10), (0, 1, 10)], current={0: 0})
    assert restore(s, plan(-1), np.zeros(1, bool)).tolist() == [0]


def test_no_cover_is_given_up_for_continuity() -> None:
    s = state_of([1], [2, 2], [(0, 0, 10), (0, 1, 20)], current={0: 0})
    a = plan(1)
    assert restore(s, a, np.zeros(1, bool)) is a


def test_a_newcomer_makes_room_by_going_elsewhere() -> None:
    # r0 holds one: the newcomer c1 sits there, c0 (today on r0) was moved to r1; c1 is worth
    # as much on r1, which has room once c0 leaves it
    pairs = [(0, 0, 10), (0, 1, 10), (1, 0, 10), (1, 1, 10)]
    s = state_of([1, 1], [1, 1], pairs, current={0: 0})
    assert restore(s, plan(1, 0), np.zeros(2, bool)).tolist() == [0, 1]


def test_a_group_goes_back_whole() -> None:
    pairs = [(c, r, 10) for c in range(2) for r in range(2)]
    s = state_of([1, 1], [2, 2], pairs, current={0: 0, 1: 0}, groups=[[0, 1]])
    assert restore(s, plan(1, 1), np.zeros(2, bool)).tolist() == [0, 0]


def test_a_group_stays_where_it_is_worth_more() -> None:
    pairs = [(0, 0, 10), (0, 1, 30), (1, 0, 10), (1, 1, 10)]
    s = state_of([1, 1], [2, 2], pairs, current={0: 0, 1: 0}, groups=[[0, 1]])
    a = plan(1, 1)
    assert restore(s, a, np.zeros(2, bool)) is a


def test_nobody_joins_an_rm_a_one_to_one_customer_has() -> None:
    # c1 is one-to-one on r0; c0 (today on r0) cannot go back beside it
    pairs = [(0, 0, 10), (0, 1, 10), (1, 0, 100)]
    s = state_of([1, 1], [5, 5], pairs, current={0: 0}, exclusive=[1])
    a = plan(1, 0)
    assert restore(s, a, np.zeros(2, bool)) is a


def test_a_group_moves_where_all_its_members_fit() -> None:
    # the group {c0, c1} (new customers) sits on r0, which has room for c0 only; r1 holds both
    pairs = [(c, r, 10) for c in range(2) for r in range(2)]
    s = state_of([1, 1], [1, 2], pairs, groups=[[0, 1]])
    assert restore(s, plan(0, -1), np.zeros(2, bool)).tolist() == [1, 1]
    s2 = state_of([1, 1], [1, 2], pairs, current={1: 1}, groups=[[0, 1]])
    out2 = restore(s2, plan(0, -1), np.zeros(2, bool))
    assert out2.tolist() == [1, 1]  # c1 back on r1 today, and c0 with it: both covered
