"""Phase 5: balance -- the customers free to change RM re-seated so no RM runs full needlessly.

Free are the customers who can change RM without changing the cover value or the moves: new
ones and moved ones, outside side rules and locks. They are re-seated by a flow whose RM arcs
cost more as utilisation rises (:func:`allocator.flow.network.solve_balance`), using only arcs as
valuable as the RM each has now, so the cover value is kept. The result is accepted only when it
is valid and the lexicographic objective is no worse.
"""

from __future__ import annotations

import numpy as np

from allocator.flow.hubs import build_hubs
from allocator.flow.network import restrict_arcs, solve_balance
from allocator.flow.seating import fill_greedy, seat
from allocator.flow.state import Bools, FlowState, Ints

#: utilisation bands of the balance flow, and the growth of the unit cost from one to the next
BALANCE_STEPS = 20
BALANCE_GROWTH = 3


def balance(state: FlowState, a: Ints, fixed: Bools) -> Ints:
    """``a`` with its free customers re-seated by the convex-cost flow, or ``a`` itself when
    that is not better (module docstring)."""
    p = state.problem
    moved = (p.current >= 0) & (a >= 0) & (a != p.current)
    free = (a >= 0) & ~fixed & (state.units.of < 0) & ((p.current < 0) | moved)
    cust = np.flatnonzero(free)
    if cust.size < 2:
        return a
    base = a.copy()
    base[cust] = -1
    base_load = state.loads(base)
    reserved = np.where(state.dedicated, 0, -1).astype(np.int64)
    kind = np.zeros(cust.shape[0], dtype=np.int64)
    hubs = build_hubs(
        state,
        cust,
        kind,
        state.weight[cust],
        np.full(cust.shape[0], -1),
        reserved,
        np.zeros(p.n_rms, dtype=bool),
        0,
    )
    # only arcs as valuable as the RM each customer has now may be used (cover value kept)
    member_value = p.pair_value[state.lookup(hubs.members, a[hubs.members])]
    hub_min = np.full(hubs.n, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(hub_min, hubs.member_hub, member_value)
    usable = hubs.arc_value >= hub_min[hubs.arc_hub]
    hubs = restrict_arcs(hubs, usable)
    seats = solve_balance(hubs, p.capacity, base_load, steps=BALANCE_STEPS, growth=BALANCE_GROWTH)
    if seats is None:
        return a  # the free customers do not fit even fractionally: keep the plan
    n_rms = p.n_rms
    usable = np.ones(hubs.arc_rm.shape[0], dtype=bool)
    member_rm = seat(hubs, seats, n_rms)
    trial = base.copy()
    trial[hubs.members] = member_rm
    slack = p.capacity - state.loads(trial)
    fill_greedy(hubs, member_rm, slack, usable)
    trial[hubs.members] = member_rm
    left = np.flatnonzero((trial < 0) & (a >= 0))
    if left.size:  # rounding left some out: their old RM if it still has room
        for c in left.tolist():
            r = int(a[c])
            wc = int(state.weight[c])
            if slack[r] >= wc:
                trial[c] = r
                slack[r] -= wc
    if (trial[cust] < 0).any() or state.violations(trial):
        return a
    if state.lex_key(trial) <= state.lex_key(a):
        return trial
    return a
