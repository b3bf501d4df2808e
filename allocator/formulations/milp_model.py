"""The MILP formulation: the allocation as a mixed-integer linear program, built as arrays.

Model (columns ``[x | y | d | u]``, rows as one sparse matrix built with NumPy, no per-pair Python
loop):

- ``x[k, r]`` per class ``k`` of interchangeable customers and eligible RM ``r``: how many of the
  class go to ``r`` (:mod:`allocator.formulations.classes`; a class of one is a binary per
  pair, and without aggregation every customer is alone); per class ``sum x <= size`` (``=``
  when required);
- capacity: ``sum(weight[p] * x[p]) <= capacity[r]``, written only where it can bind;
- groups: ``y[g, r]`` binary per (group, RM) that has a pair; ``x[p] <= y[g, r]`` for the group's
  pairs (the disaggregated link: a tighter LP than ``sum x <= n * y``) and ``sum_r y[g, r] <= 1``;
- one-to-one: ``d[r]`` binary per RM with an exclusive pair; ``x[p] <= d[r]`` for exclusive pairs,
  and the indicator-free form ``sum(units at r) <= 1 + M_r * (1 - d[r])`` with ``M_r`` = units at
  ``r`` minus one, a *unit* being a group (its ``y``) or a customer outside any group (its ``x``);
- balance: ``u`` continuous, ``sum(weight / capacity * x) <= u`` per RM with capacity (the rows
  are added for the balance stage only, so the first stages solve a smaller model).

The objective of each solver run (a *step*) is a cost vector (:meth:`MilpModel.step_cost`); the
steps of a stage and holding each stage's value are :mod:`allocator.engines.mip`'s job, running a
solver is :mod:`allocator.engines.highs`' and :mod:`allocator.engines.cbc`'s. Two refinements make
the stages suit a MIP solver, both exact:

- continuity is two solver runs, fewest moved then (moves fixed) fewest dropped, with 0/1 costs,
  instead of CP-SAT's single objective with weight ``keepable + 1``;
- when continuity follows, the cover-value run breaks its ties by moves (``value / g * (K + 1) -
  moved``, see :func:`_tie_break`), so a proven first run settles the moves too and the
  continuity stage starts from a plan with few moves -- HiGHS's heuristics do not find one from a
  cover-only optimum.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from allocator.formulations.classes import Classes, build_classes
from allocator.problem import Problem, trivial_bound

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]

INF = math.inf
#: largest weighted cover-value objective for which the moves tie-break is used (see _tie_break)
TIE_BREAK_MAX = 1e8


@dataclass(frozen=True)
class Rows:
    """A block of linear rows ``lower <= A @ cols <= upper`` with ``A`` in CSR form.

    Attributes
    ----------
    start : numpy.ndarray of int64, shape (n + 1,)
        Row ``i`` holds entries ``start[i]:start[i + 1]`` of ``index`` and ``value``.
    index : numpy.ndarray of int32
        Column of each entry.
    value : numpy.ndarray of float64
        Coefficient of each entry.
    lower, upper : numpy.ndarray of float64, shape (n,)
        Row bounds (``-inf``/``inf`` for a one-sided row).
    """

    start: Ints
    index: npt.NDArray[np.int32]
    value: Floats
    lower: Floats
    upper: Floats

    @property
    def n_rows(self) -> int:
        return int(self.lower.shape[0])

    @property
    def n_nz(self) -> int:
        return int(self.index.shape[0])

    @staticmethod
    def from_coo(
        row: npt.ArrayLike,
        col: npt.ArrayLike,
        val: npt.ArrayLike,
        lower: npt.ArrayLike,
        upper: npt.ArrayLike,
    ) -> Rows:
        """Rows from triplets (``row`` numbers the rows 0..n-1, in any order)."""
        r = np.asarray(row, dtype=np.int64)
        lo = np.asarray(lower, dtype=np.float64)
        order = np.argsort(r, kind="stable")
        start = np.zeros(lo.shape[0] + 1, dtype=np.int64)
        np.cumsum(np.bincount(r, minlength=lo.shape[0]), out=start[1:])
        return Rows(
            start=start,
            index=np.asarray(col, dtype=np.int32)[order],
            value=np.asarray(val, dtype=np.float64)[order],
            lower=lo,
            upper=np.broadcast_to(np.asarray(upper, dtype=np.float64), lo.shape).copy(),
        )

    @staticmethod
    def empty() -> Rows:
        return Rows.from_coo([], [], [], np.zeros(0), np.zeros(0))

    @staticmethod
    def stack(blocks: Sequence[Rows]) -> Rows:
        """The blocks one under the other."""
        if not blocks:
            return Rows.empty()
        offsets = np.cumsum([0] + [b.n_nz for b in blocks[:-1]])
        starts = [b.start[:-1] + off for b, off in zip(blocks, offsets, strict=True)]
        total = sum(b.n_nz for b in blocks)
        return Rows(
            start=np.concatenate([*starts, [total]]).astype(np.int64),
            index=np.concatenate([b.index for b in blocks]).astype(np.int32),
            value=np.concatenate([b.value for b in blocks]),
            lower=np.concatenate([b.lower for b in blocks]),
            upper=np.concatenate([b.upper for b in blocks]),
        )


@dataclass(frozen=True)
class MilpModel:
    """The MILP of one problem: columns, rows, and the cost vector of every stage.

    Attributes
    ----------
    problem : Problem
        What the model encodes.
    classes : Classes
        The ``x`` columns: one per (class of interchangeable customers, RM), counting how many
        of the class go there (:mod:`allocator.formulations.classes`; without aggregation one
        binary per pair).
    col_lower, col_upper : numpy.ndarray of float64
        Column bounds; ``integer`` marks the binaries.
    rows : Rows
        Every hard rule.
    balance_rows : Rows
        ``load / capacity <= u`` per RM with capacity, added for the balance stage.
    y_key : numpy.ndarray of int64
        ``group * n_rms + rm`` of each ``y`` column (sorted), at columns ``y_start + i``.
    d_rm : numpy.ndarray of int64
        RM of each ``d`` column (sorted), at columns ``d_start + i``.
    o_key : numpy.ndarray of int64
        ``group * n_rms + rm`` of each ``o`` column (a group's one-to-one member served at an
        RM that can be dedicated; sorted), at columns ``o_start + i``.
    u_col : int
        The column of the largest utilisation.
    keepable : int
        Customers with a keepable RM today (the continuity tie-break weight is ``keepable + 1``).
    infeasible_required : bool
        A required customer has no pair at all (the problem is infeasible).
    """

    problem: Problem
    classes: Classes
    col_lower: Floats
    col_upper: Floats
    integer: npt.NDArray[np.bool_]
    rows: Rows
    balance_rows: Rows
    y_key: Ints
    y_start: int
    d_rm: Ints
    d_start: int
    o_key: Ints
    o_start: int
    u_col: int
    keepable: int
    infeasible_required: bool
    tie_break: bool = False
    value_gcd: int = 1

    def cover_of(self, step_objective: float, *, bound: bool) -> float:
        """The cover value behind a ``cover_value`` step objective (or bound): the objective
        itself, or with the moves tie-break ``W = V / g * (K + 1) - M`` (``0 <= M <= K``),
        ``V = g * ceil(W / (K + 1))``, and for a bound ``V <= g * floor((W + K) / (K + 1))``."""
        if not math.isfinite(step_objective):
            return step_objective  # no bound yet (HiGHS reports +-inf before its first LP)
        if not self.tie_break:
            return float(math.floor(step_objective + 1e-6)) if bound else step_objective
        k1 = self.keepable + 1
        if bound:
            return float(self.value_gcd * math.floor((step_objective + k1 - 1) / k1 + 1e-9))
        return float(self.value_gcd * math.ceil(step_objective / k1 - 1e-9))

    @property
    def n_cols(self) -> int:
        return int(self.col_lower.shape[0])

    # -- objectives ------------------------------------------------------------------------------
    def step_cost(self, step: str) -> tuple[Floats, bool]:
        """The cost vector of a solve step and whether it is maximised.

        Steps: ``cover_value``; ``moves`` then ``dropped`` (the continuity stage: fewest moved,
        then, with the moves fixed, fewest dropped -- the exact tie-break as two solves with 0/1
        costs rather than one with weights ``keepable + 1``, which MIP solvers handle far worse);
        ``balance``.
        """
        cost = np.zeros(self.n_cols)
        cl = self.classes
        nx, value, rm = cl.n_cols, cl.col_value, cl.col_rm
        cur = self.problem.current[cl.col_customer]
        if step == "cover_value":
            cost[:nx] = value
            if self.tie_break:  # value / g * (K + 1) - moved: cover first, moves exactly next
                moved = (cur >= 0) & (rm != cur)
                cost[:nx] = value // self.value_gcd * (self.keepable + 1) - moved
            return cost, True
        if step == "moves":
            cost[:nx] = (cur >= 0) & (rm != cur)
            return cost, False
        if step == "dropped":  # dropped - keepable = -(keepable customers with an RM)
            cost[:nx] = -(cur >= 0).astype(np.float64)
            return cost, False
        if step == "balance":
            cost[self.u_col] = 1.0
            return cost, False
        raise ValueError(f"unknown objective step {step!r}")

    def step_value(self, step: str, assignment: Ints) -> float:
        """The step objective of an assignment, exactly (what ``step_cost`` sums to)."""
        p = self.problem
        if step == "cover_value":
            if self.tie_break:
                weighted = p.cover_value(assignment) // self.value_gcd * (self.keepable + 1)
                return float(weighted - p.moves(assignment))
            return float(p.cover_value(assignment))
        if step == "moves":
            return float(p.moves(assignment))
        if step == "dropped":
            return float(p.dropped(assignment) - self.keepable)
        return p.max_utilisation(assignment)

    # -- assignments <-> columns ----------------------------------------------------------------
    def columns(self, assignment: Ints) -> Floats:
        """The full column vector of a valid assignment (a MIP start)."""
        p = self.problem
        a = np.asarray(assignment, dtype=np.int64)
        out = np.zeros(self.n_cols)
        assigned = np.flatnonzero(a >= 0)
        out[: self.classes.n_cols] = self.classes.counts(a)
        members = assigned[p.group[assigned] >= 0]
        if members.size and self.y_key.size:
            key = p.group[members].astype(np.int64) * p.n_rms + a[members]
            out[self.y_start + np.searchsorted(self.y_key, key)] = 1.0
        served = assigned[p.exclusive[assigned]]
        if served.size and self.d_rm.size:
            out[self.d_start + np.searchsorted(self.d_rm, a[served])] = 1.0
        owners = served[p.group[served] >= 0]
        if owners.size and self.o_key.size:
            key = p.group[owners].astype(np.int64) * p.n_rms + a[owners]
            out[self.o_start + np.searchsorted(self.o_key, key)] = 1.0
        out[self.u_col] = p.max_utilisation(a)
        return out

    def assignment(self, values: npt.ArrayLike, reference: npt.ArrayLike | None = None) -> Ints:
        """The assignment a column vector encodes: the ``x`` counts (rounded) spread over each
        class's members, who keep their RM in ``reference`` (default: the problem's hint) where
        the counts allow (:meth:`Classes.disaggregate`)."""
        x = np.asarray(values, dtype=np.float64)[: self.classes.n_cols]
        ref = self.problem.hint if reference is None else reference
        return self.classes.disaggregate(x, ref)

    def fix_row(self, step: str, value: float) -> Rows:
        """The row keeping ``step`` at its best value (integral: a half keeps it exact)."""
        cost, maximise = self.step_cost(step)
        cols = np.flatnonzero(cost)
        if cols.size == 0:  # nothing to keep (e.g. nobody has an RM today)
            return Rows.empty()
        lower, upper = (value - 0.5, INF) if maximise else (-INF, value + 0.5)
        return Rows.from_coo(np.zeros(cols.size), cols, cost[cols], [lower], [upper])


def build_model(problem: Problem, aggregate: bool = True) -> MilpModel:
    """The MILP of ``problem`` (see the module docstring), vectorised over pairs.

    With ``aggregate``, interchangeable customers share one integer column per RM
    (:mod:`allocator.formulations.classes`): the same optimum, far less symmetry to branch on.
    """
    keepable = int((problem.current >= 0).sum())
    gcd = int(np.gcd.reduce(np.abs(problem.pair_value))) if problem.n_pairs else 1
    gcd = max(gcd, 1)
    cl = build_classes(problem, aggregate)
    y_start = cl.n_cols
    y_key, y_rows = _group_rows(cl, y_start)
    d_start = y_start + y_key.size
    d_rm, o_key, d_rows = _one_to_one_rows(cl, y_key, y_start, d_start)
    o_start = d_start + d_rm.size
    u_col = o_start + o_key.size
    n_cols = u_col + 1
    counts = np.diff(problem.customer_ptr)
    rows = Rows.stack([_customer_rows(cl), _capacity_rows(cl), y_rows, d_rows, _move_cap_rows(cl)])
    integer = np.ones(n_cols, dtype=bool)
    integer[u_col] = False
    upper = np.ones(n_cols)
    upper[: cl.n_cols] = cl.col_size
    upper[u_col] = INF
    return MilpModel(
        problem=problem,
        classes=cl,
        col_lower=np.zeros(n_cols),
        col_upper=upper,
        integer=integer,
        rows=rows,
        balance_rows=_balance_rows(cl, u_col),
        y_key=y_key,
        y_start=y_start,
        d_rm=d_rm,
        d_start=d_start,
        o_key=o_key,
        o_start=o_start,
        u_col=u_col,
        keepable=keepable,
        infeasible_required=bool((problem.required & (counts == 0)).any()),
        tie_break=_tie_break(problem, keepable, gcd),
        value_gcd=gcd,
    )


def _tie_break(p: Problem, keepable: int, gcd: int) -> bool:
    """Whether the cover-value step should break its ties by moves.

    When continuity follows cover value, the first step maximises ``value / g * (K + 1) - moved``
    (``g`` the gcd of the values, ``K`` the customers with a keepable RM): exact, since one unit
    of ``value / g`` outweighs every possible number of moves, and it hands the continuity stage
    a start with few moves -- which MIP heuristics otherwise fail to find (on a 10,000-customer
    bank HiGHS stayed at 375 moves where the tie-broken step reaches 68, proven). Only while the
    weighted objective stays small enough (:data:`TIE_BREAK_MAX`) for an absolute gap below one
    to be trusted in floating point.
    """
    stages = tuple(p.stages)
    if keepable == 0 or "cover_value" not in stages or "continuity" not in stages:
        return False
    if stages.index("continuity") != stages.index("cover_value") + 1 or p.n_pairs == 0:
        return False
    ptr = p.customer_ptr
    has = ptr[1:] > ptr[:-1]
    top = np.maximum.reduceat(np.abs(p.pair_value), ptr[:-1][has])
    return float(top.sum()) / gcd * (keepable + 1) + keepable <= TIE_BREAK_MAX


def _customer_rows(cl: Classes) -> Rows:
    """At most one RM per customer -- for a class, at most its size placed -- and exactly that
    when required (single-column optional classes need no row: the column bound says it)."""
    p = cl.problem
    counts = np.bincount(cl.col_class, minlength=cl.n_classes)
    required = p.required[cl.rep]
    need = (counts >= 2) | (required & (counts >= 1))
    rank = _rm_rank(need)
    q = np.flatnonzero(need[cl.col_class])
    size = cl.size[need].astype(np.float64)
    lower = np.where(required[need], size, -INF)
    return Rows.from_coo(rank[cl.col_class[q]], q, np.ones(q.size), lower, size)


def _rm_rank(mask: npt.NDArray[np.bool_]) -> Ints:
    rank = np.full(mask.shape[0], -1, dtype=np.int64)
    rank[mask] = np.arange(int(mask.sum()))
    return rank


def _capacity_rows(cl: Classes) -> Rows:
    """Capacity rows, only for RMs whose eligible workload exceeds their capacity."""
    p = cl.problem
    rm, weight = cl.col_rm, cl.col_weight
    total = np.bincount(rm, weights=weight * cl.col_size, minlength=p.n_rms)
    binding = total > p.capacity
    rank = _rm_rank(binding)
    q = np.flatnonzero(binding[rm])
    upper = p.capacity[binding].astype(np.float64)
    return Rows.from_coo(rank[rm[q]], q, weight[q], np.full(upper.size, -INF), upper)


def _group_rows(cl: Classes, y_start: int) -> tuple[Ints, Rows]:
    """``y[g, r]`` keys, links ``x <= y`` and one RM per group (group members are never
    aggregated: their columns are binaries)."""
    p = cl.problem
    col_rm = cl.col_rm
    pair_group = p.group[cl.col_customer].astype(np.int64)
    q = np.flatnonzero(pair_group >= 0)
    if q.size == 0:
        return np.zeros(0, dtype=np.int64), Rows.empty()
    keys, inv = np.unique(pair_group[q] * p.n_rms + col_rm[q], return_inverse=True)
    link = Rows.from_coo(
        np.repeat(np.arange(q.size), 2),
        np.column_stack([q, y_start + inv]).ravel(),
        np.tile([1.0, -1.0], q.size),
        np.full(q.size, -INF),
        0.0,
    )
    y_group = keys // p.n_rms
    multi = np.bincount(y_group)[y_group] >= 2
    groups_rank = _rm_rank(np.bincount(y_group[multi], minlength=int(y_group.max()) + 1) > 0)
    j = np.flatnonzero(multi)
    n_amo = int((groups_rank >= 0).sum())
    one = Rows.from_coo(
        groups_rank[y_group[j]], y_start + j, np.ones(j.size), np.full(n_amo, -INF), 1.0
    )
    return keys, Rows.stack([link, one])


def _pair_rows(a: Ints, b: Ints, coef_b: npt.ArrayLike, upper: npt.ArrayLike) -> Rows:
    """One row per (a[i], b[i]): ``col a + coef_b[i] * col b <= upper[i]``."""
    coef = np.broadcast_to(np.asarray(coef_b, dtype=np.float64), a.shape)
    return Rows.from_coo(
        np.repeat(np.arange(a.size), 2),
        np.column_stack([a, b]).ravel(),
        np.column_stack([np.ones(a.size), coef]).ravel(),
        np.full(a.size, -INF),
        np.broadcast_to(np.asarray(upper, dtype=np.float64), a.shape),
    )


def _one_to_one_rows(
    cl: Classes, y_key: Ints, y_start: int, d_start: int
) -> tuple[Ints, Ints, Rows]:
    """``d[r]`` per RM with an exclusive pair, ``o[g, r]`` per group with a one-to-one member
    and such an RM: a dedicated RM serves one unit only. Returns (``d`` RMs, ``o`` keys, rows).

    The disaggregated form (a tighter LP than one big-M row over every unit of an RM, which made
    HiGHS branch for minutes on banks with many key accounts). A *unit* is a group (its ``y``) or
    a customer outside any group (its ``x``); it is *exclusive* when it holds a one-to-one
    customer, and ``o[g, r]`` says that group ``g``'s one-to-one member is served at ``r`` (a
    group's one-to-one member may stay without an RM while the others are served). At an RM
    that can be dedicated:

    - ``x <= d`` for every exclusive pair, and ``x <= o[g, r] <= min(y[g, r], d[r])`` for those
      of a group (serving a one-to-one customer dedicates the RM and owns it);
    - every non-exclusive unit: ``column + d <= 1`` (a dedicated RM serves none of them); for a
      class of ``n`` interchangeable customers ``z + n * d <= n``, the sum of its members' rows;
    - every exclusive group: ``y[g, r] + d[r] - o[g, r] <= 1`` (at a dedicated RM only as owner);
    - owners: the exclusive lone customers' ``x`` plus the ``o`` sum to at most 1.

    One-to-one customers and groups are never aggregated, so every column named here but the
    plain units' is a binary of one customer.
    """
    p = cl.problem
    col_rm, col_cust = cl.col_rm, cl.col_customer
    eq = np.flatnonzero(p.exclusive[col_cust])
    if eq.size == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), Rows.empty()
    d_rm, dinv = np.unique(col_rm[eq], return_inverse=True)
    o_start = d_start + d_rm.size
    drank = np.full(p.n_rms, -1, dtype=np.int64)
    drank[d_rm] = np.arange(d_rm.size)
    excl_group = np.zeros(max(p.n_groups, 1), dtype=bool)
    members = np.flatnonzero((p.group >= 0) & p.exclusive)
    excl_group[p.group[members]] = True
    y_rm = y_key % p.n_rms if y_key.size else y_key
    y_group = y_key // p.n_rms if y_key.size else y_key
    o_pos = np.flatnonzero((drank[y_rm] >= 0) & excl_group[y_group]) if y_key.size else y_key
    o_key = y_key[o_pos]
    blocks: list[Rows] = [_pair_rows(eq, d_start + dinv, -1.0, 0.0)]  # x <= d
    grouped_eq = eq[p.group[col_cust[eq]] >= 0]
    if grouped_eq.size:  # x <= o[g, r]
        key = p.group[col_cust[grouped_eq]].astype(np.int64) * p.n_rms + col_rm[grouped_eq]
        blocks.append(_pair_rows(grouped_eq, o_start + np.searchsorted(o_key, key), -1.0, 0.0))
    if o_key.size:  # o <= y, o <= d
        o_cols = o_start + np.arange(o_key.size)
        blocks.append(_pair_rows(o_cols, y_start + o_pos, -1.0, 0.0))
        blocks.append(_pair_rows(o_cols, d_start + drank[y_rm[o_pos]], -1.0, 0.0))
    single = np.flatnonzero((p.group[col_cust] < 0) & (drank[col_rm] >= 0))
    lone_plain = single[~p.exclusive[col_cust[single]]]
    size = cl.col_size[lone_plain]
    blocks.append(_pair_rows(lone_plain, d_start + drank[col_rm[lone_plain]], size, size))
    if y_key.size:
        at = np.flatnonzero(drank[y_rm] >= 0)
        plain_groups = at[~excl_group[y_group[at]]]
        blocks.append(
            _pair_rows(y_start + plain_groups, d_start + drank[y_rm[plain_groups]], 1.0, 1.0)
        )
    if o_key.size:  # y + d - o <= 1
        r = drank[y_rm[o_pos]]
        blocks.append(
            Rows.from_coo(
                np.repeat(np.arange(o_pos.size), 3),
                np.column_stack(
                    [y_start + o_pos, d_start + r, o_start + np.arange(o_pos.size)]
                ).ravel(),
                np.tile([1.0, 1.0, -1.0], o_pos.size),
                np.full(o_pos.size, -INF),
                1.0,
            )
        )
    lone_excl = single[p.exclusive[col_cust[single]]]
    owner_rm = np.concatenate(
        [drank[col_rm[lone_excl]], drank[y_rm[o_pos]] if o_key.size else []]
    ).astype(np.int64)
    owner_col = np.concatenate([lone_excl, o_start + np.arange(o_key.size)]).astype(np.int64)
    many = np.bincount(owner_rm, minlength=d_rm.size) > 1
    rank = _rm_rank(many)
    sel = many[owner_rm]
    blocks.append(
        Rows.from_coo(
            rank[owner_rm[sel]],
            owner_col[sel],
            np.ones(int(sel.sum())),
            np.full(int(many.sum()), -INF),
            1.0,
        )
    )
    return d_rm, o_key, Rows.stack(blocks)


def _move_cap_rows(cl: Classes) -> Rows:
    """At most ``move_cap[r]`` of RM ``r``'s customers today go to another RM (rows only where
    the cap can bind). A class shares its RM of today, so its columns count its moves."""
    p = cl.problem
    if not p.has_move_caps:
        return Rows.empty()
    assert p.move_cap is not None
    cur = p.current[cl.col_customer].astype(np.int64)
    q = np.flatnonzero((cur >= 0) & (cl.col_rm != cur))
    from_rm = cur[q]
    most = np.bincount(from_rm, weights=cl.col_size[q], minlength=p.n_rms)
    binding = (p.move_cap >= 0) & (most > p.move_cap)
    rank = _rm_rank(binding)
    sel = binding[from_rm]
    upper = p.move_cap[binding].astype(np.float64)
    return Rows.from_coo(
        rank[from_rm[sel]], q[sel], np.ones(int(sel.sum())), np.full(upper.size, -INF), upper
    )


def _balance_rows(cl: Classes, u_col: int) -> Rows:
    """``sum(weight / capacity * x) - u <= 0`` per RM with capacity and some workload."""
    p = cl.problem
    col_rm, weight = cl.col_rm, cl.col_weight
    has_cap = p.capacity > 0
    q = np.flatnonzero(has_cap[col_rm] & (weight > 0))
    rms = np.unique(col_rm[q])
    rank = np.full(p.n_rms, -1, dtype=np.int64)
    rank[rms] = np.arange(rms.size)
    coef = weight[q] / p.capacity[col_rm[q]]
    return Rows.from_coo(
        np.concatenate([rank[col_rm[q]], np.arange(rms.size)]),
        np.concatenate([q, np.full(rms.size, u_col)]),
        np.concatenate([coef, -np.ones(rms.size)]),
        np.full(rms.size, -INF),
        0.0,
    )


def cover_bound(model: MilpModel, solver_bound: float) -> float:
    """An upper bound on the cover value: the solver's, or each customer's best pair when the
    solver has none."""
    if math.isfinite(solver_bound):
        return model.cover_of(solver_bound, bound=True)
    return trivial_bound(model.problem, "cover_value")
