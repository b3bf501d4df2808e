"""allocator.flow.balance: free customers re-seated so no RM runs full needlessly."""

from __future__ import annotations

import numpy as np
from flowstate import state_of

from allocator.flow.balance import balance


def test_new_customers_spread_over_equal_rms() -> None:
    # four new customers of equal value all on r0: two move to the idle r1
    s = state_of([1] * 4, [4, 4], [(c, r, 10) for c in range(4) for r in range(2)])
    a = np.zeros(4, dtype=np.int64)
    out = balance(s, a, np.zeros(4, dtype=bool))
    assert s.loads(out).tolist() == [2, 2]
    assert s.lex_key(out)[:3] == s.lex_key(a)[:3]  # cover value and moves kept


def test_customers_kept_with_today_rm_are_not_free() -> None:
    # three of four are with r0 today: only the new one may move, so nothing changes (fewer
    # than two free customers)
    pairs = [(c, r, 10) for c in range(4) for r in range(2)]
    s = state_of([1] * 4, [4, 4], pairs, current={0: 0, 1: 0, 2: 0})
    a = np.zeros(4, dtype=np.int64)
    assert balance(s, a, np.zeros(4, dtype=bool)) is a


def test_a_more_valuable_seat_is_never_given_up() -> None:
    # c0 and c1 are worth more on r0: balancing may not trade value for spread
    s = state_of([1, 1], [2, 2], [(0, 0, 50), (0, 1, 10), (1, 0, 50), (1, 1, 10)])
    a = np.zeros(2, dtype=np.int64)
    assert balance(s, a, np.zeros(2, dtype=bool)).tolist() == [0, 0]
