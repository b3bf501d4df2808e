"""The solver-neutral problem every backend solves.

A :class:`Problem` is a generalised assignment problem (GAP) with side rules, held as flat NumPy
arrays: no Python object per customer or per eligible pair. Customers are the "jobs", RMs the
"agents". Workload and value live on the eligible *pair*, so they may depend on the RM, and a plain
GAP (OR-Library) is a special case.

Objective, lexicographic, each stage over the optimum of the ones before:

1. ``cover_value``: maximise the summed ``pair_value`` of the chosen pairs;
2. ``continuity``: minimise the number of *moved* customers: ``current[c] >= 0`` and ``c`` is
   assigned to an RM other than ``current[c]``; among plans with as few moves, minimise the
   customers *dropped* (``current[c] >= 0`` and ``c`` unassigned) -- an exact tie-break, so a
   customer is not left without an RM for an equally valued newcomer;
3. ``balance``: minimise the largest utilisation ``load[r] / capacity[r]`` over RMs with capacity.

Hard rules:

- each customer gets at most one RM, and exactly one when ``required[c]``;
- a customer can only get an RM it has a pair with;
- the summed ``pair_weight`` of an RM's customers is at most ``capacity[r]``;
- ``group[c] >= 0``: all customers of one group that get an RM get the same RM;
- ``exclusive[c]``: the RM serving ``c`` serves nobody outside ``c``'s group (one-to-one);
- ``move_cap[r] >= 0``: at most that many of RM ``r``'s customers today (``current == r``) are
  moved to another RM (contract v1.1 ``continuity.max_moved_share``).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]
Int32Array = npt.NDArray[np.int32]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True, eq=False)
class Problem:
    """A GAP with side rules (see the module docstring for the model).

    Attributes
    ----------
    customer_ids, rm_ids : numpy.ndarray of str
        Ids for reporting; positions are the indices used everywhere else.
    pair_customer, pair_rm : numpy.ndarray of int32, shape (P,)
        Eligible pairs, sorted by customer then RM, without duplicates.
    pair_weight : numpy.ndarray of int64, shape (P,)
        Workload of the pair in integer units (policy points times ``weight_scale``).
    pair_value : numpy.ndarray of int64, shape (P,)
        Cover value of choosing the pair (may be negative: a GAP cost is a negative value).
    capacity : numpy.ndarray of int64, shape (R,)
        Capacity in the same integer units as ``pair_weight``; 0 for an RM that takes nobody.
    required : numpy.ndarray of bool, shape (C,)
        Customers that must be assigned (held locks, GAP jobs).
    group : numpy.ndarray of int32, shape (C,)
        Group index of customers in a group of two or more, -1 otherwise.
    exclusive : numpy.ndarray of bool, shape (C,)
        One-to-one customers.
    current : numpy.ndarray of int32, shape (C,)
        Today's RM when keeping it is possible (it has a pair with the customer), else -1. Giving
        such a customer another RM is a *move*.
    hint : numpy.ndarray of int32, shape (C,)
        A warm start (an RM index or -1); backends may ignore it.
    klass : numpy.ndarray of int32, shape (C,), optional
        Aggregation hint: customers with the same ``klass >= 0`` have identical pairs, weights
        and values (they differ at most in ``current``, ``hint``, ``group`` and ``exclusive``);
        -1 for a customer to be treated alone. ``None`` when unknown (e.g. GAP instances).
    weight_scale : int
        ``pair_weight`` = policy workload points x ``weight_scale`` (to keep weights integral).
    stages : tuple of str
        The objective stages in order (a subset of ``cover_value``, ``continuity``, ``balance``).
    move_cap : numpy.ndarray of int64, shape (R,), optional
        Per RM, the most of its customers today that may be moved away (-1: no cap); ``None``
        when no RM has a cap.
    """

    customer_ids: npt.NDArray[np.object_]
    rm_ids: npt.NDArray[np.object_]
    pair_customer: Int32Array
    pair_rm: Int32Array
    pair_weight: IntArray
    pair_value: IntArray
    capacity: IntArray
    required: BoolArray
    group: Int32Array
    exclusive: BoolArray
    current: Int32Array
    hint: Int32Array
    klass: Int32Array | None = None
    weight_scale: int = 1
    stages: tuple[str, ...] = ("cover_value", "continuity", "balance")
    move_cap: IntArray | None = None
    _cache: dict[str, object] = field(default_factory=dict, repr=False, compare=False)

    # -- sizes -----------------------------------------------------------------------------------
    @property
    def n_customers(self) -> int:
        return int(self.customer_ids.shape[0])

    @property
    def n_rms(self) -> int:
        return int(self.rm_ids.shape[0])

    @property
    def n_pairs(self) -> int:
        return int(self.pair_customer.shape[0])

    # -- derived structure (cached) --------------------------------------------------------------
    @property
    def customer_ptr(self) -> IntArray:
        """CSR pointers: the pairs of customer ``c`` are ``customer_ptr[c]:customer_ptr[c+1]``."""
        if "customer_ptr" not in self._cache:
            counts = np.bincount(self.pair_customer, minlength=self.n_customers)
            ptr = np.zeros(self.n_customers + 1, dtype=np.int64)
            np.cumsum(counts, out=ptr[1:])
            self._cache["customer_ptr"] = ptr
        return self._cache["customer_ptr"]  # type: ignore[return-value]

    @property
    def n_groups(self) -> int:
        return int(self.group.max()) + 1 if self.n_customers and self.group.max() >= 0 else 0

    def pairs_of(self, c: int) -> slice:
        """The slice of pair arrays holding customer ``c``'s eligible RMs."""
        ptr = self.customer_ptr
        return slice(int(ptr[c]), int(ptr[c + 1]))

    def pair_index(self, customer: npt.ArrayLike, rm: npt.ArrayLike) -> IntArray:
        """Index of the pair (customer, rm) in the pair arrays, -1 where there is none."""
        cust = np.asarray(customer, dtype=np.int64)
        rms = np.asarray(rm, dtype=np.int64)
        key = self.pair_customer.astype(np.int64) * (self.n_rms + 1) + self.pair_rm
        want = cust * (self.n_rms + 1) + rms
        pos = np.searchsorted(key, want)
        pos_clipped = np.minimum(pos, max(self.n_pairs - 1, 0))
        found = (
            (pos < self.n_pairs)
            & (rms >= 0)
            & (key[pos_clipped] == want if self.n_pairs else False)
        )
        return np.where(found, pos_clipped, -1).astype(np.int64)

    @property
    def weights_per_customer(self) -> bool:
        """Whether every customer's workload is the same on all its pairs: then the capacity
        core's LP is a transportation problem (the ``flow`` backend's premise)."""
        if self.n_pairs == 0:
            return True
        ptr = self.customer_ptr
        starts = ptr[:-1][np.diff(ptr) > 0]
        # per customer min == max, two passes without a pair-sized temporary
        low = np.minimum.reduceat(self.pair_weight, starts)
        high = np.maximum.reduceat(self.pair_weight, starts)
        return bool(np.array_equal(low, high))

    def replace(self, **changes: object) -> Problem:
        """A copy with some fields changed (derived caches are dropped)."""
        changes.setdefault("_cache", {})
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]

    # -- evaluation (solver-free; used by backends, tests and benchmarks) ------------------------
    def loads(self, assignment: npt.ArrayLike) -> IntArray:
        """Workload per RM of an assignment (``assignment[c]`` an RM index or -1).

        Raises
        ------
        ValueError
            If an assigned customer has no pair with its RM.
        """
        a = np.asarray(assignment, dtype=np.int64)
        idx = self._chosen_pairs(a)
        return np.bincount(
            self.pair_rm[idx], weights=self.pair_weight[idx], minlength=self.n_rms
        ).astype(np.int64)

    def chosen_pairs(self, assignment: npt.ArrayLike) -> tuple[IntArray, IntArray]:
        """(assigned customers, the index of each one's chosen pair, -1 where it has no pair with
        its RM).

        Each chosen pair is found by bisection (:meth:`lookup_pairs`).
        """
        a = np.asarray(assignment, dtype=np.int64)
        on = np.flatnonzero(a >= 0)
        return on, self.lookup_pairs(on, a[on])

    def lookup_pairs(self, customers: npt.ArrayLike, rms: npt.ArrayLike) -> IntArray:
        """Index of the pair (customer, RM) of each query, -1 where there is none (or the RM
        is -1).

        A bisection inside each customer's slice of the pair arrays (sorted by RM), vectorised
        over the queries: :meth:`pair_index` builds a key over every pair (10^8 at 10^6
        customers), which costs seconds and gigabytes when asked for a few hundred thousand.
        """
        c = np.asarray(customers, dtype=np.int64)
        r = np.asarray(rms, dtype=np.int64)
        lo = self.customer_ptr[c].copy()
        end = self.customer_ptr[c + 1]
        hi = end.copy()
        last = max(self.n_pairs - 1, 0)
        while True:
            active = lo < hi
            if not active.any():
                break
            mid = (lo + hi) // 2
            right = active & (self.pair_rm[np.minimum(mid, last)] < r)
            lo = np.where(right, mid + 1, lo)
            hi = np.where(active & ~right, mid, hi)
        found = (lo < end) & (r >= 0)
        if self.n_pairs:
            found &= self.pair_rm[np.minimum(lo, last)] == r
        return np.where(found, lo, -1).astype(np.int64)

    def _chosen_pairs(self, a: IntArray) -> IntArray:
        assigned, idx = self.chosen_pairs(a)
        if (idx < 0).any():
            bad = assigned[idx < 0][:5]
            raise ValueError(f"customers {bad.tolist()} are assigned to RMs they have no pair with")
        return idx

    def cover_value(self, assignment: npt.ArrayLike) -> int:
        """Stage-1 objective of an assignment."""
        idx = self._chosen_pairs(np.asarray(assignment, dtype=np.int64))
        return int(self.pair_value[idx].sum())

    def moves(self, assignment: npt.ArrayLike) -> int:
        """Stage-2 objective: customers with a keepable RM today who get another one."""
        a = np.asarray(assignment, dtype=np.int64)
        return int(((self.current >= 0) & (a >= 0) & (a != self.current)).sum())

    def moving_pairs(self) -> tuple[IntArray, IntArray]:
        """The pairs that would *move* their customer (today's RM is keepable and the pair's RM
        is another one), and the RM each moves the customer away from."""
        cur = self.current[self.pair_customer]
        q = np.flatnonzero((cur >= 0) & (self.pair_rm != cur))
        return q.astype(np.int64), cur[q].astype(np.int64)

    def moved_out(self, assignment: npt.ArrayLike) -> IntArray:
        """Per RM, how many of its customers today the assignment moves to another RM."""
        a = np.asarray(assignment, dtype=np.int64)
        moved = (self.current >= 0) & (a >= 0) & (a != self.current)
        return np.bincount(self.current[moved], minlength=self.n_rms).astype(np.int64)

    @property
    def has_move_caps(self) -> bool:
        """Whether some RM has a cap on moved customers."""
        return self.move_cap is not None and bool((self.move_cap >= 0).any())

    def dropped(self, assignment: npt.ArrayLike) -> int:
        """Customers with a keepable RM today who get none (stage-2 tie-break)."""
        a = np.asarray(assignment, dtype=np.int64)
        return int(((self.current >= 0) & (a < 0)).sum())

    def max_utilisation(self, assignment: npt.ArrayLike) -> float:
        """Stage-3 objective: the largest load / capacity over RMs with capacity > 0."""
        loads = self.loads(assignment)
        has_cap = self.capacity > 0
        if not has_cap.any():
            return 0.0
        return float((loads[has_cap] / self.capacity[has_cap]).max())

    def stage_value(self, stage: str, assignment: npt.ArrayLike) -> float:
        """The objective of stage ``stage`` for an assignment, in the stage's natural sense
        (cover value, moved customers, largest utilisation)."""
        if stage == "cover_value":
            return float(self.cover_value(assignment))
        if stage == "continuity":
            return float(self.moves(assignment))
        if stage == "balance":
            return self.max_utilisation(assignment)
        raise ValueError(f"unknown objective stage {stage!r}")

    def lex_key(self, assignment: npt.ArrayLike) -> tuple[float, ...]:
        """The lexicographic objective as a key to *minimise*: the stages of :attr:`stages` in
        order (cover value negated), with the dropped-customers tie-break after continuity.
        ``min(plans, key=problem.lex_key)`` is the best plan."""
        key: list[float] = []
        for stage in self.stages:
            value = self.stage_value(stage, assignment)
            key.append(-value if stage == "cover_value" else value)
            if stage == "continuity":
                key.append(float(self.dropped(assignment)))
        return tuple(key)

    def violations(self, assignment: npt.ArrayLike) -> list[str]:
        """Hard-rule violations of an assignment against this problem (empty when feasible).

        This checks the *compiled* problem; :mod:`allocator.checker` checks a plan against the
        original policy and input, independently of compilation.
        """
        a = np.asarray(assignment, dtype=np.int64)
        out: list[str] = []
        if a.shape != (self.n_customers,):
            return [f"assignment has shape {a.shape}, expected ({self.n_customers},)"]
        if ((a < -1) | (a >= self.n_rms)).any():
            return ["assignment holds RM indices out of range"]
        _, idx = self.chosen_pairs(a)
        if (idx < 0).any():
            out.append(f"{int((idx < 0).sum())} customers assigned to an ineligible RM")
            return out
        missing = np.flatnonzero(self.required & (a < 0))
        if missing.size:
            out.append(f"{missing.size} required customers unassigned, e.g. {missing[:5].tolist()}")
        loads = np.bincount(self.pair_rm[idx], weights=self.pair_weight[idx], minlength=self.n_rms)
        over = np.flatnonzero(loads > self.capacity)
        if over.size:
            out.append(f"{over.size} RMs over capacity, e.g. {over[:5].tolist()}")
        g = self.group
        in_group = (g >= 0) & (a >= 0)
        if in_group.any():
            pairs = np.unique(np.stack([g[in_group], a[in_group]], axis=1), axis=0)
            split = np.flatnonzero(np.bincount(pairs[:, 0]) > 1)
            if split.size:
                out.append(f"{split.size} groups split across RMs, e.g. {split[:5].tolist()}")
        excl = np.flatnonzero(self.exclusive & (a >= 0))
        if excl.size:
            unit = np.where(g >= 0, g, self.n_customers + np.arange(self.n_customers))
            served = a >= 0
            units_per_rm: dict[int, set[int]] = {}
            for c in np.flatnonzero(served):
                units_per_rm.setdefault(int(a[c]), set()).add(int(unit[c]))
            bad = [int(c) for c in excl if len(units_per_rm[int(a[c])]) > 1]
            if bad:
                out.append(f"{len(bad)} one-to-one customers share their RM, e.g. {bad[:5]}")
        if self.has_move_caps:
            assert self.move_cap is not None
            over_cap = np.flatnonzero((self.move_cap >= 0) & (self.moved_out(a) > self.move_cap))
            if over_cap.size:
                out.append(f"{over_cap.size} RMs lose more customers than their move cap")
        return out


def trivial_bound(problem: Problem, stage: str) -> float:
    """A bound on ``stage`` that needs no solve: each customer's best pair for the cover value
    (no less than 0 unless the customer is required), 0 for moves and utilisation."""
    if stage != "cover_value" or problem.n_pairs == 0:
        return 0.0
    ptr = problem.customer_ptr
    has = ptr[1:] > ptr[:-1]
    best = np.maximum.reduceat(problem.pair_value, ptr[:-1][has])
    return float(np.where(problem.required[has], best, np.maximum(best, 0)).sum())
