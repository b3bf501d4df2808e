"""allocator.flow.sides: the RM each group and one-to-one unit gets."""

from __future__ import annotations

import numpy as np
from flowstate import state_of

from allocator.flow.locks import hold_locks
from allocator.flow.lp import relax
from allocator.flow.sides import decide, match_units


def ints(*xs: int) -> np.ndarray:
    return np.array(xs, dtype=np.int64)


def test_matching_serves_the_most_value() -> None:
    # u0 can only have r0; u1 would rather have r0 (50) than r1 (40): u0 gets r0
    pairs = match_units(
        unit=ints(0, 1, 1),
        hub=ints(0, 1, 1),
        rm=ints(0, 0, 1),
        value=ints(100, 50, 40),
        quota=ints(1, 1),
        displaced=np.zeros(2),
        today=np.zeros(3, dtype=bool),
    )
    assert sorted(pairs) == [(0, 0), (1, 1)]


def test_matching_respects_the_hub_quota_and_spares_busy_rms() -> None:
    # one hub, two units, the LP served one: one unit matched, on the RM whose seated flow is
    # worth less (r1)
    pairs = match_units(
        unit=ints(0, 0, 1, 1),
        hub=ints(0, 0, 0, 0),
        rm=ints(0, 1, 0, 1),
        value=ints(10, 10, 10, 10),
        quota=ints(1),
        displaced=np.array([500.0, 100.0]),
        today=np.zeros(4, dtype=bool),
    )
    assert len(pairs) == 1 and pairs[0][1] == 1
    none = match_units(ints(0), ints(0), ints(0), ints(10), ints(0), np.zeros(1), np.zeros(1, bool))
    assert none == []


def test_group_goes_where_it_is_worth_most_and_one_to_one_beside_it() -> None:
    # group {c0, c1} is worth 50 each on r1; the one-to-one c2 is worth 30 on either RM: it
    # gets the RM the group does not want
    s = state_of(
        [1, 1, 1],
        [5, 5],
        [(0, 0, 10), (0, 1, 50), (1, 0, 10), (1, 1, 50), (2, 0, 30), (2, 1, 30)],
        groups=[[0, 1]],
        exclusive=[2],
    )
    locks = hold_locks(s)
    assert locks is not None
    relaxed = relax(s, locks)
    assert relaxed is not None
    decided = decide(s, relaxed.hubs, relaxed.flow, locks)
    assert decided.tolist() == [1, 0]  # unit 0 is the group, unit 1 is c2
    assert s.dedicated.tolist() == [True, False]
