"""allocator.flow.locks: held locks placed first, and what they leave for everybody else."""

from __future__ import annotations

from flowstate import state_of

from allocator.flow.locks import hold_locks


def test_locks_are_placed_and_mark_their_rms() -> None:
    # c0 (one-to-one) is locked on r0, c1 on r1; c2 is free
    s = state_of(
        [2, 1, 1],
        [5, 5, 5],
        [(0, 0, 10), (1, 1, 10), (2, 0, 5), (2, 2, 5)],
        exclusive=[0],
        required=[0, 1],
    )
    locks = hold_locks(s)
    assert locks is not None
    assert locks.a.tolist() == [0, 1, -1]
    assert locks.fixed.tolist() == [True, True, False]
    assert locks.cap_left.tolist() == [3, 4, 5]
    assert locks.reserved.tolist() == [s.units.of[0], -1, -1]
    assert locks.busy.tolist() == [True, True, False]
    assert locks.unit_rm.tolist() == [0]


def test_locks_over_capacity_leave_no_plan() -> None:
    s = state_of([3, 3], [5], [(0, 0, 1), (1, 0, 1)], required=[0, 1])
    assert hold_locks(s) is None
