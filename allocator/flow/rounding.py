"""Whole customers from a flow: seats per arc, the exact repair, the seating, the greedy fill.

A basic optimal flow splits at most about one hub per RM, so rounding down loses little; the
exact repair (:mod:`allocator.flow.repair`) then solves the few RMs around the split arcs
exactly, and a greedy fill seats whoever still fits. Both the no-side-rules solve and the final
flow end here.
"""

from __future__ import annotations

import time

import numpy as np

from allocator.flow.network import Hubs
from allocator.flow.repair import exact_repair, neighbourhood
from allocator.flow.seating import fill_greedy, seat
from allocator.flow.state import FlowState, Ints
from allocator.flow.transport import FlowResult

#: CP-SAT deterministic time the exact repair may take (it starts from a feasible rounding;
#: measured at 10^5 customers, 1 unit -- about 1.5 s of wall time here -- gains what 10 s did)
REPAIR_SECONDS = 1.0


def round_flow(state: FlowState, hubs: Hubs, flow: FlowResult, a: Ints) -> Ints:
    """Whole customers from ``flow`` on ``hubs``.

    Parameters
    ----------
    state : FlowState
        ``state.proven`` is set when the repair solved its neighbourhood -- the whole
        network -- to optimality.
    hubs : Hubs
    flow : FlowResult
    a : numpy.ndarray of int64
        The plan of everybody outside ``hubs`` (their load comes off the room).

    Returns
    -------
    numpy.ndarray of int64
        The RM per member of ``hubs`` (-1: none).
    """
    t0 = time.monotonic()
    p = state.problem
    seats = flow.seats
    room = p.capacity - state.loads(a)
    chosen = neighbourhood(hubs, flow.bitten, seats, room)
    budget = min(max(state.clock.left() * 0.25, 0.0), REPAIR_SECONDS)
    if chosen.any() and (flow.bitten.any() or unseated(hubs, seats)):
        fixed = exact_repair(
            hubs,
            seats,
            room,
            chosen,
            continuity=state.continuity,
            time_limit=budget,
            seed=state.seed,
            workers=state.workers,
            drops=bool(chosen.all()) and state.units.n == 0,
        )
        seats = fixed.seats
        state.proven = fixed.optimal and fixed.whole
    state.timed("exact_repair", t0)
    t0 = time.monotonic()
    member_rm = seat(hubs, seats, p.n_rms)
    trial = a.copy()
    trial[hubs.members] = member_rm
    slack = p.capacity - state.loads(trial)
    fill_greedy(hubs, member_rm, slack)
    state.timed("seat", t0)
    return member_rm


def unseated(hubs: Hubs, seats: Ints) -> bool:
    """Whether some hub has members without a seat that an RM with room could take."""
    seated = np.bincount(hubs.arc_hub, weights=seats, minlength=hubs.n)
    return bool((seated < np.diff(hubs.member_ptr)).any())
