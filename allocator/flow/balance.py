"""Phase 5: balance -- the customers free to change RM re-seated so no RM runs full needlessly.

Free are the customers who can change RM without changing the cover value or the moves: new
ones and moved ones, outside side rules and locks. They are re-seated by a flow whose RM arcs
cost more as utilisation rises (:func:`solve_balance`), using only arcs as
valuable as the RM each has now, so the cover value is kept. The result is accepted only when it
is valid and the lexicographic objective is no worse.
"""

from __future__ import annotations

import numpy as np

from allocator.flow.hubs import build_hubs
from allocator.flow.network import FlowError, Hubs, restrict_arcs, rm_groups
from allocator.flow.seating import fill_greedy, seat
from allocator.flow.spread import spread
from allocator.flow.state import Bools, FlowState, Ints
from allocator.flow.transport import COST_LIMIT, arc_flows

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


def solve_balance(
    hubs: Hubs, capacity: Ints, base: Ints, *, steps: int = 20, growth: int = 3
) -> Ints | None:
    """Seat every member of ``hubs`` (all must be seated) spreading the load evenly.

    The arcs of an RM group into the sink are cut into ``steps`` utilisation bands, each a unit
    cost ``growth`` times the one below (a convex, piecewise linear cost of utilisation), so the
    flow fills the least utilised groups first; :func:`~allocator.flow.spread.spread` then evens
    the RMs inside a group. Returns seats per hub arc, or None when the members do not all fit
    even fractionally.
    """
    n_rms = int(capacity.shape[0])
    h_n = hubs.n
    arc_hub = hubs.arc_hub
    group = rm_groups(hubs, n_rms)
    n_groups = int(group.max()) + 1 if n_rms else 0
    cap_g = np.bincount(group, weights=capacity, minlength=n_groups).astype(np.int64)
    base_g = np.bincount(group, weights=base, minlength=n_groups).astype(np.int64)
    gkey = arc_hub * (n_groups + 1) + group[hubs.arc_rm]
    g_uniq, g_of_arc = np.unique(gkey, return_inverse=True)
    g_of_arc = g_of_arc.reshape(-1)
    g_hub = g_uniq // (n_groups + 1)
    g_grp = g_uniq % (n_groups + 1)
    j = np.arange(steps, dtype=np.int64)
    upper = np.floor(cap_g[:, None] * (j[None, :] + 1) / steps).astype(np.int64)
    lower = np.floor(cap_g[:, None] * j[None, :] / steps).astype(np.int64)
    seg = np.clip(upper - np.maximum(lower, base_g[:, None]), 0, None)
    cost_j = np.asarray([growth**k for k in range(steps)], dtype=np.int64)
    if int(cost_j[-1]) * (h_n + n_groups + 2) >= COST_LIMIT:
        return None
    hub_units = np.diff(hubs.member_ptr) * hubs.weight
    sink = h_n + n_groups
    tails = np.concatenate([g_hub, np.repeat(np.arange(n_groups, dtype=np.int64), steps) + h_n])
    heads = np.concatenate([g_grp + h_n, np.full(n_groups * steps, sink, dtype=np.int64)])
    caps = np.concatenate([hub_units[g_hub], seg.reshape(-1)])
    costs = np.concatenate([np.zeros(g_hub.shape[0], dtype=np.int64), np.tile(cost_j, n_groups)])
    supply = np.zeros(sink + 1, dtype=np.int64)
    supply[:h_n] = hub_units
    supply[sink] = -int(hub_units.sum())
    try:
        g_units = arc_flows(tails, heads, caps, costs, supply)[: g_hub.shape[0]]
    except FlowError:
        return None
    seats, _ = spread(
        hubs,
        np.maximum(capacity - base, 0),
        base,
        group,
        g_units,
        g_of_arc,
        np.zeros(0, dtype=np.int64),
        np.zeros(0, dtype=np.int64),
    )
    return seats
