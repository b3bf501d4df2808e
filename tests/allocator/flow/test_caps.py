"""allocator.flow.caps: plans brought within the per-RM move caps."""

from __future__ import annotations

import numpy as np
from flowstate import state_of

from allocator.flow.caps import within_caps


def capped(cap: list[int], required: tuple[int, ...] = ()):  # type: ignore[no-untyped-def]
    # c0 (value 10), c1 (value 30), c2 (value 20) sit on r0 today; all fit r1 as well
    pairs = [(c, r, v) for c, v in enumerate([10, 30, 20]) for r in range(2)]
    s = state_of([1, 1, 1], [3, 3], pairs, current={0: 0, 1: 0, 2: 0}, required=required)
    s.problem = s.problem.replace(move_cap=np.array(cap, dtype=np.int64))
    return s


def test_the_least_valuable_moves_beyond_a_cap_are_undone() -> None:
    s = capped([1, -1])
    out = within_caps(s, np.array([1, 1, 1], dtype=np.int64))
    assert out is not None and out.tolist() == [-1, 1, -1]
    assert s.violations(out) == []


def test_a_plan_within_its_caps_is_left_alone() -> None:
    s = capped([2, -1])
    a = np.array([1, 1, 0], dtype=np.int64)
    assert within_caps(s, a) is a


def test_a_required_move_beyond_the_cap_cannot_be_undone() -> None:
    s = capped([0, -1], required=(0,))
    assert within_caps(s, np.array([1, 0, 0], dtype=np.int64)) is None


def test_no_caps_no_change() -> None:
    s = capped([-1, -1])
    s.problem = s.problem.replace(move_cap=None)
    a = np.array([1, 1, 1], dtype=np.int64)
    assert within_caps(s, a) is a
