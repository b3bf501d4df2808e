"""Exact re-seating, one workload class at a time: whole customers without rounding loss.

Rounding a flow to whole customers, the exact repair's neighbourhoods and the greedy fill each
see cover and continuity only locally, and every move they make to win back a rounding loss
is a move the LP never needed. But customers of *one* workload ``w`` are easy: with everybody
else held where the plan put them, seating them is a transportation problem in whole customers
-- an RM with room ``R`` takes ``R // w`` of them -- and a min-cost flow with integral data has
an integral optimum. So :func:`reseat_class` re-decides every customer of workload ``w``
outside side rules and locks at once, exactly: most cover, then fewest moves, then fewest
drops (the flow's lexicographic costs; see :mod:`allocator.flow.transport`), each member kept
on today's RM first. The plan it starts from is one of the flow's feasible points, so the
result is never lexicographically worse; :func:`reseat` runs the classes in turn (each may
free room for another) until a round changes nothing.
"""

from __future__ import annotations

import time

import numpy as np

from allocator.flow.hubs import POOLED, REQUIRED, build_hubs
from allocator.flow.seating import seat
from allocator.flow.state import Bools, FlowState, Ints
from allocator.flow.transport import solve_transport

#: rounds over the workload classes (the second rarely finds much, a third almost never)
ROUNDS = 2


def reseat(state: FlowState, a: Ints, fixed: Bools, deadline: float | None = None) -> Ints:
    """``a`` with each workload class re-seated exactly in turn (module docstring), heaviest
    class first, for up to :data:`ROUNDS` rounds or until ``deadline``."""
    free = _free(state, fixed)
    classes = sorted(np.unique(state.weight[free]).tolist(), reverse=True)
    best = a
    key = state.lex_key(a)
    for _ in range(ROUNDS):
        improved = False
        for w in classes:
            if deadline is not None and time.monotonic() >= deadline:
                return best
            trial, trial_key = reseat_class(state, best, fixed, int(w), key)
            if trial_key < key:
                best, key, improved = trial, trial_key, True
        if not improved:
            break
    return best


def _free(state: FlowState, fixed: Bools) -> Bools:
    """Customers a class step may re-seat: outside side rules and locks, with a workload."""
    return ~fixed & (state.units.of < 0) & (state.deg > 0) & (state.weight > 0)


def reseat_class(
    state: FlowState,
    a: Ints,
    fixed: Bools,
    w: int,
    key_a: tuple[int, int, int, float] | None = None,
) -> tuple[Ints, tuple[int, int, int, float]]:
    """``a`` with its free customers of workload ``w`` re-seated by an exact flow, and its
    lexicographic key; ``a`` itself when that is not better.

    The result is valid by construction (eligible arcs only, whole customers within each
    RM's room, no RM that serves a one-to-one customer); the caller checks the final plan.
    ``key_a`` is ``a``'s key when the caller knows it.
    """
    p = state.problem
    cust = np.flatnonzero(_free(state, fixed) & (state.weight == w))
    before = state.lex_key(a) if key_a is None else key_a
    if cust.size == 0:
        return a, before
    base = a.copy()
    base[cust] = -1
    room = np.maximum(p.capacity - state.loads(base), 0)
    # RMs serving a one-to-one customer take nobody else
    blocked = state.dedicated.copy()
    ex = np.flatnonzero(p.exclusive & (base >= 0))
    blocked[base[ex]] = True
    kind = np.where(p.required[cust], REQUIRED, POOLED).astype(np.int64)
    ones = np.ones(cust.shape[0], dtype=np.int64)
    hubs = build_hubs(
        state,
        cust,
        kind,
        ones,
        np.full(cust.shape[0], -1, dtype=np.int64),
        np.where(blocked, 0, -1).astype(np.int64),
        np.zeros(p.n_rms, dtype=bool),
        state.bonus,
        p.current.astype(np.int64),  # true moves: the result is judged by them
    )
    # in whole customers of workload w: an RM with room R takes R // w of them
    flow = solve_transport(
        hubs, room // w, continuity=state.continuity, move_cap=state.moves_left(base)
    )
    trial = base
    trial[hubs.members] = seat(hubs, flow.seats, p.n_rms)
    key = state.lex_key(trial)
    return (trial, key) if key < before else (a, before)
