"""What the phases of one flow solve share: the problem's per-customer arrays, the clock, units.

The phases (:mod:`allocator.flow.solve`) are functions over one :class:`FlowState`, not methods
of one class: each reads the arrays it needs, and the few facts a later phase must know (the RMs
now dedicated to a unit, the bonus that seats required customers first, the bound, whether the
exact repair proved its optimum) are named fields here rather than attributes set in passing.

The queries (:meth:`FlowState.lookup`, :meth:`~FlowState.loads`, :meth:`~FlowState.lex_key`,
:meth:`~FlowState.violations`) live beside the arrays because every phase asks them, and at 10^6
customers they must avoid :class:`~allocator.problem.Problem`'s own helpers, which scan every
pair.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from allocator.problem import Problem

Ints = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]


class Stopped(Exception):
    """The deadline passed or the caller asked to stop before a phase could start."""


@dataclass
class Clock:
    """Deadline and stop flag, checked between phases.

    A flow solve cannot be interrupted (OR-Tools holds the GIL), so the phases ask the clock
    before they start rather than being stopped from outside.
    """

    deadline: float
    stop: threading.Event
    report: Callable[[str, float, float], None]

    def check(self) -> None:
        """Raise :class:`Stopped` when the caller stopped or the deadline passed."""
        if self.stop.is_set():
            raise Stopped("interrupted")
        if time.monotonic() >= self.deadline:
            raise Stopped("time_limit")

    def left(self) -> float:
        """Seconds to the deadline (negative once it passed)."""
        return self.deadline - time.monotonic()


@dataclass
class Units:
    """Side-rule units: a group, or a one-to-one customer outside any group.

    A unit is what the side decisions give one RM to: a group must share one, and a one-to-one
    customer alone is a unit of its own. Members are stored grouped by unit (CSR layout), so a
    unit's members are one slice.

    Attributes
    ----------
    of : numpy.ndarray of int64
        Per customer: unit index, -1 for customers outside side rules.
    n : int
        Number of units (groups first, then lone one-to-one customers).
    exclusive : numpy.ndarray of bool
        Per unit: holds a one-to-one customer.
    members_ptr, members : numpy.ndarray of int64
        Unit ``u``'s members are ``members[members_ptr[u]:members_ptr[u + 1]]``.
    """

    of: Ints
    n: int
    exclusive: Bools
    members_ptr: Ints
    members: Ints

    def members_of(self, u: int) -> Ints:
        """The members of unit ``u``."""
        return self.members[self.members_ptr[u] : self.members_ptr[u + 1]]


def build_units(p: Problem) -> Units:
    """The units of ``p``: its groups, then each one-to-one customer outside a group."""
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
    return Units(of=of, n=n, exclusive=excl, members_ptr=ptr, members=order)


@dataclass
class FlowState:
    """State shared by the phases of one solve.

    Attributes
    ----------
    problem : Problem
    clock : Clock
    continuity, balance : bool
        Whether the objective has these stages (the flow's tie-break and the last phase).
    seed, workers : int
        For the exact repair's CP-SAT solves.
    ptr, deg : numpy.ndarray of int64
        ``problem.customer_ptr`` and each customer's number of eligible RMs.
    weight : numpy.ndarray of int64
        Each customer's workload (the flow's premise: the same on all its RMs).
    best_value : numpy.ndarray of int64
        Each customer's most valuable pair (int64 min for customers without pairs).
    klass : numpy.ndarray of int64
        Customer kind (``problem.klass``; a kind of its own where it is unknown): customers of
        one kind pool into one hub.
    units : Units
    anchor : numpy.ndarray of int64
        Per customer: the RM the flows try to keep it on (keep nodes, side decisions' ties).
        Today's keepable RM (``problem.current``) -- or, when nobody has one (a first
        allocation), the start plan's: an LP anchored on a whole-customer plan stays near one,
        and rounds to whole customers with much less loss than an arbitrary optimal vertex.
        Moves are always counted against ``problem.current``.
    dedicated : numpy.ndarray of bool
        RMs a one-to-one unit has to itself (set by the side decisions, grown by
        :func:`allocator.flow.place.dedicate_idle`).
    bonus : int
        Value added to a required customer's arcs so the LP seats it before anybody else.
    bound : float
        The LP bound of the cover value, for progress reports.
    proven : bool
        The exact repair solved the whole network to optimality.
    timings : dict
        Seconds per phase.
    """

    problem: Problem
    clock: Clock
    continuity: bool
    balance: bool
    seed: int
    workers: int
    ptr: Ints
    deg: Ints
    weight: Ints
    best_value: Ints
    klass: Ints
    units: Units
    anchor: Ints
    dedicated: Bools
    bonus: int = 0
    bound: float = float("inf")
    proven: bool = False
    timings: dict[str, float] = field(default_factory=dict)

    @classmethod
    def create(
        cls,
        p: Problem,
        clock: Clock,
        continuity: bool,
        balance: bool,
        seed: int = 0,
        workers: int = 1,
    ) -> FlowState:
        """The state of a new solve of ``p``: per-customer arrays read once from the pairs."""
        ptr = p.customer_ptr
        deg = np.diff(ptr)
        has = deg > 0
        weight = np.zeros(p.n_customers, dtype=np.int64)
        weight[has] = p.pair_weight[ptr[:-1][has]]
        best_value = np.full(p.n_customers, np.iinfo(np.int64).min, dtype=np.int64)
        if p.n_pairs:
            best_value[has] = np.maximum.reduceat(p.pair_value, ptr[:-1][has])
        klass = p.klass if p.klass is not None else np.full(p.n_customers, -1, dtype=np.int32)
        kind = np.where(
            klass >= 0,
            klass.astype(np.int64),
            int(klass.max(initial=-1)) + 1 + np.arange(p.n_customers),
        )
        return cls(
            problem=p,
            clock=clock,
            continuity=continuity,
            balance=balance,
            seed=seed,
            workers=workers,
            ptr=ptr,
            deg=deg,
            weight=weight,
            best_value=best_value,
            klass=kind,
            units=build_units(p),
            anchor=p.current.astype(np.int64),
            dedicated=np.zeros(p.n_rms, dtype=bool),
        )

    # -- queries ---------------------------------------------------------------------------------
    def lookup(self, customers: Ints, rms: Ints) -> Ints:
        """Pair index of each (customer, RM), -1 where there is none (a bisection,
        :meth:`Problem.lookup_pairs`: ``Problem.pair_index`` builds a key over every pair)."""
        return self.problem.lookup_pairs(customers, rms)

    def loads(self, a: Ints) -> Ints:
        """Workload per RM (weights do not depend on the RM here)."""
        on = a >= 0
        return np.bincount(a[on], weights=self.weight[on], minlength=self.problem.n_rms).astype(
            np.int64
        )

    def moves_left(self, a: Ints) -> Ints | None:
        """Per RM, how many more of its customers today may leave it after ``a`` (-1: no cap);
        None when no RM has a cap."""
        p = self.problem
        if not p.has_move_caps:
            return None
        assert p.move_cap is not None
        moved = (p.current >= 0) & (a >= 0) & (a != p.current)
        out_of = np.bincount(p.current[moved], minlength=p.n_rms)
        return np.where(p.move_cap >= 0, np.maximum(p.move_cap - out_of, 0), -1).astype(np.int64)

    def lex_key(self, a: Ints) -> tuple[int, int, int, float]:
        """The lexicographic objective of ``a`` as a key to minimise:
        (-cover value, moves, dropped, max utilisation)."""
        p = self.problem
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
        """The hard rules, checked with the fast lookup (``Problem.violations`` is the oracle).

        ``required=False`` leaves out unassigned required customers: the locks are checked
        before anybody else is placed.
        """
        p = self.problem
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
        if p.has_move_caps:
            assert p.move_cap is not None
            moved = (p.current >= 0) & (a >= 0) & (a != p.current)
            out_of = np.bincount(p.current[moved], minlength=p.n_rms)
            if ((p.move_cap >= 0) & (out_of > p.move_cap)).any():
                out.append("move cap")
        return out

    def pairs_of(self, customers: Ints) -> tuple[Ints, Ints]:
        """(owner position in ``customers``, pair index) of every pair of ``customers``."""
        counts = self.deg[customers]
        owner = np.repeat(np.arange(customers.shape[0], dtype=np.int64), counts)
        first = np.cumsum(counts) - counts
        idx = self.ptr[customers][owner] + np.arange(owner.shape[0], dtype=np.int64) - first[owner]
        return owner, idx

    # -- bookkeeping -----------------------------------------------------------------------------
    def report(self, a: Ints) -> None:
        """Tell the caller about a new valid plan: its cover value and the LP bound."""
        self.clock.report("cover_value", float(-self.lex_key(a)[0]), self.bound)

    def timed(self, name: str, t0: float) -> None:
        """Add the seconds since ``t0`` to phase ``name``."""
        self.timings[name] = self.timings.get(name, 0.0) + time.monotonic() - t0
