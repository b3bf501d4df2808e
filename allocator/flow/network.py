"""The capacity core as a transportation problem, solved as a min-cost flow.

Why a flow: when a customer's workload ``w`` does not depend on the RM, the LP relaxation of the
GAP core (each customer at most once, RM capacities, no side rules) becomes a transportation
problem once it is written in *workload units*: a customer supplies ``w`` units, an RM absorbs up
to its capacity, and a unit sent from customer ``c`` to RM ``r`` is worth ``value(c, r) / w``.
Customers that are identical (same pairs, values, weight: ``Problem.klass``) are pooled into one
*hub*, and RMs that are identical (same hubs at the same values: one branch's wealth centre, a
province's marketing department) into one *RM group* (:func:`rm_groups`). At 10^6 customers and
10^4 RMs the network has ~4,000 hubs, ~1,500 RM groups, ~50,000 keep nodes and ~10^5 arcs instead
of ~4 * 10^6: OR-Tools' cost-scaling push-relabel solves it in a second or two. The flow is
integral in units; a hub arc carrying ``f`` units seats ``f // w`` whole customers, spread over the
RMs of the group (:func:`_spread`); only remainders are lost to rounding.

Network (all arcs end in one sink; supplies in units)::

    keep node (hub, r0) --keep------> group of r0   members of the hub whose RM today is r0
                        --move------> hub           (they pay the "moved" cost)
                        --drop------> sink          (they pay the "dropped" cost)
    hub                 --serve-----> RM group      one arc per group of eligible RMs
                        --unserved--> sink
    gated hub           --serve-----> gate -> RM group   (one gated customer per RM; see Hubs)
    RM group            --capacity--> sink          the group's summed capacity

Objective (minimised, integers): ``-M * value_units + secondary``. Values are scaled by ``S`` (the
least common multiple of the hub weights) so that ``value * S / w`` is an exact integer per unit;
``M`` exceeds the largest possible secondary total, so the cover value is optimised first, exactly
(lexicographically) -- the secondary term (continuity: keep today's RM, and rather drop than move)
only breaks ties among LP-optimal flows. When the integers would overflow the solver's cost range
the secondary weights shrink first, then the exactness of the value scale (and the bound widens
by the proven rounding error; see :func:`_scaling`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

Ints = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]

#: OR-Tools rejects unit costs whose magnitude times (nodes + 1) overflows int64; stay well below
_COST_LIMIT = 2**61
#: largest exact value scale (lcm of the weights) used before falling back to a rounded scale
_MAX_SCALE = 10**6


@dataclass(frozen=True)
class Hubs:
    """Pooled customers: every member of a hub has the same RMs, values and weight.

    Attributes
    ----------
    weight : numpy.ndarray of int64, shape (H,)
        Units a member of the hub supplies (>= 1).
    arc_ptr : numpy.ndarray of int64, shape (H + 1,)
        Hub ``h``'s arcs are ``arc_ptr[h]:arc_ptr[h + 1]`` of ``arc_rm``/``arc_value``, by RM.
    arc_rm, arc_value : numpy.ndarray of int64, shape (A,)
        RM and value per member of each arc.
    member_ptr : numpy.ndarray of int64, shape (H + 1,)
        Members of hub ``h`` are ``members[member_ptr[h]:member_ptr[h + 1]]``.
    members : numpy.ndarray of int64
        Customer indices, grouped by hub.
    member_current : numpy.ndarray of int64
        Today's RM of each member when it is keepable (``Problem.current``), else -1.
    gated : numpy.ndarray of bool, shape (H,), optional
        Hubs whose members may be at most one per RM (one-to-one customers with a strengthened
        workload): their arcs into an RM pass a *gate* that lets through one such customer's
        worth (the largest gated weight at that RM).
    """

    weight: Ints
    arc_ptr: Ints
    arc_rm: Ints
    arc_value: Ints
    member_ptr: Ints
    members: Ints
    member_current: Ints
    gated: Bools | None = None

    @property
    def n(self) -> int:
        return int(self.weight.shape[0])

    @property
    def arc_hub(self) -> Ints:
        """Hub of every arc."""
        return np.repeat(np.arange(self.n, dtype=np.int64), np.diff(self.arc_ptr))

    @property
    def member_hub(self) -> Ints:
        """Hub of every member (aligned with ``members``)."""
        return np.repeat(np.arange(self.n, dtype=np.int64), np.diff(self.member_ptr))


def group_into_hubs(
    key: Ints,
    customers: Ints,
    weight: Ints,
    current: Ints,
    arcs_of_rep: tuple[Ints, Ints, Ints],
    gated: Bools | None = None,
    first_rows: Ints | None = None,
) -> Hubs:
    """Pool ``customers`` by ``key`` into hubs.

    Parameters
    ----------
    key
        Per customer: equal keys mean identical customers (for the flow); with ``first_rows``
        they are already dense hub ids in order of first appearance, ``first_rows`` the first
        row of each.
    customers, weight, current
        Customer indices, their units, and today's keepable RM (-1: none).
    arcs_of_rep
        ``(rep_ptr, rm, value)``: a function's result of the arcs of each *first* customer of a
        key, in order of first appearance (see :func:`first_of_keys`), as a CSR triple.
    """
    hub, first = (key, first_rows) if first_rows is not None else first_of_keys(key)
    order = np.argsort(hub, kind="stable")
    counts = np.bincount(hub, minlength=first.shape[0])
    member_ptr = np.zeros(first.shape[0] + 1, dtype=np.int64)
    np.cumsum(counts, out=member_ptr[1:])
    rep_ptr, rm, value = arcs_of_rep
    return Hubs(
        weight=weight[first].astype(np.int64),
        arc_ptr=rep_ptr,
        arc_rm=rm,
        arc_value=value,
        member_ptr=member_ptr,
        members=customers[order].astype(np.int64),
        member_current=current[order].astype(np.int64),
        gated=None if gated is None else gated[first],
    )


def restrict_arcs(hubs: Hubs, keep: Bools) -> Hubs:
    """The same hubs with only the arcs where ``keep`` holds."""
    counts = np.bincount(hubs.arc_hub[keep], minlength=hubs.n)
    ptr = np.zeros(hubs.n + 1, dtype=np.int64)
    np.cumsum(counts, out=ptr[1:])
    return Hubs(
        weight=hubs.weight,
        arc_ptr=ptr,
        arc_rm=hubs.arc_rm[keep],
        arc_value=hubs.arc_value[keep],
        member_ptr=hubs.member_ptr,
        members=hubs.members,
        member_current=hubs.member_current,
        gated=hubs.gated,
    )


def first_of_keys(*columns: Ints) -> tuple[Ints, Ints]:
    """(dense id per row in order of first appearance, position of each id's first row) of
    the rows of ``columns`` (integer arrays of one length), by hashing (``pandas.factorize``)
    one column at a time -- a sort of the rows as tuples is several times slower."""
    import pandas as pd

    n = columns[0].shape[0]
    if n == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    ids = np.zeros(n, dtype=np.int64)
    for col in columns:
        codes, uniques = pd.factorize(col)
        ids, _ = pd.factorize(ids * np.int64(len(uniques) + 1) + codes)
    ids = ids.astype(np.int64)
    first = np.full(int(ids.max()) + 1, n, dtype=np.int64)
    np.minimum.at(first, ids, np.arange(n, dtype=np.int64))
    return ids, first


@dataclass(frozen=True)
class FlowResult:
    """The optimal flow of :func:`solve_transport`, in whole customers per hub arc.

    Attributes
    ----------
    seats : numpy.ndarray of int64, shape (A,)
        Whole members of each hub seated on each RM (the flow rounded down and spread over the
        RMs of each RM group, today's RM first; see :func:`_spread`).
    served : numpy.ndarray of float64, shape (H,)
        Members of each hub the LP serves, fractionally.
    bitten : numpy.ndarray of bool, shape (R,)
        RMs of groups where rounding or spreading left a customer out (for the repair).
    value : float
        Cover value of the fractional flow.
    bound : float
        A proven upper bound on the LP optimum (== ``value`` when the scaling is exact).
    exact : bool
        Whether the cover value was optimised exactly first (``bound == value``).
    secondary_exact : bool
        Whether the secondary weights make "fewest moved, then fewest dropped" exact.
    moved, dropped : float
        Fractional customers moved and dropped by the flow (continuity of the relaxation).
    seconds : float
        Time inside the solver.
    groups : int
        RM groups the network was solved on.
    """

    seats: Ints
    served: npt.NDArray[np.float64]
    bitten: Bools
    value: float
    bound: float
    exact: bool
    secondary_exact: bool
    moved: float
    dropped: float
    seconds: float
    groups: int


class FlowError(RuntimeError):
    """The min-cost flow solver did not return an optimal flow."""


def rm_groups(hubs: Hubs, n_rms: int) -> Ints:
    """Group id per RM: RMs with the same hubs at the same values are one node of the LP.

    Why: RMs of one branch and role (a province's marketing department, a city's wealth centre)
    are eligible for the same thousands of classes. Merging identical columns of a
    transportation problem (capacities added) leaves its optimum unchanged, and at 10^6
    customers it shrinks the network from ~4 * 10^6 arcs to ~2 * 10^4. A keep arc still names
    today's RM, but the merged node only knows the group's capacity: the LP stays a relaxation
    (its optimum is still the bound) and :func:`_spread` enforces each RM's own capacity.
    Signatures are compared by two 64-bit random hashes of the (hub, value) arcs plus exact
    counts and sums, so a false merge is practically impossible.
    """
    if hubs.arc_rm.size == 0:
        return np.arange(n_rms, dtype=np.int64)
    rng = np.random.default_rng(12345)
    arc_hub = hubs.arc_hub
    gated = hubs.gated if hubs.gated is not None else np.zeros(hubs.n, dtype=bool)
    salt = (hubs.arc_value.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)) ^ gated[
        arc_hub
    ].astype(np.uint64)
    keys = []
    for _ in range(2):
        mult = rng.integers(1, 2**63, hubs.n, dtype=np.int64).astype(np.uint64)
        h = np.zeros(n_rms, dtype=np.uint64)
        with np.errstate(over="ignore"):
            np.add.at(h, hubs.arc_rm, mult[arc_hub] * (salt | np.uint64(1)))
        keys.append(h.view(np.int64))
    keys.append(np.bincount(hubs.arc_rm, minlength=n_rms))
    keys.append(np.bincount(hubs.arc_rm, weights=arc_hub, minlength=n_rms).astype(np.int64))
    keys.append(np.bincount(hubs.arc_rm, weights=hubs.arc_value, minlength=n_rms).astype(np.int64))
    _, group = np.unique(np.stack(keys, axis=1), axis=0, return_inverse=True)
    return group.reshape(-1).astype(np.int64)


def solve_transport(
    hubs: Hubs,
    capacity: Ints,
    *,
    continuity: bool = True,
    base_load: Ints | None = None,
) -> FlowResult:
    """Maximise the (fractional) cover value of ``hubs`` within ``capacity``, then continuity.

    Parameters
    ----------
    hubs
        The pooled customers.
    capacity
        Units each RM can still absorb (>= 0), shape (R,).
    continuity
        Add the secondary term: keeping today's RM is free, dropping a customer who has one
        costs 1, moving it costs ``D`` (``D`` = keepable customers + 1 when the integers allow:
        then "fewest moved, then fewest dropped" is exact, as in the CP-SAT backend).
    base_load
        Load the RMs carry already (only orders the spreading of seats inside an RM group).
    """
    import time

    from ortools.graph.python import min_cost_flow

    n_rms = int(capacity.shape[0])
    h_n = hubs.n
    arc_hub = hubs.arc_hub
    w = hubs.weight
    capacity = np.maximum(capacity, 0).astype(np.int64)
    group = rm_groups(hubs, n_rms)
    n_groups = int(group.max()) + 1 if n_rms else 0
    group_cap = np.bincount(group, weights=capacity, minlength=n_groups).astype(np.int64)
    # serve arcs on groups: one per (hub, group); every RM arc maps onto one
    gkey = arc_hub * (n_groups + 1) + group[hubs.arc_rm]
    g_uniq, g_first, g_of_arc = np.unique(gkey, return_index=True, return_inverse=True)
    g_of_arc = g_of_arc.reshape(-1)
    g_hub = g_uniq // (n_groups + 1)
    g_grp = g_uniq % (n_groups + 1)
    g_value = hubs.arc_value[g_first]

    # keep nodes: (hub, today's RM) among the members whose RM today is keepable
    mh = hubs.member_hub
    has_cur = hubs.member_current >= 0
    kkey = mh[has_cur] * (n_rms + 1) + hubs.member_current[has_cur]
    kuniq, kcount = np.unique(kkey, return_counts=True)
    k_hub = kuniq // (n_rms + 1)
    k_rm = kuniq % (n_rms + 1)
    # the hub arc of each keep node's RM (-1 when the hub cannot reach it: no keep arc)
    akey = arc_hub * (n_rms + 1) + hubs.arc_rm
    pos = np.searchsorted(akey, kuniq)
    pos_c = np.minimum(pos, max(akey.shape[0] - 1, 0))
    k_arc = (
        np.where((pos < akey.shape[0]) & (akey[pos_c] == kuniq), pos_c, -1)
        if akey.size
        else (np.full(kuniq.shape[0], -1, dtype=np.int64))
    )
    n_keep = int(kuniq.shape[0])
    new_count = np.diff(hubs.member_ptr) - np.bincount(k_hub, weights=kcount, minlength=h_n).astype(
        np.int64
    )

    s_keep = 0
    s_hub = n_keep
    s_grp = n_keep + h_n
    sink = s_grp + n_groups
    # gates: one node per group reached by a gated hub, one gated customer's worth per RM
    gated = hubs.gated if hubs.gated is not None else np.zeros(h_n, dtype=bool)
    g_gated = gated[g_hub]
    rm_gate = np.zeros(n_rms, dtype=np.int64)
    gated_arc = gated[arc_hub]
    np.maximum.at(rm_gate, hubs.arc_rm[gated_arc], w[arc_hub[gated_arc]])
    gate_cap = np.bincount(group, weights=rm_gate, minlength=n_groups).astype(np.int64)
    gate_groups = np.flatnonzero(gate_cap > 0)
    gate_of = np.full(n_groups, -1, dtype=np.int64)
    s_gate = sink + 1
    gate_of[gate_groups] = s_gate + np.arange(gate_groups.shape[0], dtype=np.int64)
    n_nodes = s_gate + gate_groups.shape[0]

    def into(grp: Ints, through_gate: Bools) -> Ints:
        return np.where(through_gate, gate_of[grp], s_grp + grp)

    keepable = int(kcount.sum()) if continuity else 0
    sc = _scaling(w, hubs.arc_value, keepable, n_nodes, continuity)
    scale, mult, exact = sc.scale, sc.mult, sc.exact
    w_k = w[k_hub]
    hub_units = np.diff(hubs.member_ptr) * w

    def value_cost(value: Ints, weight: Ints) -> Ints:
        if exact:
            return -(value * (scale // weight)) * mult
        return -np.round(value * (scale / weight)).astype(np.int64) * mult

    tails: list[Ints] = []
    heads: list[Ints] = []
    caps: list[Ints] = []
    costs: list[Ints] = []
    # serve arcs (hub -> group, or hub -> gate of the group)
    tails.append(s_hub + g_hub)
    heads.append(into(g_grp, g_gated))
    caps.append(hub_units[g_hub])
    costs.append(value_cost(g_value, w[g_hub]))
    # unserved (hub -> sink)
    tails.append(s_hub + np.arange(h_n, dtype=np.int64))
    heads.append(np.full(h_n, sink, dtype=np.int64))
    caps.append(hub_units)
    costs.append(np.zeros(h_n, dtype=np.int64))
    # group capacities
    tails.append(s_grp + np.arange(n_groups, dtype=np.int64))
    heads.append(np.full(n_groups, sink, dtype=np.int64))
    caps.append(group_cap)
    costs.append(np.zeros(n_groups, dtype=np.int64))
    # gates (gate -> group)
    tails.append(gate_of[gate_groups])
    heads.append(s_grp + gate_groups)
    caps.append(gate_cap[gate_groups])
    costs.append(np.zeros(gate_groups.shape[0], dtype=np.int64))
    # keep nodes: keep (when reachable), move, drop
    first_keep_arc = sum(t.shape[0] for t in tails)
    reach = k_arc >= 0
    k_units = kcount * w_k
    per_unit = scale // w_k if exact else np.maximum(np.round(scale / w_k), 1).astype(np.int64)
    kk = np.flatnonzero(reach)
    tails.append(s_keep + kk)
    heads.append(into(group[k_rm[kk]], gated_arc[k_arc[kk]]))
    caps.append(k_units[kk])
    costs.append(value_cost(hubs.arc_value[k_arc[kk]], w_k[kk]))
    tails.append(s_keep + np.arange(n_keep, dtype=np.int64))
    heads.append(s_hub + k_hub)
    caps.append(k_units)
    costs.append(sc.move * per_unit)
    tails.append(s_keep + np.arange(n_keep, dtype=np.int64))
    heads.append(np.full(n_keep, sink, dtype=np.int64))
    caps.append(k_units)
    costs.append(sc.drop * per_unit)

    supply = np.zeros(n_nodes, dtype=np.int64)
    supply[s_keep : s_keep + n_keep] = k_units
    supply[s_hub : s_hub + h_n] = new_count * w
    supply[sink] = -int(supply.sum())

    t0 = time.monotonic()
    mcf = min_cost_flow.SimpleMinCostFlow()
    tail = np.concatenate(tails).astype(np.int32)
    head = np.concatenate(heads).astype(np.int32)
    cap = np.concatenate(caps).astype(np.int64)
    cost = np.concatenate(costs).astype(np.int64)
    n_arcs = int(tail.shape[0])
    if n_arcs:
        mcf.add_arcs_with_capacity_and_unit_cost(tail, head, cap, cost)
    mcf.set_nodes_supplies(np.arange(n_nodes, dtype=np.int32), supply)
    status = mcf.solve() if n_arcs else mcf.OPTIMAL
    if status != mcf.OPTIMAL:
        raise FlowError(f"min-cost flow ended with status {status}")
    flow = (
        np.asarray(mcf.flows(np.arange(n_arcs, dtype=np.int32)), dtype=np.int64)
        if n_arcs
        else np.zeros(0, dtype=np.int64)
    )
    seconds = time.monotonic() - t0

    n_serve = int(g_hub.shape[0])
    g_units = flow[:n_serve].copy()
    keep_flow = flow[first_keep_arc : first_keep_arc + kk.shape[0]]
    k_g_arc = g_of_arc[k_arc[kk]]
    np.add.at(g_units, k_g_arc, keep_flow)
    move_flow = flow[first_keep_arc + kk.shape[0] : first_keep_arc + kk.shape[0] + n_keep]
    drop_flow = flow[first_keep_arc + kk.shape[0] + n_keep :]

    value = _fraction_sum(g_units, g_value, w[g_hub])
    bound = value
    if not exact:  # rounded unit values: the flow is optimal up to half a unit per unit carried
        total_units = float(supply[:s_grp].sum())
        bound = value + (total_units + 1.0) / scale
    served = np.bincount(g_hub, weights=g_units / w[g_hub], minlength=h_n).astype(np.float64)
    seats, bitten = _spread(
        hubs,
        capacity,
        np.zeros(n_rms, dtype=np.int64) if base_load is None else base_load,
        group,
        g_units,
        g_of_arc,
        k_arc[kk],
        keep_flow // w_k[kk],
    )
    return FlowResult(
        seats=seats,
        served=served,
        bitten=bitten,
        value=value,
        bound=bound,
        exact=exact,
        secondary_exact=sc.secondary_exact,
        moved=float((move_flow / w_k).sum()) if n_keep else 0.0,
        dropped=float((drop_flow / w_k).sum()) if n_keep else 0.0,
        seconds=seconds,
        groups=n_groups,
    )


def solve_balance(
    hubs: Hubs, capacity: Ints, base: Ints, *, steps: int = 20, growth: int = 3
) -> Ints | None:
    """Seat every member of ``hubs`` (all must be seated) spreading the load evenly.

    The arcs of an RM group into the sink are cut into ``steps`` utilisation bands, each a unit
    cost ``growth`` times the one below (a convex, piecewise linear cost of utilisation), so the
    flow fills the least utilised groups first; :func:`_spread` then evens the RMs inside a
    group. Returns seats per hub arc, or None when the members do not all fit even fractionally.
    """
    from ortools.graph.python import min_cost_flow

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
    if int(cost_j[-1]) * (h_n + n_groups + 2) >= _COST_LIMIT:
        return None
    hub_units = np.diff(hubs.member_ptr) * hubs.weight
    sink = h_n + n_groups
    tails = np.concatenate([g_hub, np.repeat(np.arange(n_groups, dtype=np.int64), steps) + h_n])
    heads = np.concatenate([g_grp + h_n, np.full(n_groups * steps, sink, dtype=np.int64)])
    caps = np.concatenate([hub_units[g_hub], seg.reshape(-1)])
    costs = np.concatenate([np.zeros(g_hub.shape[0], dtype=np.int64), np.tile(cost_j, n_groups)])
    mcf = min_cost_flow.SimpleMinCostFlow()
    mcf.add_arcs_with_capacity_and_unit_cost(
        tails.astype(np.int32),
        heads.astype(np.int32),
        caps.astype(np.int64),
        costs.astype(np.int64),
    )
    supply = np.zeros(sink + 1, dtype=np.int64)
    supply[:h_n] = hub_units
    supply[sink] = -int(hub_units.sum())
    mcf.set_nodes_supplies(np.arange(sink + 1, dtype=np.int32), supply)
    if mcf.solve() != mcf.OPTIMAL:
        return None
    g_units = np.asarray(mcf.flows(np.arange(g_hub.shape[0], dtype=np.int32)), dtype=np.int64)
    seats, _ = _spread(
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


def _spread(
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
    import heapq

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


def _lcm(weight: Ints) -> int:
    """Least common multiple of the weights, or 0 when it exceeds ``_MAX_SCALE``."""
    lcm = 1
    for x in np.unique(weight).tolist():
        lcm = math.lcm(lcm, int(x))
        if lcm > _MAX_SCALE:
            return 0
    return lcm


def _fraction_sum(units: Ints, value: Ints, weight: Ints) -> float:
    """sum(units * value / weight), computed in exact integers when the weights allow."""
    if units.size == 0:
        return 0.0
    lcm = _lcm(weight)
    if lcm:
        per_unit = value * (lcm // weight)
        estimate = float(np.abs(units.astype(np.float64) * per_unit).sum())
        if estimate < 2**62:
            return int((units * per_unit).sum()) / lcm
        return int((units.astype(object) * per_unit.astype(object)).sum()) / lcm
    return float(np.sum(units * (value / weight)))


@dataclass(frozen=True)
class _Scale:
    """Integer scaling of the flow's unit costs (see :func:`_scaling`)."""

    scale: int  # S: value per unit is value * S / w
    mult: int  # M: multiplier of the primary (cover value) term
    move: int  # D: secondary cost of moving a keepable customer
    drop: int  # secondary cost of dropping a keepable customer
    exact: bool  # S is a multiple of every weight: the cover value is optimised exactly
    secondary_exact: bool  # D > keepable customers: "fewest moved, then fewest dropped" exact


def _scaling(weight: Ints, value: Ints, keepable: int, n_nodes: int, continuity: bool) -> _Scale:
    """The largest exact scaling whose unit costs fit the solver.

    Unit costs are ``-M * value * S / w`` on serving arcs and ``D * S / w`` (moved) or ``S / w``
    (dropped) on a keep node's arcs. With ``S`` a multiple of every weight, ``S * V`` is an integer
    for any integral flow, so two flows that differ in cover value differ by at least ``M`` in the
    primary term; ``M`` above the largest secondary total (``S * D * keepable``) makes the
    objective lexicographic. OR-Tools needs ``max |cost| * (nodes + 1)`` to fit in int64: the
    secondary weights shrink first, then the value scale becomes a rounded one.
    """
    wmin = max(int(weight.min()), 1) if weight.size else 1
    vmax = max(int(np.abs(value).max()), 1) if value.size else 1
    lcm = _lcm(weight)
    limit = _COST_LIMIT // (n_nodes + 1)
    options = [(keepable + 1, 1, True), (64, 1, False), (2, 1, False)] if continuity else []
    options.append((0, 0, not continuity or keepable == 0))
    scales = [(lcm, True)] if lcm else []
    scales += [(s, False) for s in (10**6, 10**4, 10**2, 1)]
    for scale, exact in scales:
        per_unit = -(-scale // wmin)
        for move, drop, sec_exact in options:
            worst = max(move, drop)
            mult = scale * worst * max(keepable, 0) + 1
            if mult * vmax * per_unit + worst * per_unit < limit:
                return _Scale(scale, mult, move, drop, exact, sec_exact and exact)
    raise FlowError("values too large for an integer min-cost flow")
