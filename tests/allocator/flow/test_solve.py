"""allocator.flow.solve: the phases together -- monotone from today's book, a proven moves bound.

The property test draws small problems with today's RMs, groups, one-to-one customers, locks
and move caps, and checks against brute force (every assignment enumerated) that the flow's plan
is valid, never lexicographically worse than the start (``book_start``), and that the moves
bound it reports is no more than the fewest moves of any plan covering as much -- hence no more
than the moves of the lexicographic optimum.
"""

from __future__ import annotations

import threading
import time

import numpy as np
import pairproblem
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from allocator.flow.solve import Outcome, solve_flow
from allocator.heuristics.start import book_start
from allocator.problem import Problem


def run(p: Problem, warm: bool = True) -> Outcome:
    return solve_flow(p, time.monotonic() + 30, threading.Event(), lambda *_: None, warm=warm)


def two_rms(current: dict[int, int]) -> Problem:
    # four customers, two RMs of room 2; c3 (value 100) fits r0 only
    pairs = [(c, r, 1, 10) for c in range(3) for r in range(2)] + [(3, 0, 1, 100)]
    return pairproblem.problem(4, [2, 2], pairs, current=current)


def test_an_unchanged_rerun_returns_the_book() -> None:
    p = two_rms({})
    first = run(p).assignment
    book = {c: int(r) for c, r in enumerate(first.tolist()) if r >= 0}
    again = run(two_rms(book))
    assert again.assignment.tolist() == first.tolist()
    assert again.key is not None and again.key[1] == 0
    assert again.moves_bound == 0 and again.moves_bound_exact


def test_a_better_cover_is_worth_a_move() -> None:
    # today: c0, c1 on r0, c2 on r1; c3 (100) needs r0: one of r0's customers moves to r1
    out = run(two_rms({0: 0, 1: 0, 2: 1}))
    assert out.key is not None and out.key[:3] == (-130, 1, 0)
    assert out.start_key is not None and out.start_key[0] > out.key[0]
    assert out.moves_bound == 1 and out.source == "flow"


def test_the_hint_is_the_start_when_it_differs() -> None:
    p = two_rms({0: 0, 1: 0, 2: 1})
    hinted = p.replace(hint=np.array([1, 1, 0, 0], dtype=np.int32))
    out = run(hinted)
    assert out.key is not None and out.key[0] == -130
    cold = run(hinted, warm=False)
    assert cold.key is not None and cold.key[:2] == out.key[:2]


def test_move_caps_hold() -> None:
    p = two_rms({0: 0, 1: 0, 2: 1}).replace(move_cap=np.array([0, -1], dtype=np.int64))
    out = run(p)
    assert p.violations(out.assignment) == []
    assert out.key is not None and out.key[1] == 0  # nobody may leave r0: c3 stays out


# ------------------------------------------------------------------------------------------------
# random small problems against brute force
# ------------------------------------------------------------------------------------------------
@st.composite
def problems(draw: st.DrawFn) -> Problem:
    p, _ = draw(
        pairproblem.random_problems(
            customers=5,
            most_weight=3,
            most_capacity=5,
            flags=("none", "none", "excl", "g0", "lock"),
        )
    )
    if draw(st.booleans()):
        caps = draw(st.lists(st.integers(-1, 1), min_size=p.n_rms, max_size=p.n_rms))
        p = p.replace(move_cap=np.array(caps, dtype=np.int64))
    return p


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(p=problems())
def test_never_worse_than_the_start_and_the_moves_bound_holds(p: Problem) -> None:
    out = run(p)
    valid = pairproblem.valid_plans(p)
    if not valid:
        assert out.infeasible or out.bound is None
        return
    if out.infeasible:  # the LP proved a required customer cannot be placed
        assert not any(p.required[a < 0].sum() == 0 for a in valid)
        return
    a = out.assignment
    assert p.violations(a) == []
    start = book_start(p)
    if not p.violations(start):
        assert p.lex_key(a) <= p.lex_key(start)
    cover = p.cover_value(a)
    fewest = min(p.moves(b) for b in valid if p.cover_value(b) >= cover)
    assert out.moves_bound <= fewest
    best = min(valid, key=p.lex_key)
    assert out.moves_bound <= p.moves(best)
    assert out.bound is not None and out.bound >= p.cover_value(best) - 1e-9
