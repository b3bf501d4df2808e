"""From a flow in workload units to whole customers, and the greedy repair of what rounding left.

A hub arc carrying ``f`` units seats ``f // w`` customers of the hub. Which members take the seats
does not change the cover value (they are identical), but it decides continuity: members whose RM
today is the arc's RM take its seats first (they are *kept*), then members without a keepable RM
(*new*: seating them moves nobody), and only then members who must leave today's RM (*moved*).
Everything is vectorised over members and arcs.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from allocator.flow.network import Hubs

Ints = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]


def seat(hubs: Hubs, seats: Ints, n_rms: int) -> Ints:
    """RM per member (aligned with ``hubs.members``; -1: none) for ``seats`` per hub arc."""
    n_arcs = int(hubs.arc_rm.shape[0])
    out = np.full(hubs.members.shape[0], -1, dtype=np.int64)
    if n_arcs == 0 or out.size == 0:
        return out
    arc_hub = hubs.arc_hub
    left = seats.copy()
    mh = hubs.member_hub
    cur = hubs.member_current
    width = n_rms + 1
    akey = arc_hub * width + hubs.arc_rm

    # 1. members onto today's RM, as many as that arc seats
    m1 = np.flatnonzero(cur >= 0)
    if m1.size:
        mkey = mh[m1] * width + cur[m1]
        pos = np.minimum(np.searchsorted(akey, mkey), n_arcs - 1)
        hit = akey[pos] == mkey
        m1, mkey, pos = m1[hit], mkey[hit], pos[hit]
        order = np.argsort(mkey, kind="stable")
        m1, mkey, pos = m1[order], mkey[order], pos[order]
        rank = _rank_in_runs(mkey)
        take = rank < left[pos]
        out[m1[take]] = cur[m1[take]]
        left = left - np.bincount(pos[take], minlength=n_arcs)

    # 2. the other seats of each hub: new members first, then those who must move
    free = np.flatnonzero(out < 0)
    if free.size == 0 or int(left.sum()) == 0:
        return out
    order = np.lexsort((free, cur[free] >= 0, mh[free]))
    free = free[order]
    rank = _rank_in_runs(mh[free])
    seats_of_hub = np.bincount(arc_hub, weights=left, minlength=hubs.n).astype(np.int64)
    seat_start = np.cumsum(seats_of_hub) - seats_of_hub
    seat_arc = np.repeat(np.arange(n_arcs, dtype=np.int64), left)  # grouped by hub (arcs are)
    ok = rank < seats_of_hub[mh[free]]
    chosen = free[ok]
    out[chosen] = hubs.arc_rm[seat_arc[seat_start[mh[chosen]] + rank[ok]]]
    return out


def _rank_in_runs(key: Ints) -> Ints:
    """0, 1, 2, ... within each run of equal consecutive ``key`` values."""
    n = key.shape[0]
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    start = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    run_start = np.repeat(start, np.diff(np.r_[start, n]))
    return np.arange(n, dtype=np.int64) - run_start


def fill_greedy(
    hubs: Hubs,
    member_rm: Ints,
    slack: Ints,
    allowed: Bools | None = None,
) -> int:
    """Seat unseated members where whole customers still fit; returns how many were seated.

    Rounding leaves less than one customer's weight stranded on an arc; a hub whose members did
    not all get a seat may fit into such remainders on another RM. Candidates (hub arc with
    unseated members and an RM with room for a whole member) are taken by value per unit, highest
    first -- the greedy rule of the fractional knapsack, on a handful of arcs. ``member_rm`` and
    ``slack`` are updated in place; only members at -1 are seated (mark others -2 to hold them
    out); ``allowed`` masks arcs that may take nobody new.
    """
    if hubs.arc_rm.size == 0:
        return 0
    arc_hub = hubs.arc_hub
    w = hubs.weight[arc_hub]
    mh = hubs.member_hub
    unseated = np.bincount(mh[member_rm == -1], minlength=hubs.n)
    cand = (unseated[arc_hub] > 0) & (slack[hubs.arc_rm] >= w) & (hubs.arc_value > 0)
    if allowed is not None:
        cand &= allowed
    arcs = np.flatnonzero(cand)
    if arcs.size == 0:
        return 0
    density = hubs.arc_value[arcs] / w[arcs]
    arcs = arcs[np.lexsort((arcs, -hubs.arc_value[arcs], -density))]
    # unseated members per hub, in the order they should be seated (today's RM, new, movers)
    seated = 0
    pending: dict[int, list[int]] = {}
    for a in arcs.tolist():
        h = int(arc_hub[a])
        r = int(hubs.arc_rm[a])
        wa = int(w[a])
        room = int(slack[r]) // wa
        if room <= 0 or unseated[h] <= 0:
            continue
        if h not in pending:
            lo, hi = int(hubs.member_ptr[h]), int(hubs.member_ptr[h + 1])
            idx = np.arange(lo, hi, dtype=np.int64)
            idx = idx[member_rm[idx] == -1]
            cur = hubs.member_current[idx]
            idx = idx[np.lexsort((idx, cur >= 0))]
            pending[h] = idx.tolist()
        queue = pending[h]
        # today's RM first among the pending members
        mine = [i for i in queue if hubs.member_current[i] == r][:room]
        rest = [i for i in queue if hubs.member_current[i] != r][: room - len(mine)]
        take = mine + rest
        for i in take:
            member_rm[i] = r
        taken = set(take)
        pending[h] = [i for i in queue if i not in taken]
        slack[r] -= wa * len(take)
        unseated[h] -= len(take)
        seated += len(take)
    return seated
