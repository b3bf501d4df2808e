"""allocator.flow.hubs: the arcs a customer's kind allows."""

from __future__ import annotations

import numpy as np
from flowstate import state_of

from allocator.flow.hubs import ONE_TO_ONE, PINNED, POOLED, REQUIRED, build_hubs, gated_hub
from allocator.flow.network import Hubs


def arcs(hubs: Hubs, customer: int) -> list[tuple[int, int]]:
    h = int(hubs.member_hub[hubs.members.tolist().index(customer)])
    lo, hi = int(hubs.arc_ptr[h]), int(hubs.arc_ptr[h + 1])
    return list(zip(hubs.arc_rm[lo:hi].tolist(), hubs.arc_value[lo:hi].tolist(), strict=True))


def test_each_kind_gets_its_arcs() -> None:
    s = state_of([1] * 4, [5, 5, 5], [(c, r, 10) for c in range(4) for r in range(3)])
    cust = np.arange(4, dtype=np.int64)
    kind = np.array([POOLED, ONE_TO_ONE, PINNED, REQUIRED], dtype=np.int64)
    pin = np.array([-1, -1, 1, -1], dtype=np.int64)
    reserved = np.array([-1, -1, 7], dtype=np.int64)  # r2 reserved for some unit
    busy = np.array([True, False, False])  # r0 holds a lock
    hubs = build_hubs(s, cust, kind, s.weight[cust], pin, reserved, busy, bonus=100)
    assert arcs(hubs, 0) == [(0, 10), (1, 10)]
    assert arcs(hubs, 1) == [(1, 10)]  # a one-to-one customer avoids the busy r0
    assert arcs(hubs, 2) == [(1, 10)]  # pinned: only its unit's RM
    assert arcs(hubs, 3) == [(0, 110), (1, 110)]  # required: the bonus seats it first
    assert not gated_hub(hubs).any()


def test_identical_customers_pool_into_one_hub() -> None:
    s = state_of([2, 2, 2], [5, 5], [(c, r, 10) for c in range(3) for r in range(2)], klass=[0] * 3)
    cust = np.arange(3, dtype=np.int64)
    none = np.full(3, -1, dtype=np.int64)
    kind = np.full(3, POOLED, dtype=np.int64)
    hubs = build_hubs(s, cust, kind, s.weight[cust], none, np.full(2, -1), np.zeros(2, bool), 0)
    assert hubs.n == 1 and sorted(hubs.members.tolist()) == [0, 1, 2]
