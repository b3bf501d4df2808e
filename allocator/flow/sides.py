"""Phase 3: the side decisions -- which RM each unit (group, one-to-one customer) gets.

A flow cannot say "these customers share one RM" or "this RM serves one unit only", so the side
rules are settled first, read from the first LP's seating, and then held fixed:

- **one-to-one units** get RMs by a weighted matching (:func:`match_units`): the units of a hub
  as many as the LP served; most value first, then the RM whose seated flow is cheapest to
  displace, then the unit's RM today. Every eligible RM stays a candidate: RMs fit for
  one-to-one service can be scarce, and a matching needs all of them to serve the most units;
- **groups** each get the RM where the members are worth most net of what they would displace,
  with the members it serves today (continuity) and the LP's share as tie-breaks.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from allocator.flow.hubs import gated_hub
from allocator.flow.locks import Locks
from allocator.flow.network import FlowError, Hubs, rm_groups
from allocator.flow.seating import seat
from allocator.flow.state import Bools, FlowState, Ints
from allocator.flow.transport import FlowResult, arc_flows


def decide(
    state: FlowState, hubs: Hubs, flow: FlowResult, locks: Locks, suggest: Ints | None = None
) -> Ints:
    """RM per unit (-1: none): one-to-one units first, then groups (module docstring).

    ``hubs`` and ``flow`` are the first LP's, ``suggest`` its seating per customer (computed
    from ``flow`` when not given). Also sets ``state.dedicated``: the RMs the one-to-one units
    now have to themselves.
    """
    p = state.problem
    decided = locks.unit_rm.copy()
    taken, dedicated = _held_one_to_one(state, locks, decided)
    hub_of = np.full(p.n_customers, -1, dtype=np.int64)
    hub_of[hubs.members] = hubs.member_hub
    if suggest is None:
        suggest = np.full(p.n_customers, -1, dtype=np.int64)
        suggest[hubs.members] = seat(hubs, flow.seats, p.n_rms)
    _match_one_to_one(state, hubs, flow, locks, hub_of, suggest, decided, taken, dedicated)
    _decide_groups(state, hubs, flow, locks, hub_of, suggest, decided, dedicated)
    state.dedicated = dedicated
    return decided


def _held_one_to_one(state: FlowState, locks: Locks, decided: Ints) -> tuple[Bools, Bools]:
    """The RMs the locks already dedicate: (taken, dedicated) per RM.

    An RM reserved by a locked one-to-one customer is dedicated to its unit. A one-to-one unit
    pinned by a locked member also has its RM to itself when every locked customer there is of
    the unit.
    """
    p = state.problem
    units = state.units
    a, fixed, reserved = locks.a, locks.fixed, locks.reserved
    taken = reserved >= 0  # reserved for a unit (fixed one-to-one)
    dedicated = np.zeros(p.n_rms, dtype=bool)
    dedicated[reserved >= 0] = True
    fx = np.flatnonzero(fixed)
    fixed_unit = np.where(units.of[fx] >= 0, units.of[fx], -2 - fx)
    lo = np.full(p.n_rms, np.iinfo(np.int64).max, dtype=np.int64)
    hi = np.full(p.n_rms, np.iinfo(np.int64).min, dtype=np.int64)
    np.minimum.at(lo, a[fx], fixed_unit)
    np.maximum.at(hi, a[fx], fixed_unit)
    for u in np.flatnonzero(units.exclusive & (decided >= 0)).tolist():
        r = int(decided[u])
        if lo[r] == hi[r] == u:
            dedicated[r] = True
            taken[r] = True
    return taken, dedicated


def _match_one_to_one(
    state: FlowState,
    hubs: Hubs,
    flow: FlowResult,
    locks: Locks,
    hub_of: Ints,
    suggest: Ints,
    decided: Ints,
    taken: Bools,
    dedicated: Bools,
) -> None:
    """One-to-one units without an RM: a weighted matching to RMs (in place on ``decided``,
    ``taken``, ``dedicated``), each hub serving as many units as the LP did."""
    p = state.problem
    units = state.units
    fixed, busy, reserved = locks.fixed, locks.busy, locks.reserved
    quota = np.floor(flow.served + 0.5).astype(np.int64)
    # the value the LP seated on shareable arcs: what dedicating an RM displaces
    lp_shared = np.bincount(
        hubs.arc_rm,
        weights=np.where(gated_hub(hubs)[hubs.arc_hub], 0, flow.seats * hubs.arc_value),
        minlength=p.n_rms,
    )
    open_units = np.flatnonzero(units.exclusive & (decided < 0))
    is_open = np.zeros(units.n, dtype=bool)
    is_open[open_units] = True
    of = units.of
    ex_mem = np.flatnonzero(p.exclusive & ~fixed & (state.deg > 0) & (hub_of >= 0) & (of >= 0))
    ex_mem = ex_mem[is_open[of[ex_mem]]]
    # candidates: RMs a one-to-one member may be dedicated, valued by that member
    owner, idx = state.pairs_of(ex_mem)
    pr = p.pair_rm[idx].astype(np.int64)
    ok = ~taken[pr] & ~busy[pr] & (reserved[pr] < 0) & (p.pair_value[idx] > 0)
    ok &= p.capacity[pr] >= state.weight[ex_mem][owner]
    owner, idx, pr = owner[ok], idx[ok], pr[ok]
    match_u = of[ex_mem][owner]
    width = np.int64(p.n_rms + 1)
    key, first = np.unique(match_u * width + pr, return_index=True)
    match_u, match_r = key // width, key % width
    match_v = p.pair_value[idx[first]].astype(np.int64)
    source = ex_mem[owner[first]]  # the member whose pair gave the candidate its value
    first_ex = np.full(units.n, -1, dtype=np.int64)
    first_ex[of[ex_mem][::-1]] = ex_mem[::-1]
    match_h = hub_of[first_ex[match_u]]
    # a group's other members add their value on the same RM
    multi = np.flatnonzero(np.diff(units.members_ptr) > 1)
    in_group = np.isin(match_u, multi)
    if in_group.any():
        gi = np.flatnonzero(in_group)
        cu, cr, cs = match_u[gi], match_r[gi], source[gi]
        counts = units.members_ptr[cu + 1] - units.members_ptr[cu]
        rows = np.repeat(np.arange(gi.shape[0]), counts)
        firsts = np.cumsum(counts) - counts
        mm = units.members[
            np.repeat(units.members_ptr[cu], counts)
            + np.arange(rows.shape[0], dtype=np.int64)
            - np.repeat(firsts, counts)
        ]
        li = state.lookup(mm, cr[rows])
        extra = np.where(
            (li >= 0) & (mm != cs[rows]) & ~fixed[mm],
            p.pair_value[np.maximum(li, 0)],
            0,
        )
        match_v[gi] += np.bincount(rows, weights=extra, minlength=gi.shape[0]).astype(np.int64)
    cur_of_unit = np.full(units.n, -1, dtype=np.int64)
    cur_of_unit[of[ex_mem]] = state.anchor[ex_mem]
    is_today = match_r == cur_of_unit[match_u]
    # the value the LP seated on an RM is what dedicating it displaces (a proxy of the
    # capacity's dual price: cover first, so it outranks the unit's RM today)
    lp_shared_f = lp_shared.astype(np.float64)
    kept = np.flatnonzero((suggest >= 0) & (suggest == state.anchor) & ~p.exclusive)
    keepers = np.bincount(suggest[kept], minlength=p.n_rms).astype(np.int64)
    for u, r in match_units(
        match_u, match_h, match_r, match_v, quota, lp_shared_f, is_today, keepers
    ):
        decided[u] = r
        taken[r] = True
        dedicated[r] = True


def _decide_groups(
    state: FlowState,
    hubs: Hubs,
    flow: FlowResult,
    locks: Locks,
    hub_of: Ints,
    suggest: Ints,
    decided: Ints,
    dedicated: Bools,
) -> None:
    """An RM for each group still without one (in place on ``decided``).

    Groups, and the shareable members of one-to-one units left without an RM: candidate RMs are
    where the members' hubs send flow and the members' RMs today. Each candidate is ranked by
    the value of the members it may serve net of what they displace, then by the members it
    serves today (continuity, the second objective), then by the LP's share; all candidates of
    all groups are looked up at once. The room an RM has for a group counts the members the LP
    seated there already (``suggest``): else the RM where the LP kept a whole group looks full
    to that very group, and the group moves for nothing.
    """
    p = state.problem
    units = state.units
    fixed, reserved = locks.fixed, locks.reserved
    arc_hub = hubs.arc_hub
    lp_value = np.bincount(hubs.arc_rm, weights=flow.seats * hubs.arc_value, minlength=p.n_rms)

    def support(h: int) -> tuple[list[int], list[float]]:
        lo_, hi_ = int(hubs.arc_ptr[h]), int(hubs.arc_ptr[h + 1])
        f = flow.seats[lo_:hi_]
        on = np.flatnonzero(f > 0)
        order = on[np.argsort(-f[on], kind="stable")]
        return hubs.arc_rm[lo_:hi_][order].tolist(), f[order].astype(float).tolist()

    shares: dict[int, tuple[list[int], list[float]]] = {}
    todo: list[tuple[int, Ints, dict[int, float], dict[int, int]]] = []
    for u in np.flatnonzero((decided < 0) & (np.arange(units.n) < p.n_groups)).tolist():
        mem = units.members_of(u)
        mem = mem[~fixed[mem] & (state.deg[mem] > 0)]
        if units.exclusive[u]:
            mem = mem[~p.exclusive[mem]]
        if mem.size == 0:
            continue
        share_of: dict[int, float] = {}
        today: dict[int, int] = {}
        for c in mem.tolist():
            h = int(hub_of[c])
            if h < 0:
                continue
            if h not in shares:
                rms, f = support(h)
                total = sum(f) or 1.0
                shares[h] = (rms, [x / total for x in f])
            for r, share in zip(*shares[h], strict=True):
                if not dedicated[r]:
                    share_of[r] = share_of.get(r, 0.0) + float(state.best_value[c]) * share
        for c in mem.tolist():
            r = int(state.anchor[c])
            if r >= 0 and not dedicated[r]:
                today[r] = today.get(r, 0) + 1
                share_of.setdefault(r, 0.0)
        todo.append((u, mem, share_of, today))
    cc_parts, rr_parts = [], []
    for _, mem, share_of, _ in todo:
        cand = np.fromiter(share_of, dtype=np.int64, count=len(share_of))
        cc_parts.append(np.repeat(mem, cand.shape[0]))
        rr_parts.append(np.tile(cand, mem.shape[0]))
    if cc_parts:
        cc = np.concatenate(cc_parts)
        idx = state.lookup(cc, np.concatenate(rr_parts))
        gain = np.where(idx >= 0, p.pair_value[np.maximum(idx, 0)], 0).tolist()
        gw = np.where(idx >= 0, p.pair_weight[np.maximum(idx, 0)], 0).tolist()
    # room each RM has after the LP's seats (groups then take it up as they are decided);
    # on an RM without room for the group, a member is worth its value less what it
    # displaces: the least value per unit the LP seated there
    room = locks.cap_left - np.bincount(
        hubs.arc_rm, weights=flow.seats * hubs.weight[arc_hub], minlength=p.n_rms
    ).astype(np.int64)
    seated = flow.seats > 0
    marginal = np.full(p.n_rms, np.inf)
    np.minimum.at(
        marginal,
        hubs.arc_rm[seated],
        hubs.arc_value[seated] / hubs.weight[arc_hub[seated]],
    )
    marginal[~np.isfinite(marginal)] = 0.0
    # customers displaced from an RM sit on with its identical siblings when the RM group
    # has room: only a full group makes a displacement cost cover
    group = rm_groups(hubs, p.n_rms)
    group_room = np.bincount(group, weights=np.maximum(room, 0))
    pos = 0
    for u, mem, share_of, today in todo:
        k = len(share_of)
        need = float(state.weight[mem].sum()) or 1.0
        ranked: list[tuple[float, int, float, int]] = []
        if k:
            shape = (mem.shape[0], k)
            block = np.asarray(gain[pos : pos + k * mem.shape[0]]).reshape(shape)
            wblock = np.asarray(gw[pos : pos + k * mem.shape[0]]).reshape(shape)
            pos += k * mem.shape[0]
            cand = np.fromiter(share_of, dtype=np.int64, count=k)
            seated_here = suggest[mem][:, None] == cand[None, :]
            own = (state.weight[mem][:, None] * seated_here).sum(axis=0)
            full = (room[cand] + own < need) & (group_room[group[cand]] + own < need)
            price = np.where(full, marginal[cand], 0.0)
            net = block.sum(axis=0) - price * wblock.sum(axis=0)
            # today's RM counts only where the group fits beside the RM's own customers
            # (else seating the group there moves them, or drops the group)
            fits = room[cand] + own >= need
            ranked = [
                (round(float(g), 6), today.get(r, 0) if ok else 0, share_of[r], -r)
                for r, g, ok in zip(cand.tolist(), net.tolist(), fits.tolist(), strict=True)
            ]
        else:  # the LP served none: the eligible RM whose flow is worth least
            worst: dict[int, float] = {}
            for c in mem.tolist():
                sl = p.pairs_of(c)
                for r in p.pair_rm[sl].tolist():
                    if not dedicated[r] and reserved[r] < 0:
                        worst[r] = -float(lp_value[r])
            ranked = [(v, 0, 0.0, -r) for r, v in worst.items()]
        if ranked:
            r = -max(ranked)[3]
            decided[u] = r
            mine = int(state.weight[mem][suggest[mem] == r].sum())
            room[r] -= int(need) - mine
            group_room[group[r]] -= int(need) - mine


def match_units(
    unit: Ints,
    hub: Ints,
    rm: Ints,
    value: Ints,
    quota: Ints,
    displaced: npt.NDArray[np.float64],
    today: Bools,
    keepers: Ints | None = None,
) -> list[tuple[int, int]]:
    """Units to RMs, one each way, at most ``quota[h]`` units per hub.

    The most value, then the least displaced flow, then a unit's RM today -- a min-cost flow
    (source -> hub -> unit -> RM -> sink, with a free bypass so that nobody is forced in).
    With ``keepers``, the displaced flow counts in twenty steps, and within a step the RM
    whose customers today would have to leave it is the costlier: the displaced value is only
    a guess at the cover lost (the displaced customers may sit elsewhere as well), while every
    customer an RM keeps today is a move once it is dedicated to somebody else.

    Parameters
    ----------
    unit, hub, rm, value : numpy.ndarray of int64
        One row per candidate: the unit, its hub in the first LP, the RM, the unit's value there.
    quota : numpy.ndarray of int64
        Per hub: units the LP served.
    displaced : numpy.ndarray of float64
        Per RM: the shareable value the LP seated there (what dedicating it displaces).
    today : numpy.ndarray of bool
        Per candidate: the RM is the unit's RM today.
    keepers : numpy.ndarray of int64, optional
        Per RM: its customers today whom the LP keeps there (moved if it is dedicated).

    Returns
    -------
    list of (unit, RM)
    """
    if unit.size == 0:
        return []
    hubs_u, h_idx = np.unique(hub, return_inverse=True)
    units_u, u_idx = np.unique(unit, return_inverse=True)
    rms_u, r_idx = np.unique(rm, return_inverse=True)
    n_h, n_u, n_r = hubs_u.shape[0], units_u.shape[0], rms_u.shape[0]
    src, s_h, s_u, s_r = 0, 1, 1 + n_h, 1 + n_h + n_u
    sink = s_r + n_r
    unit_hub = np.zeros(n_u, dtype=np.int64)
    unit_hub[u_idx] = h_idx
    top = float(displaced[rms_u].max(initial=0.0))
    disp = (
        np.round(displaced[rms_u] * (1000.0 / top)).astype(np.int64)
        if top > 0
        else (np.zeros(n_r, dtype=np.int64))
    )
    if keepers is not None and (keepers[rms_u] > 0).any():
        kmax = int(keepers[rms_u].max())
        disp = (disp // 50) * (kmax + 1) + keepers[rms_u]
    big = (2 * int(disp.max(initial=0)) + 1) * n_u + 1
    q = np.maximum(quota[hubs_u], 0)
    total = int(q.sum())
    if total == 0:
        return []
    tails = np.concatenate(
        [
            np.full(n_h, src),
            s_h + np.arange(n_h),
            s_h + unit_hub,
            s_u + u_idx,
            s_r + np.arange(n_r),
            [src],
        ]
    )
    heads = np.concatenate(
        [
            s_h + np.arange(n_h),
            np.full(n_h, sink),
            s_u + np.arange(n_u),
            s_r + r_idx,
            np.full(n_r, sink),
            [sink],
        ]
    )
    caps = np.concatenate([q, q, np.ones(n_u), np.ones(unit.shape[0]), np.ones(n_r), [total]])
    # hub -> sink directly is a placeholder of zero capacity use: the bypass src -> sink serves
    caps[n_h : 2 * n_h] = 0
    costs = np.concatenate(
        [
            np.zeros(2 * n_h + n_u),
            -(value * big) + 2 * disp[r_idx] + (~today).astype(np.int64),
            np.zeros(n_r),
            [0],
        ]
    )
    supply = np.zeros(sink + 1, dtype=np.int64)
    supply[src] = total
    supply[sink] = -total
    try:
        flows = arc_flows(tails, heads, caps, costs, supply)
    except FlowError:
        return []
    first = 2 * n_h + n_u
    flows = flows[first : first + unit.shape[0]]
    chosen = np.flatnonzero(flows > 0)
    return [(int(unit[i]), int(rm[i])) for i in chosen.tolist()]
