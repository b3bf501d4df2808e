"""The capacity core as a transportation problem, solved as a min-cost flow.

Why a flow: when a customer's workload ``w`` does not depend on the RM, the LP relaxation of the
GAP core (each customer at most once, RM capacities, no side rules) becomes a transportation
problem once it is written in *workload units*: a customer supplies ``w`` units, an RM absorbs up
to its capacity, and a unit sent from customer ``c`` to RM ``r`` is worth ``value(c, r) / w``.
Customers are pooled into hubs and RMs into RM groups (:mod:`allocator.flow.network`): at 10^6
customers and 10^4 RMs the network has ~4,000 hubs, ~1,500 RM groups, ~50,000 keep nodes and
~10^5 arcs instead of ~4 * 10^6, and OR-Tools' cost-scaling push-relabel solves it in a second or
two. The flow is integral in units; a hub arc carrying ``f`` units seats ``f // w`` whole
customers, spread over the RMs of the group (:func:`allocator.flow.spread.spread`); only
remainders are lost to rounding.

Network (all arcs end in one sink; supplies in units)::

    keep node (hub, r0) --keep------> hold of r0    members of the hub whose RM today is r0
                        --move------> hub           (they pay the "moved" cost)
                        --drop------> sink          (they pay the "dropped" cost)
    hold of r0          --capacity--> RM group      at most r0's own capacity is kept on r0
    hub                 --serve-----> RM group      one arc per group of eligible RMs
                        --unserved--> sink
    gated hub           --serve-----> gate -> RM group   (one gated customer per RM; see Hubs)
    RM group            --capacity--> sink          the group's summed capacity

Why the *hold* of an RM: an RM group pools the capacity of identical RMs, so without it the
LP could "keep" more customers on ``r0`` than ``r0`` holds, using the room of its siblings --
a move in truth. With it the grouped LP is exactly the LP on single RMs (a group's serve arcs are
the same for all its RMs, so the room the kept customers leave can always be shared out), and the
moves it counts are the moves of a plan.

Objectives (minimised, integers):

- **lexicographic** (default): ``-M * value_units + secondary``. Values are scaled by ``S`` (the
  least common multiple of the hub weights) so that ``value * S / w`` is an exact integer per
  unit; ``M`` exceeds the largest possible secondary total, so the cover value is optimised
  first, exactly -- the secondary term (continuity: keep today's RM, and rather drop than move)
  only breaks ties among LP-optimal flows. When the integers would overflow the solver's cost
  range the secondary weights shrink first, then the exactness of the value scale (and the bound
  widens by the proven rounding error; see :func:`scaling`).
- **trade-off** ``(p, q)``: ``q * moved - p * value``, exactly (the Lagrangian of "fewest moves
  with at least this much value", :mod:`allocator.flow.continuity`); drops are free.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import numpy.typing as npt

from allocator.flow.network import (
    Bools,
    FlowError,
    Hubs,
    Ints,
    fraction_sum,
    rm_groups,
    weight_lcm,
)
from allocator.flow.spread import spread

#: OR-Tools rejects unit costs whose magnitude times (nodes + 1) overflows int64; stay well below
COST_LIMIT = 2**61


@dataclass(frozen=True)
class FlowResult:
    """The optimal flow of :func:`solve_transport`, in whole customers per hub arc.

    Attributes
    ----------
    seats : numpy.ndarray of int64, shape (A,)
        Whole members of each hub seated on each RM (the flow rounded down and spread over the
        RMs of each RM group, today's RM first; see :func:`allocator.flow.spread.spread`).
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
    value_exact, moved_exact : fractions.Fraction or None
        ``value`` and ``moved`` as exact rationals (None when the weights' least common multiple
        is too large to compute them exactly); the continuity bound is computed from these.
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
    value_exact: Fraction | None = None
    moved_exact: Fraction | None = None


@dataclass(frozen=True)
class KeepNodes:
    """The keep nodes of a network: members of one hub with one keepable RM today."""

    hub: Ints  # hub of each keep node
    rm: Ints  # today's RM of its members
    count: Ints  # members
    arc: Ints  # the hub's arc into that RM (-1: the hub cannot reach it, no keep arc)


def keep_nodes(hubs: Hubs, n_rms: int) -> KeepNodes:
    """(hub, today's RM) of the members whose RM today is keepable, with the hub's arc there."""
    mh = hubs.member_hub
    has_cur = hubs.member_current >= 0
    kkey = mh[has_cur] * (n_rms + 1) + hubs.member_current[has_cur]
    kuniq, kcount = np.unique(kkey, return_counts=True)
    akey = hubs.arc_hub * (n_rms + 1) + hubs.arc_rm
    pos = np.searchsorted(akey, kuniq)
    pos_c = np.minimum(pos, max(akey.shape[0] - 1, 0))
    if akey.size:
        arc = np.where((pos < akey.shape[0]) & (akey[pos_c] == kuniq), pos_c, -1)
    else:
        arc = np.full(kuniq.shape[0], -1, dtype=np.int64)
    return KeepNodes(
        hub=(kuniq // (n_rms + 1)).astype(np.int64),
        rm=(kuniq % (n_rms + 1)).astype(np.int64),
        count=kcount.astype(np.int64),
        arc=arc.astype(np.int64),
    )


def solve_transport(
    hubs: Hubs,
    capacity: Ints,
    *,
    continuity: bool = True,
    base_load: Ints | None = None,
    trade: tuple[int, int] | None = None,
    moves: bool = True,
    holds: bool = True,
    move_cap: Ints | None = None,
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
    trade
        ``(p, q)``: minimise ``q * moved - p * value`` instead (exactly; ``continuity`` is then
        ignored). Raises :class:`~allocator.flow.network.FlowError` when the weights allow no
        exact scale or the costs do not fit the solver.
    moves
        False: nobody may leave today's RM for another (the move arcs carry nothing).
    holds
        Keep through each RM's hold (the LP on single RMs; the moves bound and the exact
        re-seating need it). Without, a keep arc ends in the RM group: the LP may keep more on
        an RM than it holds, and :func:`~allocator.flow.spread.spread` seats the rest on its
        siblings -- a looser LP, but measured at 10^5 customers its vertices round to more
        cover (the phases that only guide the plan use it).
    move_cap
        Per RM, how many more of its customers today may leave it (-1: any). A cap counts
        customers and a flow counts units, so each keep node gets its share of its RM's cap
        (rounded down) on its move arc: conservative -- the flow never moves more than the cap
        -- and for plans only (a bound must not have it).
    """
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

    keep = keep_nodes(hubs, n_rms)
    k_hub, k_rm, kcount, k_arc = keep.hub, keep.rm, keep.count, keep.arc
    n_keep = int(k_hub.shape[0])
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
    # holds: one node per RM that keeps ungated members, at most its own capacity
    reach = k_arc >= 0
    kk = np.flatnonzero(reach)
    k_gated = gated_arc[k_arc[kk]] if kk.size else np.zeros(0, dtype=bool)
    hold_rms = np.unique(k_rm[kk][~k_gated]) if holds else np.zeros(0, dtype=np.int64)
    s_hold = s_gate + gate_groups.shape[0]
    hold_of = np.full(n_rms, -1, dtype=np.int64)
    hold_of[hold_rms] = s_hold + np.arange(hold_rms.shape[0], dtype=np.int64)
    n_nodes = s_hold + hold_rms.shape[0]

    def into(grp: Ints, through_gate: Bools) -> Ints:
        return np.where(through_gate, gate_of[grp], s_grp + grp)

    keepable = int(kcount.sum()) if continuity and trade is None else 0
    if trade is None:
        sc = scaling(w, hubs.arc_value, keepable, n_nodes, continuity)
    else:
        sc = trade_scaling(w, hubs.arc_value, n_nodes, trade)
    scale, mult, exact = sc.scale, sc.mult, sc.exact
    w_k = w[k_hub]
    hub_units = np.diff(hubs.member_ptr) * w

    def value_cost(value: Ints, weight: Ints) -> Ints:
        if exact:
            return -((value // sc.gcd) * (scale // weight)) * mult
        return -np.round((value // sc.gcd) * (scale / weight)).astype(np.int64) * mult

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
    # holds (hold -> group of the RM)
    tails.append(hold_of[hold_rms])
    heads.append(s_grp + group[hold_rms])
    caps.append(capacity[hold_rms])
    costs.append(np.zeros(hold_rms.shape[0], dtype=np.int64))
    # keep nodes: keep (when reachable), move, drop
    first_keep_arc = sum(t.shape[0] for t in tails)
    k_units = kcount * w_k
    per_unit = scale // w_k if exact else np.maximum(np.round(scale / w_k), 1).astype(np.int64)
    tails.append(s_keep + kk)
    held = hold_of[k_rm[kk]]
    heads.append(
        np.where(
            k_gated, gate_of[group[k_rm[kk]]], np.where(held >= 0, held, s_grp + group[k_rm[kk]])
        )
    )
    caps.append(k_units[kk])
    costs.append(value_cost(hubs.arc_value[k_arc[kk]], w_k[kk]))
    tails.append(s_keep + np.arange(n_keep, dtype=np.int64))
    heads.append(s_hub + k_hub)
    caps.append(
        np.zeros(n_keep, dtype=np.int64) if not moves else _move_room(keep, k_units, move_cap)
    )
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
    flow = arc_flows(
        np.concatenate(tails),
        np.concatenate(heads),
        np.concatenate(caps),
        np.concatenate(costs),
        supply,
    )
    seconds = time.monotonic() - t0

    n_serve = int(g_hub.shape[0])
    g_units = flow[:n_serve].copy()
    keep_flow = flow[first_keep_arc : first_keep_arc + kk.shape[0]]
    k_g_arc = g_of_arc[k_arc[kk]]
    np.add.at(g_units, k_g_arc, keep_flow)
    move_flow = flow[first_keep_arc + kk.shape[0] : first_keep_arc + kk.shape[0] + n_keep]
    drop_flow = flow[first_keep_arc + kk.shape[0] + n_keep :]

    value = fraction_sum(g_units, g_value, w[g_hub])
    bound = value
    if not exact:  # rounded unit values: the flow is optimal up to half a unit per unit carried
        total_units = float(supply[:s_grp].sum())
        bound = value + (total_units + 1.0) / scale
    served = np.bincount(g_hub, weights=g_units / w[g_hub], minlength=h_n).astype(np.float64)
    seats, bitten = spread(
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
        value_exact=exact_sum(g_units, g_value, w[g_hub]),
        moved_exact=exact_sum(move_flow, np.ones(n_keep, dtype=np.int64), w_k),
    )


def arc_flows(tails: Ints, heads: Ints, caps: Ints, costs: Ints, supply: Ints) -> Ints:
    """The flow on every arc of an optimal integer min-cost flow (OR-Tools' network simplex).

    Parameters
    ----------
    tails, heads, caps, costs
        One entry per arc: its nodes, capacity and unit cost (integers).
    supply
        One entry per node (the sink's negative); ``supply.shape[0]`` is the number of nodes.

    Raises
    ------
    allocator.flow.network.FlowError
        When the flow is not optimal (the supplies cannot all be routed); the phases that may
        do without this flow catch it.
    """
    from ortools.graph.python import min_cost_flow

    mcf = min_cost_flow.SimpleMinCostFlow()
    n_arcs = int(tails.shape[0])
    if n_arcs:
        mcf.add_arcs_with_capacity_and_unit_cost(
            tails.astype(np.int32),
            heads.astype(np.int32),
            caps.astype(np.int64),
            costs.astype(np.int64),
        )
    mcf.set_nodes_supplies(np.arange(supply.shape[0], dtype=np.int32), supply.astype(np.int64))
    status = mcf.solve() if n_arcs else mcf.OPTIMAL
    if status != mcf.OPTIMAL:
        raise FlowError(f"min-cost flow ended with status {status}")
    if not n_arcs:
        return np.zeros(0, dtype=np.int64)
    return np.asarray(mcf.flows(np.arange(n_arcs, dtype=np.int32)), dtype=np.int64)


def _move_room(keep: KeepNodes, k_units: Ints, move_cap: Ints | None) -> Ints:
    """Units each keep node may move: all of them, or its share of its RM's cap.

    Shares are proportional to the keep nodes' members, by largest remainders (so an RM whose
    customers today sit in many small keep nodes still gets its whole cap, not a row of
    zeros), never more than a node holds."""
    if move_cap is None or keep.rm.size == 0:
        return k_units
    cap = move_cap[keep.rm]
    capped = cap >= 0
    total = np.bincount(keep.rm, weights=keep.count, minlength=move_cap.shape[0])[keep.rm]
    exact = np.maximum(cap, 0) * keep.count / np.maximum(total, 1)
    share = np.floor(exact).astype(np.int64)
    left = np.maximum(cap, 0) - np.bincount(keep.rm, weights=share, minlength=move_cap.shape[0])[
        keep.rm
    ].astype(np.int64)
    order = np.lexsort((np.arange(keep.rm.shape[0]), share - exact, keep.rm))
    rm_sorted = keep.rm[order]
    rank = np.arange(order.shape[0]) - np.searchsorted(rm_sorted, rm_sorted)
    extra = np.zeros(keep.rm.shape[0], dtype=np.int64)
    extra[order] = (rank < left[order]).astype(np.int64)
    allowed = np.minimum(share + extra, keep.count) * (k_units // np.maximum(keep.count, 1))
    return np.where(capped, allowed, k_units)


def exact_sum(units: Ints, value: Ints, weight: Ints) -> Fraction | None:
    """sum(units * value / weight) as an exact rational (None when the weights' least common
    multiple is too large)."""
    if units.size == 0:
        return Fraction(0)
    lcm = weight_lcm(weight)
    if not lcm:
        return None
    per_unit = value.astype(object) * (lcm // weight).astype(object)
    return Fraction(int((units.astype(object) * per_unit).sum()), lcm)


@dataclass(frozen=True)
class Scale:
    """Integer scaling of the flow's unit costs (see :func:`scaling`)."""

    scale: int  # S: value per unit is value * S / w
    mult: int  # M: multiplier of the primary (cover value) term
    move: int  # D: secondary cost of moving a keepable customer
    drop: int  # secondary cost of dropping a keepable customer
    exact: bool  # S is a multiple of every weight: the cover value is optimised exactly
    secondary_exact: bool  # D > keepable customers: "fewest moved, then fewest dropped" exact
    gcd: int = 1  # values are divided by their common divisor (cover differences keep exact)


def value_gcd(value: Ints) -> int:
    """Greatest common divisor of the values (1 when there are none): the flow costs use
    ``value / gcd``, which orders flows by cover value exactly and leaves room in 64 bits."""
    nz = np.abs(value[value != 0])
    return int(np.gcd.reduce(nz)) if nz.size else 1


def scaling(weight: Ints, value: Ints, keepable: int, n_nodes: int, continuity: bool) -> Scale:
    """The largest exact scaling whose unit costs fit the solver.

    Unit costs are ``-M * (value / g) * S / w`` on serving arcs (``g`` the values' common
    divisor) and ``D * S / w`` (moved) or ``S / w`` (dropped) on a keep node's arcs. With ``S`` a
    multiple of every weight, ``S * V / g`` is an integer for any integral flow, so two flows that
    differ in cover value differ by at least ``M`` in the primary term; ``M`` above the largest
    secondary total (``S * D * keepable``) makes the objective lexicographic. OR-Tools needs
    ``max |cost| * (nodes + 1)`` to fit in int64: the secondary weights shrink first, then the
    value scale becomes a rounded one.
    """
    wmin = max(int(weight.min()), 1) if weight.size else 1
    g = value_gcd(value)
    vmax = max(int(np.abs(value).max()) // g, 1) if value.size else 1
    lcm = weight_lcm(weight)
    limit = COST_LIMIT // (n_nodes + 1)
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
                return Scale(scale, mult, move, drop, exact, sec_exact and exact, g)
    raise FlowError("values too large for an integer min-cost flow")


def trade_scaling(weight: Ints, value: Ints, n_nodes: int, trade: tuple[int, int]) -> Scale:
    """The exact scaling of the trade-off ``q * moved - p * value``: ``M = p`` on the value
    (divided by its common divisor ``g``, so ``p`` is in moves per ``g`` value points), ``D =
    q`` on a move, nothing on a drop."""
    p, q = trade
    lcm = weight_lcm(weight)
    if not lcm or p < 0 or q < 0:
        raise FlowError("no exact scale for a trade-off flow")
    wmin = max(int(weight.min()), 1) if weight.size else 1
    g = value_gcd(value)
    vmax = max(int(np.abs(value).max()) // g, 1) if value.size else 1
    per_unit = -(-lcm // wmin)
    if (p * vmax * per_unit + q * per_unit) * (n_nodes + 1) >= COST_LIMIT:
        raise FlowError("trade-off costs too large for an integer min-cost flow")
    return Scale(lcm, p, q, 0, True, True, g)
