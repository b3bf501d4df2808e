"""allocator.flow.state: units, the fast pair lookup, loads, the objective key, the hard rules."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest
from flowstate import state_of

from allocator.flow.state import Clock, Stopped


def test_units_are_groups_then_lone_one_to_one_customers() -> None:
    # c1 and c3 share a group; c0 is one-to-one alone, c2 one-to-one inside the group
    s = state_of([1] * 5, [9], [(c, 0, 1) for c in range(5)], groups=[[1, 3, 2]], exclusive=[0, 2])
    u = s.units
    assert u.n == 2
    assert u.of.tolist() == [1, 0, 0, 0, -1]
    assert u.exclusive.tolist() == [True, True]
    assert sorted(u.members_of(0).tolist()) == [1, 2, 3]
    assert u.members_of(1).tolist() == [0]


def test_lookup_finds_pairs_and_says_minus_one_for_none() -> None:
    s = state_of([1, 1], [5, 5, 5], [(0, 0, 10), (0, 2, 20), (1, 1, 30)])
    idx = s.lookup(np.array([0, 0, 0, 1, 1]), np.array([0, 1, 2, 1, -1]))
    p = s.problem
    assert idx[[1, 4]].tolist() == [-1, -1]
    assert p.pair_value[idx[[0, 2, 3]]].tolist() == [10, 20, 30]


def test_loads_and_key_follow_the_plan() -> None:
    s = state_of([2, 3, 1], [4, 4], [(0, 0, 10), (1, 0, 5), (1, 1, 7), (2, 1, 1)], current={1: 0})
    a = np.array([0, 1, -1])  # c1 moved from r0 to r1, c2 left out
    assert s.loads(a).tolist() == [2, 3]
    assert s.lex_key(a) == (-17, 1, 0, 0.75)


def test_violations_name_the_broken_rules() -> None:
    s = state_of(
        [2, 2, 1, 1],
        [3, 3],
        [(c, r, 1) for c in range(4) for r in range(2)],
        groups=[[0, 1]],
        exclusive=[2],
        required=[3],
    )
    a = np.array([0, 1, 0, -1])
    assert s.violations(a) == [
        "required customer unassigned",
        "group split",
        "one-to-one RM shared",
    ]
    assert "required customer unassigned" not in s.violations(a, required=False)
    assert s.violations(np.array([0, 0, 1, 1])) == ["capacity", "one-to-one RM shared"]


def test_clock_says_why_it_stopped() -> None:
    stop = threading.Event()
    clock = Clock(time.monotonic() + 60.0, stop, lambda *_: None)
    clock.check()
    stop.set()
    with pytest.raises(Stopped, match="interrupted"):
        clock.check()
    late = Clock(time.monotonic() - 1.0, threading.Event(), lambda *_: None)
    assert late.left() < 0
    with pytest.raises(Stopped, match="time_limit"):
        late.check()
