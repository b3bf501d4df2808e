"""Phase 2: the LP relaxation of everything but the locks, as min-cost flows, and its bound.

Groups are relaxed (members pooled with their kind). A one-to-one customer's workload is
*strengthened* towards the capacity of the RMs it could have to itself, less the rest of its
group -- still a relaxation, since a dedicated RM carries nobody else -- and its arcs pass a
per-RM *gate* that lets one such customer through. Two LPs:

- one with a single strengthened workload for all gated customers: each gate then admits
  exactly one customer, so the LP respects that a dedicated RM serves one unit (a bipartite
  matching: integral, and the one-to-one decisions read it);
- one with each customer's own strengthened workload: it counts the capacity a dedicated RM
  loses more fully.

Both are relaxations; the smaller optimum is the reported upper bound of the cover value. The
first one's seating also guides the side decisions (:mod:`allocator.flow.sides`).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

from allocator.flow.hubs import DEDICATED, ONE_TO_ONE, PINNED, POOLED, REQUIRED, build_hubs
from allocator.flow.locks import Locks
from allocator.flow.network import Hubs
from allocator.flow.state import Bools, FlowState, Ints
from allocator.flow.transport import FlowResult, solve_transport


@dataclass
class Relaxed:
    """The first LP (its hubs and flow guide every later phase) and the proven bounds.

    Attributes
    ----------
    hubs : Hubs
    flow : FlowResult
        The LP with one strengthened workload for the gated customers.
    bound : float
        Proven upper bound of the cover value (the smaller of the two LPs' optima).
    exact : bool
        ``bound`` is an LP optimum itself (not widened by a rounded value scale).
    capacity : numpy.ndarray of int64
        The room per RM the first LP had (capacity less the held locks).
    outside : int
        Cover value of a plan that the first LP does not see: the held locks' value, less the
        bonus its required customers carry (so an LP value is ``plan cover - outside``).
    """

    hubs: Hubs
    flow: FlowResult
    bound: float
    exact: bool
    capacity: Ints
    outside: int


def relax(state: FlowState, locks: Locks) -> Relaxed | None:
    """Solve the bound LPs around ``locks``; None when the LP cannot seat every required
    customer (then no plan can).

    Sets ``state.bonus`` (the required customers' value bonus, which the final flow reuses) and
    ``state.bound``.
    """
    p = state.problem
    units = state.units
    fixed, reserved, busy, unit_rm = locks.fixed, locks.reserved, locks.busy, locks.unit_rm
    t0 = time.monotonic()
    open_ = ~fixed & (state.deg > 0) & (state.weight > 0)
    multi_required = p.required & open_
    cust = np.flatnonzero(open_)
    of = units.of[cust]
    excl = p.exclusive[cust]
    kind = np.where(multi_required[cust], REQUIRED, POOLED).astype(np.int64)
    pin = np.full(cust.shape[0], -1, dtype=np.int64)
    has_unit_rm = (of >= 0) & (np.r_[unit_rm, -1][np.where(of >= 0, of, units.n)] >= 0)
    pin[has_unit_rm] = unit_rm[of[has_unit_rm]]
    kind[has_unit_rm] = PINNED
    weight = state.weight[cust].copy()
    weight[excl], first, raw_strong = strengthen(state, cust[excl], pin[excl], reserved, busy)
    one_to_one = np.flatnonzero(excl & ~has_unit_rm)
    kind[one_to_one] = np.where(first[~has_unit_rm[excl]], DEDICATED, ONE_TO_ONE)
    bonus = int(np.maximum(p.pair_value, 0).sum()) + 1 if multi_required.any() else 0
    state.bonus = bonus
    # gated (dedicated) customers all weigh the same in the first LP, so each gate lets one
    # customer through -- the LP then respects that an RM is dedicated to one unit at most
    # (a bipartite matching: integral, and the one-to-one decisions read it); a second LP
    # with each customer's own strengthened workload bounds the capacity side better, and
    # the smaller of the two optima is the bound (both are relaxations)
    dedicated_kind = kind == DEDICATED
    own_weight = weight.copy()
    if excl.any():  # the bound-only LP takes the strengthened workloads unrounded
        own_weight[excl] = raw_strong
    if dedicated_kind.any():
        weight[dedicated_kind] = int(weight[dedicated_kind].min())
    hubs1 = build_hubs(state, cust, kind, weight, pin, reserved, busy, bonus)
    state.timed("build", t0)
    t0 = time.monotonic()
    # no move caps here: this LP is the bound, and a cap shared out per keep node restricts
    flow1 = solve_transport(hubs1, locks.cap_left, continuity=state.continuity, holds=False)
    state.timed("bound_flow", t0)
    n_req = int(multi_required.sum())
    fixed_value = int(p.pair_value[state.ptr[:-1][fixed]].sum())
    bound = flow1.bound - bonus * n_req + fixed_value
    if n_req and not required_routed(hubs1, flow1, kind, cust):
        return None
    exact = flow1.exact
    if (own_weight != weight).any() and state.clock.left() > 4 * flow1.seconds + 1.0:
        t0 = time.monotonic()
        hubs_b = build_hubs(state, cust, kind, own_weight, pin, reserved, busy, bonus)
        # the bound-only LP needs no continuity term: its workloads need not keep the value
        # scale small (a rounded scale widens the bound by a proven hair)
        flow_b = solve_transport(hubs_b, locks.cap_left, continuity=False)
        bound_b = flow_b.bound - bonus * n_req + fixed_value
        if bound_b < bound:
            bound, exact = bound_b, flow_b.exact
        state.timed("bound_flow", t0)
    state.bound = bound
    return Relaxed(
        hubs=hubs1,
        flow=flow1,
        bound=bound,
        exact=exact,
        capacity=locks.cap_left,
        outside=fixed_value - bonus * n_req,
    )


def strengthen(
    state: FlowState, excl: Ints, pin: Ints, reserved: Ints, busy: Bools
) -> tuple[Ints, Bools, Ints]:
    """Workload of one-to-one customers in the relaxation (see the module docstring).

    Customer ``e`` of unit ``u``: ``max(w_e, min cap of the RMs it may be dedicated - rest of
    u)``, for one one-to-one member per unit (a dedicated RM carries the unit and nobody else,
    so counting it as full is valid for every plan).

    Parameters
    ----------
    state : FlowState
    excl : numpy.ndarray of int64
        The one-to-one customers.
    pin : numpy.ndarray of int64
        Per customer of ``excl``: the RM its unit is tied to by a lock (-1: none).
    reserved, busy
        As :class:`~allocator.flow.locks.Locks`.

    Returns
    -------
    weight : numpy.ndarray of int64
        The strengthened workloads, floored to the ladder of :func:`ladder_floor` (so the
        flow's value scale stays small).
    first : numpy.ndarray of bool
        The member of each unit that carries the strengthening (the others keep their own).
    raw : numpy.ndarray of int64
        The strengthened workloads before the ladder (the bound-only LP takes these).
    """
    p = state.problem
    w = state.weight[excl].copy()
    if excl.size == 0:
        return w, np.zeros(0, dtype=bool), w
    units = state.units
    u = units.of[excl]
    first_of_unit = np.r_[True, u[1:] != u[:-1]] if np.all(np.diff(u) >= 0) else None
    if first_of_unit is None:
        order = np.argsort(u, kind="stable")
        first_of_unit = np.zeros(excl.shape[0], dtype=bool)
        first_of_unit[order[np.r_[True, u[order][1:] != u[order][:-1]]]] = True
    unit_weight = np.bincount(
        units.of[units.members],
        weights=state.weight[units.members] * (state.deg[units.members] > 0),
        minlength=units.n,
    ).astype(np.int64)
    owner, idx = state.pairs_of(excl)
    rm = p.pair_rm[idx].astype(np.int64)
    ok = (reserved[rm] < 0) & ~busy[rm]
    ok = np.where(pin[owner] >= 0, rm == pin[owner], ok)
    big = np.iinfo(np.int64).max
    capv = np.where(ok, p.capacity[rm], big)
    mincap = np.full(excl.shape[0], big, dtype=np.int64)
    np.minimum.at(mincap, owner, capv)
    others = unit_weight[u] - state.weight[excl]
    strong = np.where(mincap < big, mincap - others, w)
    raw = np.where(first_of_unit, np.maximum(w, strong), w)
    strong = ladder_floor(strong, base_lcm(state.weight))
    return np.where(first_of_unit, np.maximum(w, strong), w), first_of_unit, raw


def base_lcm(weight: Ints) -> int:
    """Least common multiple of the positive workloads (1 when it is very large)."""
    lcm = 1
    for x in np.unique(weight[weight > 0]).tolist():
        lcm = math.lcm(lcm, int(x))
        if lcm > 10**4:
            return 1
    return lcm


def ladder_floor(values: Ints, base: int) -> Ints:
    """The largest of ``base / d`` (``d`` dividing ``base``) or ``base * 2**k`` not above each
    value (values below 1 stay as they are).

    A strengthened workload may be anything between the customer's own workload and the capacity
    it could be dedicated; taking it from this ladder keeps the least common multiple of all
    workloads -- the flow's value scale -- at ``base * 2**k``, so the cover value and the
    continuity tie-break stay exact in 64-bit costs.
    """
    ladder = sorted({d for d in range(1, base + 1) if base % d == 0})
    top = max(int(values.max(initial=1)), base)
    k = base * 2
    while k <= top:
        ladder.append(k)
        k *= 2
    steps = np.asarray(ladder, dtype=np.int64)
    pos = np.searchsorted(steps, values, side="right") - 1
    return np.where(pos >= 0, steps[np.maximum(pos, 0)], values)


def required_routed(hubs: Hubs, flow: FlowResult, kind: Ints, cust: Ints) -> bool:
    """Whether the LP seats every required customer in full (else no plan can).

    ``kind`` and ``cust`` are the kinds and customers ``hubs`` was built from.
    """
    hub_kind = np.zeros(hubs.n, dtype=np.int64)
    pos = np.searchsorted(cust, hubs.members)
    hub_kind[hubs.member_hub] = kind[pos]
    req = np.flatnonzero(hub_kind == REQUIRED)
    need = np.diff(hubs.member_ptr)
    return bool(np.all(flow.served[req] >= need[req] - 1e-9))
