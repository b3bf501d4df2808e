"""Whole customers per RM from a flow on RM groups.

A flow (:mod:`allocator.flow.transport`) runs on RM *groups* (identical RMs merged,
:func:`~allocator.flow.network.rm_groups`): it says how many units of each hub an RM group takes,
not which RM of the group takes them. :func:`spread` decides that, today's RM first for the
members who have one there, and says where it could not (the RMs it *bit*).
"""

from __future__ import annotations

import heapq

import numpy as np

from allocator.flow.network import Bools, Hubs, Ints


def spread(
    hubs: Hubs,
    capacity: Ints,
    base: Ints,
    group: Ints,
    g_units: Ints,
    g_of_arc: Ints,
    keep_arc: Ints,
    keep_seats: Ints,
) -> tuple[Ints, Bools]:
    """Whole customers per RM from the flow on RM groups.

    Each (hub, group) arc seats ``units // w`` members. Kept members go to today's RM first
    (as many as that RM's own capacity allows, most valuable per unit first); the other seats of
    the group go, heaviest customers first, each to the RM of the group with the lowest
    utilisation that still has room (so a group's RMs come out evenly loaded). Seats that no
    RM of the group can take any more are left out, and their RMs are marked ``bitten`` (as are
    the RMs of groups where the flow carried a fraction of a customer).

    ``capacity`` is the room each RM has for these hubs, ``base`` the load it carries already
    (counted in its utilisation).
    """
    n_rms = int(capacity.shape[0])
    arc_hub = hubs.arc_hub
    w_arc = hubs.weight[arc_hub]
    seats = np.zeros(hubs.arc_rm.shape[0], dtype=np.int64)
    g_hub = np.zeros(g_units.shape[0], dtype=np.int64)
    g_hub[g_of_arc] = arc_hub
    g_w = hubs.weight[g_hub]
    g_seats = g_units // np.maximum(g_w, 1)
    bitten = np.zeros(n_rms, dtype=bool)
    rm_of = hubs.arc_rm
    # per (hub, group) arc: its group id, via any RM arc of it
    first_arc = np.zeros(g_units.shape[0], dtype=np.int64)
    first_arc[g_of_arc[::-1]] = np.arange(g_of_arc.shape[0] - 1, -1, -1)
    g_group = group[rm_of[first_arc]] if rm_of.size else np.zeros(0, dtype=np.int64)
    bitten[np.isin(group, g_group[g_units % np.maximum(g_w, 1) != 0])] = True
    # 1. kept members on today's RM, within that RM's capacity
    load = np.zeros(n_rms, dtype=np.int64)
    if keep_arc.size:
        ks = np.minimum(keep_seats, g_seats[g_of_arc[keep_arc]])
        dens = hubs.arc_value[keep_arc] / w_arc[keep_arc]
        order = np.lexsort((keep_arc, -dens, rm_of[keep_arc]))
        ka, ks = keep_arc[order], ks[order]
        room = capacity[rm_of[ka]]
        # cumulative weight per RM in that order; seats beyond the RM's capacity are not kept
        wk = ks * w_arc[ka]
        cum = np.cumsum(wk)
        rm_k = rm_of[ka]
        start = np.r_[True, rm_k[1:] != rm_k[:-1]]
        offset = np.maximum.accumulate(np.where(start, cum - wk, 0))
        before = cum - wk - offset
        fit = np.clip((room - before) // np.maximum(w_arc[ka], 1), 0, ks)
        seats[ka] += fit
        np.add.at(g_seats, g_of_arc[ka], -fit)
        np.add.at(load, rm_k, fit * w_arc[ka])
    # 2. the rest of each group's seats onto its RMs, lowest utilisation first
    busy_g = np.flatnonzero(g_seats > 0)
    if busy_g.size == 0:
        return seats, bitten
    n_groups = int(group.max()) + 1 if n_rms else 0
    members_of = np.argsort(group, kind="stable")
    g_ptr = np.zeros(n_groups + 1, dtype=np.int64)
    np.cumsum(np.bincount(group, minlength=n_groups), out=g_ptr[1:])
    akey = arc_hub * (n_rms + 1) + rm_of
    order = np.lexsort((-g_w[busy_g], g_group[busy_g]))
    busy_g = busy_g[order]
    cap = capacity + base
    load += base
    i = 0
    while i < busy_g.shape[0]:
        gid = int(g_group[busy_g[i]])
        j = i
        while j < busy_g.shape[0] and int(g_group[busy_g[j]]) == gid:
            j += 1
        rms = members_of[g_ptr[gid] : g_ptr[gid + 1]].tolist()
        heap: list[tuple[float, int]] = [
            (int(load[r]) / max(int(cap[r]), 1), r) for r in rms if cap[r] - load[r] > 0
        ]
        heapq.heapify(heap)
        for a in busy_g[i:j].tolist():
            h = int(g_hub[a])
            wt = int(g_w[a])
            need = int(g_seats[a])
            parked: list[tuple[float, int]] = []
            while need > 0 and heap:
                util, r = heapq.heappop(heap)
                free = int(cap[r] - load[r])
                if free < wt:
                    parked.append((util, r))
                    continue
                # as many as keep this RM below the next RM's utilisation (at least one)
                nxt = float(heap[0][0]) if heap else 1.0
                level = int((nxt * float(cap[r]) - float(load[r])) // wt) + 1
                fill = max(1, min(need, free // wt, level))
                pos = int(np.searchsorted(akey, h * (n_rms + 1) + r))
                seats[pos] += fill
                load[r] += fill * wt
                need -= fill
                if cap[r] - load[r] > 0:
                    heapq.heappush(heap, (int(load[r]) / max(int(cap[r]), 1), r))
            for item in parked:
                heapq.heappush(heap, item)
            if need > 0:
                bitten[rms] = True
        i = j
    return seats, bitten
