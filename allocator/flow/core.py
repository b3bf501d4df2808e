"""The large-scale solve: side rules settled around a transportation LP, whole customers out.

Phases (each checks the deadline and the stop flag before it starts; a flow solve itself cannot
be interrupted -- OR-Tools holds the GIL -- but none takes more than a few seconds at 10^6):

1. **Locks** -- held locks (required customers with one pair) are assigned first and their load
   comes off the capacities. An RM holding a locked one-to-one customer is *reserved* for that
   customer's unit; an RM holding any locked customer is *busy* (nobody else can have it to
   themselves).
2. **Bound** -- the LP relaxation of everything else as a min-cost flow
   (:func:`~allocator.flow.network.solve_transport`). Groups are relaxed (members pooled with
   their class). A one-to-one customer's workload is *strengthened* towards the capacity of the
   RMs it could have to itself, less the rest of its group -- still a relaxation, since the
   dedicated RM carries nobody else -- and its arcs pass a per-RM *gate* that lets one such
   customer through. Two LPs: one with a single strengthened workload for all (the gates then
   admit exactly one customer each: the LP respects that a dedicated RM serves one unit) and one
   with each customer's own (it counts the capacity a dedicated RM loses more fully); the
   smaller optimum is the reported upper bound of the cover value.
3. **Side decisions** -- one-to-one units get RMs by a weighted matching (units of a hub as many
   as the LP served; most value, then the RM whose seated flow is cheapest to displace, then the
   unit's RM today); each group gets the RM where its members are worth most net of what they
   would displace, with the LP's share and today's RM as tie-breaks. Decisions are fixed, and a
   valid plan is made at once from the first LP's seating.
4. **Final flow** -- the same network without the one-to-one units (their RMs dedicated), group
   members pinned to their group's RM; rounded to whole customers, then the exact repair
   (:mod:`allocator.flow.repair`) and a greedy fill. Skipped when the time left would not cover
   it (the plan of phase 3 stands, and the solution says ``time_limit``).
5. **Balance** (when the objective has it and time allows) -- the customers free to change RM
   without changing cover value or moves (new and moved ones) are re-seated by a flow whose RM
   arcs cost more as utilisation rises, so no RM runs full while others of its kind idle.
   Accepted only when the lexicographic objective is no worse.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from allocator.flow.network import (
    FlowResult,
    Hubs,
    first_of_keys,
    group_into_hubs,
    restrict_arcs,
    rm_groups,
    solve_balance,
    solve_transport,
)
from allocator.flow.repair import exact_repair, neighbourhood
from allocator.flow.seating import fill_greedy, seat
from allocator.problem import Problem

log = logging.getLogger(__name__)

Ints = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]

# hub kinds
_POOLED, _ONE_TO_ONE, _PINNED, _REQUIRED, _DEDICATED = 0, 1, 2, 3, 4

#: CP-SAT deterministic time the exact repair may take (it starts from a feasible rounding;
#: measured at 10^5 customers, 1 unit -- about 1.5 s of wall time here -- gains what 10 s did)
REPAIR_SECONDS = 1.0
#: utilisation bands of the balance flow, and the growth of the unit cost from one to the next
_BALANCE_STEPS = 20
_BALANCE_GROWTH = 3


class Stopped(Exception):
    """The deadline passed or the caller asked to stop before a phase could start."""


@dataclass
class Outcome:
    """What :func:`solve_flow` found.

    Attributes
    ----------
    assignment : numpy.ndarray of int64
        RM per customer (-1: none); valid for the problem's hard rules.
    bound : float or None
        Proven upper bound of the cover value (None when the bound flow did not run).
    bound_exact : bool
        The bound is the LP optimum itself (not widened by a rounded value scale).
    moves_bound : int
        Proven lower bound of the moves of a cover-optimal plan (0 when none is proven).
    infeasible : bool
        The hard rules cannot all hold (locked customers over capacity or in conflict).
    stopped : str
        "" when every phase ran, else "time_limit" or "interrupted".
    timings : dict
        Seconds per phase (for the benchmark and the log).
    key : tuple
        (-cover value, moves, dropped, max utilisation) of ``assignment``, computed with the
        fast pair lookup (``Problem.cover_value`` scans every pair).
    """

    assignment: Ints
    bound: float | None = None
    bound_exact: bool = False
    moves_bound: int = 0
    infeasible: bool = False
    stopped: str = ""
    timings: dict[str, float] = field(default_factory=dict)
    key: tuple[int, int, int, float] | None = None


@dataclass
class _Clock:
    """Deadline and stop flag, checked between phases (a flow solve cannot be interrupted)."""

    deadline: float
    stop: threading.Event
    report: Callable[[str, float, float], None]

    def check(self) -> None:
        if self.stop.is_set():
            raise Stopped("interrupted")
        if time.monotonic() >= self.deadline:
            raise Stopped("time_limit")

    def left(self) -> float:
        return self.deadline - time.monotonic()


@dataclass
class _Units:
    """Side-rule units: a group, or a one-to-one customer outside any group."""

    of: Ints  # per customer: unit index, -1 for customers outside side rules
    n: int
    exclusive: Bools  # per unit: holds a one-to-one customer
    members_ptr: Ints
    members: Ints  # customers grouped by unit


def _units(p: Problem) -> _Units:
    n_groups = p.n_groups
    of = np.full(p.n_customers, -1, dtype=np.int64)
    in_group = p.group >= 0
    of[in_group] = p.group[in_group]
    lone = np.flatnonzero(p.exclusive & ~in_group)
    of[lone] = n_groups + np.arange(lone.shape[0], dtype=np.int64)
    n = n_groups + int(lone.shape[0])
    side = np.flatnonzero(of >= 0)
    order = side[np.argsort(of[side], kind="stable")]
    counts = np.bincount(of[side], minlength=n)
    ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(counts, out=ptr[1:])
    excl = np.zeros(n, dtype=bool)
    excl[of[p.exclusive & (of >= 0)]] = True
    return _Units(of=of, n=n, exclusive=excl, members_ptr=ptr, members=order)


class _Solver:
    """State shared by the phases of one solve (see the module docstring)."""

    def __init__(
        self,
        p: Problem,
        clock: _Clock,
        continuity: bool,
        balance: bool,
        seed: int = 0,
        workers: int = 1,
    ):
        self.p = p
        self.seed = seed
        self.workers = workers
        self.clock = clock
        self.continuity = continuity
        self.balance = balance
        self.timings: dict[str, float] = {}
        ptr = p.customer_ptr
        self.ptr = ptr
        self.deg = np.diff(ptr)
        has = self.deg > 0
        self.weight = np.zeros(p.n_customers, dtype=np.int64)
        self.weight[has] = p.pair_weight[ptr[:-1][has]]
        self.best_value = np.full(p.n_customers, np.iinfo(np.int64).min, dtype=np.int64)
        if p.n_pairs:
            self.best_value[has] = np.maximum.reduceat(p.pair_value, ptr[:-1][has])
        klass = p.klass if p.klass is not None else np.full(p.n_customers, -1, dtype=np.int32)
        self.klass = np.where(
            klass >= 0,
            klass.astype(np.int64),
            int(klass.max(initial=-1)) + 1 + np.arange(p.n_customers),
        )
        self.units = _units(p)
        self.dedicated = np.zeros(p.n_rms, dtype=bool)
        self.bonus = 0
        self.bound = float("inf")
        self.proven = False  # the exact repair solved the whole network to optimality

    # -- helpers ---------------------------------------------------------------------------------
    def lookup(self, customers: Ints, rms: Ints) -> Ints:
        """Pair index of each (customer, RM), -1 where there is none.

        A bisection inside each customer's slice of the pair arrays (sorted by RM), vectorised
        over the queries: ``Problem.pair_index`` builds a key over every pair (10^8 at 10^6
        customers) for each call.
        """
        p = self.p
        c = np.asarray(customers, dtype=np.int64)
        r = np.asarray(rms, dtype=np.int64)
        lo = self.ptr[c].copy()
        end = self.ptr[c + 1]
        hi = end.copy()
        last = max(p.n_pairs - 1, 0)
        while True:
            active = lo < hi
            if not active.any():
                break
            mid = (lo + hi) // 2
            right = active & (p.pair_rm[np.minimum(mid, last)] < r)
            lo = np.where(right, mid + 1, lo)
            hi = np.where(active & ~right, mid, hi)
        found = (lo < end) & (r >= 0)
        if p.n_pairs:
            found &= p.pair_rm[np.minimum(lo, last)] == r
        return np.where(found, lo, -1)

    def loads(self, a: Ints) -> Ints:
        """Workload per RM (weights do not depend on the RM here)."""
        on = a >= 0
        return np.bincount(a[on], weights=self.weight[on], minlength=self.p.n_rms).astype(np.int64)

    def lex_key(self, a: Ints) -> tuple[int, int, int, float]:
        """The lexicographic objective of ``a`` as a key to minimise."""
        p = self.p
        on = np.flatnonzero(a >= 0)
        idx = self.lookup(on, a[on])
        cover = int(p.pair_value[idx].sum())
        keep = p.current >= 0
        moves = int((keep & (a >= 0) & (a != p.current)).sum())
        dropped = int((keep & (a < 0)).sum())
        loads = self.loads(a)
        has = p.capacity > 0
        util = float((loads[has] / p.capacity[has]).max()) if has.any() else 0.0
        return (-cover, moves, dropped, util)

    def violations(self, a: Ints, required: bool = True) -> list[str]:
        """The hard rules, checked with the fast lookup (``Problem.violations`` is the oracle)."""
        p = self.p
        out: list[str] = []
        on = np.flatnonzero(a >= 0)
        if (self.lookup(on, a[on]) < 0).any():
            out.append("ineligible pair")
        if required and (p.required & (a < 0)).any():
            out.append("required customer unassigned")
        if (self.loads(a) > p.capacity).any():
            out.append("capacity")
        g = p.group
        gm = np.flatnonzero((g >= 0) & (a >= 0))
        if (
            gm.size
            and np.unique(np.stack([g[gm], a[gm]], axis=1), axis=0).shape[0]
            != np.unique(g[gm]).shape[0]
        ):
            out.append("group split")
        ex = np.flatnonzero(p.exclusive & (a >= 0))
        if ex.size:
            unit = np.where(g >= 0, g.astype(np.int64), p.n_customers + np.arange(p.n_customers))
            pairs = np.unique(np.stack([a[on], unit[on]], axis=1), axis=0)
            units_on = np.bincount(pairs[:, 0], minlength=p.n_rms)
            if (units_on[a[ex]] > 1).any():
                out.append("one-to-one RM shared")
        return out

    def _report(self, a: Ints) -> None:
        """Tell the caller about a new valid plan: its cover value and the LP bound."""
        self.clock.report("cover_value", float(-self.lex_key(a)[0]), self.bound)

    def _phase(self, name: str, t0: float) -> None:
        self.timings[name] = self.timings.get(name, 0.0) + time.monotonic() - t0

    def _pairs_of(self, customers: Ints) -> tuple[Ints, Ints]:
        """(owner position in ``customers``, pair index) of every pair of ``customers``."""
        counts = self.deg[customers]
        owner = np.repeat(np.arange(customers.shape[0], dtype=np.int64), counts)
        first = np.cumsum(counts) - counts
        idx = self.ptr[customers][owner] + np.arange(owner.shape[0], dtype=np.int64) - first[owner]
        return owner, idx

    def _hubs(
        self,
        customers: Ints,
        kind: Ints,
        weight: Ints,
        pin: Ints,
        reserved: Ints,
        busy: Bools,
        bonus: int,
    ) -> Hubs:
        """Pool ``customers`` into hubs and give each hub the arcs its kind allows.

        ``kind`` per customer: pooled (any RM not reserved), one-to-one (also not busy), pinned
        (only ``pin``), required (pooled, value + ``bonus``: the LP seats them first).
        """
        p = self.p
        hub, reps = first_of_keys(kind, self.klass[customers], weight, pin)
        rep_c = customers[reps]
        owner, idx = self._pairs_of(rep_c)
        rm = p.pair_rm[idx].astype(np.int64)
        val = p.pair_value[idx].astype(np.int64)
        hk = kind[reps][owner]
        keep = reserved[rm] < 0
        keep &= ((hk != _ONE_TO_ONE) & (hk != _DEDICATED)) | ~busy[rm]
        pinned = hk == _PINNED
        keep = np.where(pinned, rm == pin[reps][owner], keep)
        val = np.where(hk == _REQUIRED, val + bonus, val)
        owner, rm, val = owner[keep], rm[keep], val[keep]
        arc_ptr = np.zeros(reps.shape[0] + 1, dtype=np.int64)
        np.cumsum(np.bincount(owner, minlength=reps.shape[0]), out=arc_ptr[1:])
        cur = self.p.current[customers].astype(np.int64)
        gated = kind == _DEDICATED
        return group_into_hubs(hub, customers, weight, cur, (arc_ptr, rm, val), gated, reps)

    def _round(self, hubs: Hubs, flow: FlowResult, a: Ints) -> Ints:
        """Whole customers from ``flow``: seats per arc, the exact repair on a neighbourhood, the
        seating of members, then the greedy fill. ``a`` holds everybody outside ``hubs``.
        Returns the RM per member of ``hubs``."""
        t0 = time.monotonic()
        seats = flow.seats
        room = self.p.capacity - self.loads(a)
        chosen = neighbourhood(hubs, flow.bitten, seats, room)
        budget = min(max(self.clock.left() * 0.25, 0.0), REPAIR_SECONDS)
        if chosen.any() and (flow.bitten.any() or self._unseated(hubs, seats)):
            fixed = exact_repair(
                hubs,
                seats,
                room,
                chosen,
                continuity=self.continuity,
                time_limit=budget,
                seed=self.seed,
                workers=self.workers,
            )
            seats = fixed.seats
            self.proven = fixed.optimal and fixed.whole
        self._phase("exact_repair", t0)
        t0 = time.monotonic()
        member_rm = seat(hubs, seats, self.p.n_rms)
        trial = a.copy()
        trial[hubs.members] = member_rm
        slack = self.p.capacity - self.loads(trial)
        fill_greedy(hubs, member_rm, slack)
        self._phase("seat", t0)
        return member_rm

    def _unseated(self, hubs: Hubs, seats: Ints) -> bool:
        """Whether some hub has members without a seat that an RM with room could take."""
        seated = np.bincount(hubs.arc_hub, weights=seats, minlength=hubs.n)
        return bool((seated < np.diff(hubs.member_ptr)).any())

    # -- phases ----------------------------------------------------------------------------------
    def run(self) -> Outcome:
        p = self.p
        a = np.full(p.n_customers, -1, dtype=np.int64)
        if p.n_pairs == 0:
            return Outcome(a, bound=0.0, bound_exact=True, timings=self.timings)
        t0 = time.monotonic()
        fixed = p.required & (self.deg == 1)
        a[fixed] = p.pair_rm[self.ptr[:-1][fixed]]
        if self.violations(a, required=False):
            return Outcome(a * 0 - 1, infeasible=True, timings=self.timings)
        cap_left = p.capacity - self.loads(a)
        units = self.units
        # RMs a fixed one-to-one customer reserves for its unit; RMs holding any fixed customer
        reserved = np.full(p.n_rms, -1, dtype=np.int64)
        fx = np.flatnonzero(fixed & p.exclusive)
        reserved[a[fx]] = units.of[fx]
        busy = np.zeros(p.n_rms, dtype=bool)
        busy[a[fixed]] = True
        unit_rm = np.full(units.n, -1, dtype=np.int64)
        fu = np.flatnonzero(fixed & (units.of >= 0))
        unit_rm[units.of[fu]] = a[fu]
        self._phase("fixed", t0)

        self.clock.check()
        t0 = time.monotonic()
        open_ = ~fixed & (self.deg > 0) & (self.weight > 0)
        multi_required = p.required & open_
        cust = np.flatnonzero(open_)
        of = units.of[cust]
        excl = p.exclusive[cust]
        kind = np.where(multi_required[cust], _REQUIRED, _POOLED).astype(np.int64)
        pin = np.full(cust.shape[0], -1, dtype=np.int64)
        has_unit_rm = (of >= 0) & (np.r_[unit_rm, -1][np.where(of >= 0, of, units.n)] >= 0)
        pin[has_unit_rm] = unit_rm[of[has_unit_rm]]
        kind[has_unit_rm] = _PINNED
        weight = self.weight[cust].copy()
        weight[excl], first = self._strengthen(cust[excl], pin[excl], reserved, busy)
        one_to_one = np.flatnonzero(excl & ~has_unit_rm)
        kind[one_to_one] = np.where(first[~has_unit_rm[excl]], _DEDICATED, _ONE_TO_ONE)
        bonus = int(np.maximum(p.pair_value, 0).sum()) + 1 if multi_required.any() else 0
        self.bonus = bonus
        # gated (dedicated) customers all weigh the same in the first LP, so each gate lets one
        # customer through -- the LP then respects that an RM is dedicated to one unit at most
        # (a bipartite matching: integral, and the one-to-one decisions read it); a second LP
        # with each customer's own strengthened workload bounds the capacity side better, and
        # the smaller of the two optima is the bound (both are relaxations)
        dedicated_kind = kind == _DEDICATED
        own_weight = weight.copy()
        if excl.any():  # the bound-only LP takes the strengthened workloads unrounded
            own_weight[excl] = self.raw_strong
        if dedicated_kind.any():
            weight[dedicated_kind] = int(weight[dedicated_kind].min())
        hubs1 = self._hubs(cust, kind, weight, pin, reserved, busy, bonus)
        self._phase("build", t0)
        t0 = time.monotonic()
        flow1 = solve_transport(hubs1, cap_left, continuity=self.continuity)
        self._phase("bound_flow", t0)
        n_req = int(multi_required.sum())
        fixed_value = int(p.pair_value[self.ptr[:-1][fixed]].sum())
        bound = flow1.bound - bonus * n_req + fixed_value
        if n_req and not self._required_routed(hubs1, flow1, kind, cust):
            return Outcome(a * 0 - 1, infeasible=True, timings=self.timings)
        moves_bound = self._moves_bound(flow1, hubs1, bound)
        exact = flow1.exact
        if (own_weight != weight).any() and self.clock.left() > 4 * flow1.seconds + 1.0:
            t0 = time.monotonic()
            hubs_b = self._hubs(cust, kind, own_weight, pin, reserved, busy, bonus)
            # the bound-only LP needs no continuity term: its workloads need not keep the value
            # scale small (a rounded scale widens the bound by a proven hair)
            flow_b = solve_transport(hubs_b, cap_left, continuity=False)
            bound_b = flow_b.bound - bonus * n_req + fixed_value
            if bound_b < bound:
                bound, exact, moves_bound = bound_b, flow_b.exact, 0
            self._phase("bound_flow", t0)
        self.bound = bound

        t0 = time.monotonic()
        suggest = np.full(p.n_customers, -1, dtype=np.int64)
        suggest[hubs1.members] = seat(hubs1, flow1.seats, p.n_rms)
        self._phase("seat", t0)
        outcome = Outcome(a, bound=bound, bound_exact=exact, moves_bound=moves_bound)
        outcome.timings = self.timings

        if units.n == 0:
            # no side rules: the bound flow is the final flow
            a = a.copy()
            a[hubs1.members] = self._round(hubs1, flow1, a)
            outcome.assignment = a
            if self.proven:  # the repair solved the whole problem: its optimum is proven
                key = self.lex_key(a)
                outcome.bound, outcome.bound_exact, outcome.moves_bound = -key[0], True, key[1]
            self._report(a)
            return self._finish(outcome, fixed)

        t0 = time.monotonic()
        decided = self._decide(hubs1, flow1, a, fixed, unit_rm, reserved, busy, cap_left)
        self._phase("side", t0)
        # a valid plan right away (the final flow improves on it when there is time)
        t0 = time.monotonic()
        outcome.assignment = self._from_suggestion(suggest, a, fixed, decided, hubs1)
        self._report(outcome.assignment)
        self._phase("repair", t0)
        try:
            self.clock.check()
            if self.clock.left() < 1.5 * flow1.seconds + 0.5:
                raise Stopped("time_limit")
            outcome.assignment = self._final_flow(outcome.assignment, a, fixed, decided)
            self._report(outcome.assignment)
        except Stopped as why:
            outcome.stopped = str(why)
            return self._finish(outcome, fixed, balance=False)
        return self._finish(outcome, fixed)

    # -- bound flow helpers ----------------------------------------------------------------------
    def _strengthen(self, excl: Ints, pin: Ints, reserved: Ints, busy: Bools) -> tuple[Ints, Bools]:
        """Workload of one-to-one customers in the relaxation (see the module docstring).

        Customer ``e`` of unit ``u``: ``max(w_e, min cap of the RMs it may be dedicated - rest of
        u)``, for one one-to-one member per unit (a dedicated RM carries the unit and nobody else,
        so counting it as full is valid for every plan).
        """
        p = self.p
        w = self.weight[excl].copy()
        if excl.size == 0:
            return w, np.zeros(0, dtype=bool)
        units = self.units
        u = units.of[excl]
        first_of_unit = np.r_[True, u[1:] != u[:-1]] if np.all(np.diff(u) >= 0) else None
        if first_of_unit is None:
            order = np.argsort(u, kind="stable")
            first_of_unit = np.zeros(excl.shape[0], dtype=bool)
            first_of_unit[order[np.r_[True, u[order][1:] != u[order][:-1]]]] = True
        unit_weight = np.bincount(
            units.of[units.members],
            weights=self.weight[units.members] * (self.deg[units.members] > 0),
            minlength=units.n,
        ).astype(np.int64)
        owner, idx = self._pairs_of(excl)
        rm = p.pair_rm[idx].astype(np.int64)
        ok = (reserved[rm] < 0) & ~busy[rm]
        ok = np.where(pin[owner] >= 0, rm == pin[owner], ok)
        big = np.iinfo(np.int64).max
        capv = np.where(ok, p.capacity[rm], big)
        mincap = np.full(excl.shape[0], big, dtype=np.int64)
        np.minimum.at(mincap, owner, capv)
        others = unit_weight[u] - self.weight[excl]
        strong = np.where(mincap < big, mincap - others, w)
        self.raw_strong = np.where(first_of_unit, np.maximum(w, strong), w)
        strong = _ladder_floor(strong, self._base_lcm())
        return np.where(first_of_unit, np.maximum(w, strong), w), first_of_unit

    def _base_lcm(self) -> int:
        """Least common multiple of the ordinary workloads (1 when it is very large)."""
        lcm = 1
        for x in np.unique(self.weight[self.weight > 0]).tolist():
            lcm = math.lcm(lcm, int(x))
            if lcm > 10**4:
                return 1
        return lcm

    def _required_routed(self, hubs: Hubs, flow: FlowResult, kind: Ints, cust: Ints) -> bool:
        """Whether the LP seats every required customer in full (else no plan can)."""
        hub_kind = np.zeros(hubs.n, dtype=np.int64)
        pos = np.searchsorted(cust, hubs.members)
        hub_kind[hubs.member_hub] = kind[pos]
        req = np.flatnonzero(hub_kind == _REQUIRED)
        need = np.diff(hubs.member_ptr)
        return bool(np.all(flow.served[req] >= need[req] - 1e-9))

    def _moves_bound(self, flow: FlowResult, hubs: Hubs, bound: float) -> int:
        """Lower bound on the moves of a cover-optimal plan, when the secondary was exact.

        The flow minimised ``D * moved + dropped`` over the LP-optimal face; every plan reaching
        the LP bound lies on that face, and drops at most the keepable customers.
        """
        if not (flow.exact and flow.secondary_exact and self.continuity):
            return 0
        keepable = int((hubs.member_current >= 0).sum())
        d = keepable + 1
        total = d * flow.moved + flow.dropped
        return max(0, math.ceil((total - keepable) / d - 1e-6))

    # -- side decisions --------------------------------------------------------------------------
    def _decide(
        self,
        hubs: Hubs,
        flow: FlowResult,
        a: Ints,
        fixed: Bools,
        unit_rm: Ints,
        reserved: Ints,
        busy: Bools,
        cap_left: Ints,
    ) -> Ints:
        """RM per unit (-1: none): one-to-one units first, then groups (module docstring).

        Also sets ``self.dedicated``: the RMs the one-to-one units now have to themselves.
        """
        p = self.p
        units = self.units
        decided = unit_rm.copy()
        taken = reserved >= 0  # reserved for a unit (fixed one-to-one)
        dedicated = np.zeros(p.n_rms, dtype=bool)
        dedicated[reserved >= 0] = True
        # a one-to-one unit pinned by a fixed member may have its RM to itself when every fixed
        # customer there is of the unit
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

        hub_of = np.full(p.n_customers, -1, dtype=np.int64)
        hub_of[hubs.members] = hubs.member_hub
        arc_hub = hubs.arc_hub
        lp_value = np.bincount(hubs.arc_rm, weights=flow.seats * hubs.arc_value, minlength=p.n_rms)
        served = flow.served
        quota = np.floor(served + 0.5).astype(np.int64)

        def support(h: int) -> tuple[list[int], list[float]]:
            lo_, hi_ = int(hubs.arc_ptr[h]), int(hubs.arc_ptr[h + 1])
            f = flow.seats[lo_:hi_]
            on = np.flatnonzero(f > 0)
            order = on[np.argsort(-f[on], kind="stable")]
            return hubs.arc_rm[lo_:hi_][order].tolist(), f[order].astype(float).tolist()

        # one-to-one units: a weighted matching of units to RMs (most value first, then the RM
        # whose flow is worth least), each hub serving as many members as the LP did
        lp_shared = np.bincount(
            hubs.arc_rm,
            weights=np.where(gated_hub(hubs)[arc_hub], 0, flow.seats * hubs.arc_value),
            minlength=p.n_rms,
        )
        open_units = np.flatnonzero(units.exclusive & (decided < 0))
        is_open = np.zeros(units.n, dtype=bool)
        is_open[open_units] = True
        of = units.of
        ex_mem = np.flatnonzero(p.exclusive & ~fixed & (self.deg > 0) & (hub_of >= 0) & (of >= 0))
        ex_mem = ex_mem[is_open[of[ex_mem]]]
        # candidates: RMs a one-to-one member may be dedicated, valued by that member
        owner, idx = self._pairs_of(ex_mem)
        pr = p.pair_rm[idx].astype(np.int64)
        ok = ~taken[pr] & ~busy[pr] & (reserved[pr] < 0) & (p.pair_value[idx] > 0)
        ok &= p.capacity[pr] >= self.weight[ex_mem][owner]
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
            li = self.lookup(mm, cr[rows])
            extra = np.where(
                (li >= 0) & (mm != cs[rows]) & ~fixed[mm],
                p.pair_value[np.maximum(li, 0)],
                0,
            )
            match_v[gi] += np.bincount(rows, weights=extra, minlength=gi.shape[0]).astype(np.int64)
        # every eligible RM stays a candidate: RMs fit for one-to-one service can be scarce
        # (a few dozen per unit), and a matching needs all of them to serve the most units
        cur_of_unit = np.full(units.n, -1, dtype=np.int64)
        cur_of_unit[of[ex_mem]] = p.current[ex_mem]
        is_today = match_r == cur_of_unit[match_u]
        # the value the LP seated on an RM is what dedicating it displaces (a proxy of the
        # capacity's dual price: cover first, so it outranks the unit's RM today)
        lp_shared_f = lp_shared.astype(np.float64)
        for u, r in _match_units(match_u, match_h, match_r, match_v, quota, lp_shared_f, is_today):
            decided[u] = r
            taken[r] = True
            dedicated[r] = True

        # groups (and the shareable members of one-to-one units left without an RM): candidate
        # RMs are where the members' hubs send flow and the members' RMs today. Each candidate
        # is ranked by the value of the members it may serve net of what they displace, then
        # by the members it serves today (continuity, the second objective), then by the LP's
        # share (all candidates of all groups looked up at once)
        shares: dict[int, tuple[list[int], list[float]]] = {}
        todo: list[tuple[int, Ints, dict[int, float], dict[int, int]]] = []
        for u in np.flatnonzero((decided < 0) & (np.arange(units.n) < p.n_groups)).tolist():
            mem = units.members[units.members_ptr[u] : units.members_ptr[u + 1]]
            mem = mem[~fixed[mem] & (self.deg[mem] > 0)]
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
                        share_of[r] = share_of.get(r, 0.0) + float(self.best_value[c]) * share
            for c in mem.tolist():
                r = int(p.current[c])
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
            idx = self.lookup(cc, np.concatenate(rr_parts))
            gain = np.where(idx >= 0, p.pair_value[np.maximum(idx, 0)], 0).tolist()
            gw = np.where(idx >= 0, p.pair_weight[np.maximum(idx, 0)], 0).tolist()
        # room each RM has after the LP's seats (groups then take it up as they are decided);
        # on an RM without room for the group, a member is worth its value less what it
        # displaces: the least value per unit the LP seated there
        room = cap_left - np.bincount(
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
            need = float(self.weight[mem].sum()) or 1.0
            ranked: list[tuple[float, int, float, int]] = []
            if k:
                shape = (mem.shape[0], k)
                block = np.asarray(gain[pos : pos + k * mem.shape[0]]).reshape(shape)
                wblock = np.asarray(gw[pos : pos + k * mem.shape[0]]).reshape(shape)
                pos += k * mem.shape[0]
                cand = np.fromiter(share_of, dtype=np.int64, count=k)
                full = (room[cand] < need) & (group_room[group[cand]] < need)
                price = np.where(full, marginal[cand], 0.0)
                net = block.sum(axis=0) - price * wblock.sum(axis=0)
                # today's RM counts only where the group fits beside the RM's own customers
                # (else seating the group there moves them, or drops the group)
                fits = room[cand] >= need
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
                decided[u] = -max(ranked)[3]
                room[decided[u]] -= int(need)
                group_room[group[decided[u]]] -= int(need)
        self.dedicated = dedicated
        return decided

    def _place_units(self, a: Ints, fixed: Bools, decided: Ints, slack: Ints, shared: bool) -> None:
        """Seat unit members on their unit's RM (in place), by value per unit while they fit;
        one-to-one members only where the RM is dedicated to the unit. ``shared``: groups on
        shared RMs as well as one-to-one units on dedicated ones. One lookup for all units."""
        p = self.p
        units = self.units
        chosen = np.flatnonzero((decided >= 0) & (units.exclusive | shared))
        if chosen.size == 0:
            return
        counts = units.members_ptr[chosen + 1] - units.members_ptr[chosen]
        owner = np.repeat(chosen, counts)
        first = np.cumsum(counts) - counts
        mem = units.members[
            np.repeat(units.members_ptr[chosen], counts)
            + np.arange(owner.shape[0], dtype=np.int64)
            - np.repeat(first, counts)
        ]
        r = decided[owner]
        ok = (a[mem] < 0) & ~fixed[mem] & (self.dedicated[r] | ~p.exclusive[mem])
        mem, owner, r = mem[ok], owner[ok], r[ok]
        idx = self.lookup(mem, r)
        ok = idx >= 0
        mem, owner, r, idx = mem[ok], owner[ok], r[ok], idx[ok]
        val = p.pair_value[idx]
        wt = p.pair_weight[idx]
        order = np.lexsort((mem, -val, -val / np.maximum(wt, 1), owner))
        for c, rc, wc, vc in zip(
            mem[order].tolist(),
            r[order].tolist(),
            wt[order].tolist(),
            val[order].tolist(),
            strict=True,
        ):
            if vc > 0 and wc <= slack[rc]:
                a[c] = rc
                slack[rc] -= wc

    def _place_unit(self, a: Ints, fixed: Bools, u: int, r: int, slack: Ints) -> None:
        """:meth:`_place_units` for the one unit ``u`` on ``r``."""
        decided = np.full(self.units.n, -1, dtype=np.int64)
        decided[u] = r
        self._place_units(a, fixed, decided, slack, shared=True)

    def _from_suggestion(
        self, suggest: Ints, a_fixed: Ints, fixed: Bools, decided: Ints, hubs: Hubs
    ) -> Ints:
        """A valid plan from the bound flow's seating: customers outside side rules keep their
        seat unless the RM is now dedicated; units are seated per decision; rounding and
        evictions are repaired greedily."""
        a = a_fixed.copy()
        outside = (self.units.of < 0) & ~fixed
        a[outside] = suggest[outside]
        a[outside & (a >= 0) & self.dedicated[np.maximum(a, 0)]] = -1
        slack = self.p.capacity - self.loads(a)
        self._place_units(a, fixed, decided, slack, shared=True)
        member_rm = a[hubs.members].copy()
        held_out = (self.units.of[hubs.members] >= 0) & (member_rm < 0)
        member_rm[held_out] = -2
        fill_greedy(hubs, member_rm, slack, ~self.dedicated[hubs.arc_rm])
        member_rm[held_out] = -1
        a[hubs.members] = member_rm
        self._zero_weight(a, fixed, decided)
        return a

    def _zero_weight(self, a: Ints, fixed: Bools, decided: Ints) -> None:
        """Customers of workload 0 take no capacity: today's RM if it may serve them, else the
        most valuable eligible RM (a group member: its group's RM)."""
        p = self.p
        zero = np.flatnonzero((self.weight == 0) & (self.deg > 0) & (a < 0) & ~fixed)
        for c in zero.tolist():
            u = int(self.units.of[c])
            if p.exclusive[c]:
                continue
            sl = p.pairs_of(c)
            rms = p.pair_rm[sl].astype(np.int64)
            val = p.pair_value[sl]
            ok = (val > 0) & ~self.dedicated[rms]
            if u >= 0:
                ok &= rms == decided[u]
            if not ok.any():
                continue
            cand = rms[ok]
            r = (
                int(p.current[c])
                if int(p.current[c]) in cand.tolist()
                else int(cand[np.argmax(val[ok])])
            )
            a[c] = r

    # -- final flow ------------------------------------------------------------------------------
    def _final_flow(self, incumbent: Ints, a_fixed: Ints, fixed: Bools, decided: Ints) -> Ints:
        p = self.p
        units = self.units
        t0 = time.monotonic()
        a = a_fixed.copy()
        slack = p.capacity - self.loads(a)
        self._place_units(a, fixed, decided, slack, shared=False)  # one-to-one units, fixed
        reserved = np.where(self.dedicated, 0, -1).astype(np.int64)
        open_ = (a < 0) & ~fixed & (self.deg > 0) & (self.weight > 0)
        of = units.of
        in_unit = of >= 0
        unit_r = np.r_[decided, -1][np.where(in_unit, of, units.n)]
        # unit members left: pinned to their unit's RM (shared); one-to-one members wait
        open_ &= ~in_unit | ((unit_r >= 0) & ~self.dedicated[np.maximum(unit_r, 0)])
        open_ &= ~p.exclusive
        cust = np.flatnonzero(open_)
        kind = np.where(in_unit[cust], _PINNED, _POOLED).astype(np.int64)
        kind[p.required[cust] & ~in_unit[cust]] = _REQUIRED
        pin = np.where(in_unit[cust], unit_r[cust], -1).astype(np.int64)
        busy = np.zeros(p.n_rms, dtype=bool)
        hubs = self._hubs(cust, kind, self.weight[cust], pin, reserved, busy, self.bonus)
        self._phase("build", t0)
        t0 = time.monotonic()
        flow = solve_transport(hubs, np.maximum(slack, 0), continuity=self.continuity)
        self._phase("final_flow", t0)
        a[hubs.members] = self._round(hubs, flow, a)
        t0 = time.monotonic()
        slack = p.capacity - self.loads(a)
        self._dedicate_idle(a, fixed, slack)
        self._regroup(a, fixed, slack)
        self._zero_weight(a, fixed, decided)
        self._phase("repair", t0)
        better = self.lex_key(a) < self.lex_key(incumbent)
        return a if better else incumbent

    def _regroup(self, a: Ints, fixed: Bools, slack: Ints) -> None:
        """Group members the final flow left out, reseated where the group may still go.

        A group's RM is decided before the final flow from the first LP's room; customers
        displaced by the one-to-one decisions may fill it in the final flow, and the group's
        members (of no higher value) lose the tie. Afterwards: members of a group seated on
        ``r`` join it while ``r`` has room; a group with nobody seated takes the eligible RM with
        room that serves most of its members today, else the one with most room (in place).
        """
        p = self.p
        units = self.units
        n_groups = p.n_groups
        waiting = np.flatnonzero((p.group >= 0) & (a < 0) & ~fixed & (self.deg > 0) & ~p.exclusive)
        if waiting.size == 0:
            return
        for g in np.unique(p.group[waiting]).tolist():
            if g >= n_groups:
                continue
            mem = units.members[units.members_ptr[g] : units.members_ptr[g + 1]]
            on = a[mem][a[mem] >= 0]
            out = mem[(a[mem] < 0) & ~fixed[mem] & (self.deg[mem] > 0) & ~p.exclusive[mem]]
            if on.size:
                cand = [int(on[0])]
            else:
                cur = p.current[out]
                sl = [p.pairs_of(int(c)) for c in out.tolist()]
                rms = np.unique(np.concatenate([p.pair_rm[x] for x in sl]).astype(np.int64))
                rms = rms[~self.dedicated[rms] & (slack[rms] > 0)]
                if rms.size == 0:
                    continue
                today = np.array([(cur == r).sum() for r in rms.tolist()])
                order = np.lexsort((rms, -slack[rms], -today))
                cand = [int(rms[order[0]])]
            r = cand[0]
            idx = self.lookup(out, np.full(out.shape[0], r))
            ok = idx >= 0
            out, idx = out[ok], idx[ok]
            val = p.pair_value[idx]
            wt = p.pair_weight[idx]
            for i in np.lexsort((out, -val / np.maximum(wt, 1))).tolist():
                if val[i] > 0 and wt[i] <= slack[r]:
                    a[out[i]] = r
                    slack[r] -= int(wt[i])

    def _dedicate_idle(self, a: Ints, fixed: Bools, slack: Ints) -> None:
        """One-to-one units still without an RM take an eligible RM nobody uses, if any."""
        p = self.p
        units = self.units
        count = np.bincount(a[a >= 0], minlength=p.n_rms)
        waiting = [
            u
            for u in np.flatnonzero(units.exclusive).tolist()
            if not (a[units.members[units.members_ptr[u] : units.members_ptr[u + 1]]] >= 0).any()
        ]
        for u in waiting:
            mem = units.members[units.members_ptr[u] : units.members_ptr[u + 1]]
            ex = mem[p.exclusive[mem] & (self.deg[mem] > 0) & ~fixed[mem]]
            best: tuple[int, int] | None = None
            for c in ex.tolist():
                sl = p.pairs_of(c)
                for r, v, w in zip(
                    p.pair_rm[sl].tolist(),
                    p.pair_value[sl].tolist(),
                    p.pair_weight[sl].tolist(),
                    strict=True,
                ):
                    free = count[r] == 0 and not self.dedicated[r]
                    if free and v > 0 and w <= slack[r] and (best is None or v > best[0]):
                        best = (v, r)
            if best is None:
                continue
            r = best[1]
            self.dedicated[r] = True
            before = slack[r]
            self._place_unit(a, fixed, u, r, slack)
            count[r] += int(before != slack[r])

    # -- the end ---------------------------------------------------------------------------------
    def _finish(self, outcome: Outcome, fixed: Bools, balance: bool = True) -> Outcome:
        if balance and self.balance and not outcome.stopped:
            try:
                self.clock.check()
                t0 = time.monotonic()
                outcome.assignment = self._balance(outcome.assignment, fixed)
                self._phase("balance", t0)
            except Stopped as why:
                outcome.stopped = str(why)
        return outcome

    def _balance(self, a: Ints, fixed: Bools) -> Ints:
        """Re-seat the customers free to change RM (see the module docstring), convex costs."""
        p = self.p
        moved = (p.current >= 0) & (a >= 0) & (a != p.current)
        free = (a >= 0) & ~fixed & (self.units.of < 0) & ((p.current < 0) | moved)
        cust = np.flatnonzero(free)
        if cust.size < 2:
            return a
        base = a.copy()
        base[cust] = -1
        base_load = self.loads(base)
        reserved = np.where(self.dedicated, 0, -1).astype(np.int64)
        kind = np.zeros(cust.shape[0], dtype=np.int64)
        hubs = self._hubs(
            cust,
            kind,
            self.weight[cust],
            np.full(cust.shape[0], -1),
            reserved,
            np.zeros(p.n_rms, dtype=bool),
            0,
        )
        # only arcs as valuable as the RM each customer has now may be used (cover value kept)
        member_value = p.pair_value[self.lookup(hubs.members, a[hubs.members])]
        hub_min = np.full(hubs.n, np.iinfo(np.int64).max, dtype=np.int64)
        np.minimum.at(hub_min, hubs.member_hub, member_value)
        usable = hubs.arc_value >= hub_min[hubs.arc_hub]
        hubs = restrict_arcs(hubs, usable)
        seats = solve_balance(
            hubs, p.capacity, base_load, steps=_BALANCE_STEPS, growth=_BALANCE_GROWTH
        )
        if seats is None:
            return a  # the free customers do not fit even fractionally: keep the plan
        n_rms = p.n_rms
        usable = np.ones(hubs.arc_rm.shape[0], dtype=bool)
        member_rm = seat(hubs, seats, n_rms)
        trial = base.copy()
        trial[hubs.members] = member_rm
        slack = p.capacity - self.loads(trial)
        fill_greedy(hubs, member_rm, slack, usable)
        trial[hubs.members] = member_rm
        left = np.flatnonzero((trial < 0) & (a >= 0))
        if left.size:  # rounding left some out: their old RM if it still has room
            for c in left.tolist():
                r = int(a[c])
                wc = int(self.weight[c])
                if slack[r] >= wc:
                    trial[c] = r
                    slack[r] -= wc
        if (trial[cust] < 0).any() or self.violations(trial):
            return a
        if self.lex_key(trial) <= self.lex_key(a):
            return trial
        return a


def _rank_runs(key: Ints) -> Ints:
    """0, 1, 2, ... within each run of equal consecutive values of ``key``."""
    n = key.shape[0]
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    start = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    return np.arange(n, dtype=np.int64) - np.repeat(start, np.diff(np.r_[start, n]))


def gated_hub(hubs: Hubs) -> Bools:
    """The gated hubs of ``hubs`` as a mask (all False when none are)."""
    if hubs.gated is None:
        return np.zeros(hubs.n, dtype=bool)
    return hubs.gated


def _match_units(
    unit: Ints,
    hub: Ints,
    rm: Ints,
    value: Ints,
    quota: Ints,
    displaced: npt.NDArray[np.float64],
    today: Bools,
) -> list[tuple[int, int]]:
    """Units to RMs, one each way, at most ``quota[h]`` units per hub: the most value, then the
    least displaced flow, then a unit's RM today -- a min-cost flow (source -> hub -> unit ->
    RM -> sink, with a free bypass so that nobody is forced in)."""
    from ortools.graph.python import min_cost_flow

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
    mcf = min_cost_flow.SimpleMinCostFlow()
    mcf.add_arcs_with_capacity_and_unit_cost(
        tails.astype(np.int32),
        heads.astype(np.int32),
        caps.astype(np.int64),
        costs.astype(np.int64),
    )
    supply = np.zeros(sink + 1, dtype=np.int64)
    supply[src] = total
    supply[sink] = -total
    mcf.set_nodes_supplies(np.arange(sink + 1, dtype=np.int32), supply)
    if mcf.solve() != mcf.OPTIMAL:
        return []
    first = 2 * n_h + n_u
    flows = np.asarray(mcf.flows(np.arange(first, first + unit.shape[0], dtype=np.int32)))
    chosen = np.flatnonzero(flows > 0)
    return [(int(unit[i]), int(rm[i])) for i in chosen.tolist()]


def _ladder_floor(values: Ints, base: int) -> Ints:
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


def solve_flow(
    problem: Problem,
    deadline: float,
    stop: threading.Event,
    report: Callable[[str, float, float], None],
    *,
    seed: int = 0,
    workers: int = 1,
) -> Outcome:
    """Run the phases of the module docstring on ``problem`` until ``deadline``."""
    clock = _Clock(deadline, stop, report)
    stages = problem.stages
    solver = _Solver(
        problem,
        clock,
        continuity="continuity" in stages,
        balance="balance" in stages,
        seed=seed,
        workers=workers,
    )
    try:
        out = solver.run()
        out.key = solver.lex_key(out.assignment)
        return out
    except Stopped as why:
        empty = np.full(problem.n_customers, -1, dtype=np.int64)
        return Outcome(empty, stopped=str(why), timings=solver.timings)
