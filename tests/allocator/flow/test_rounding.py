"""allocator.flow.rounding: whole customers from a fractional flow."""

from __future__ import annotations

import numpy as np
from flowstate import pooled, state_of

from allocator.flow.rounding import round_flow, unseated
from allocator.flow.transport import solve_transport


def test_a_split_customer_is_repaired_to_whole_ones() -> None:
    # the LP splits an 8-point customer over r0 and r1; whole customers: one big one on each
    # RM and a small one beside it
    weights = [8, 8, 1, 1, 1, 1]
    pairs = [(c, r, 1000 if c < 2 else 10) for c in range(6) for r in range(2)]
    s = state_of(weights, [9, 9], pairs)
    hubs = pooled(s)
    flow = solve_transport(hubs, s.problem.capacity, continuity=True)
    a = np.full(6, -1, dtype=np.int64)
    a[hubs.members] = round_flow(s, hubs, flow, a)
    assert s.violations(a) == []
    assert -s.lex_key(a)[0] == 2000 + 20


def test_unseated_sees_members_without_a_seat() -> None:
    s = state_of([1, 1], [5], [(0, 0, 10), (1, 0, 20)])
    hubs = pooled(s)
    assert unseated(hubs, np.zeros(hubs.arc_rm.shape[0], dtype=np.int64))
    assert not unseated(hubs, np.ones(hubs.arc_rm.shape[0], dtype=np.int64))
