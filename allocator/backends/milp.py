"""The MILP backends: the CP-SAT model as a mixed-integer linear program, for HiGHS and for CBC.

Model (columns ``[x | y | d | u]``, rows as one sparse matrix built with NumPy, no per-pair Python
loop):

- ``x[p]`` binary per eligible pair; per customer ``sum x <= 1`` (``= 1`` when required);
- capacity: ``sum(weight[p] * x[p]) <= capacity[r]``, written only where it can bind;
- groups: ``y[g, r]`` binary per (group, RM) that has a pair; ``x[p] <= y[g, r]`` for the group's
  pairs (the disaggregated link: a tighter LP than ``sum x <= n * y``) and ``sum_r y[g, r] <= 1``;
- one-to-one: ``d[r]`` binary per RM with an exclusive pair; ``x[p] <= d[r]`` for exclusive pairs,
  and the indicator-free form ``sum(units at r) <= 1 + M_r * (1 - d[r])`` with ``M_r`` = units at
  ``r`` minus one, a *unit* being a group (its ``y``) or a customer outside any group (its ``x``);
- balance: ``u`` continuous, ``sum(weight / capacity * x) <= u`` per RM with capacity (the rows
  are added for the balance stage only, so the first stages solve a smaller model).

The objective is lexicographic and solved in stages as :mod:`allocator.backends.cpsat` does --
cover value, then continuity, then the largest utilisation -- each stage fixing the best value
found (``objective >= best - 0.5`` or ``<= best + 0.5``: the objectives are integral, so the half
keeps the row exact and tolerant of floating point) and starting from the previous assignment.
Two refinements, both exact, make the stages suit a MIP solver:

- continuity is two solver runs, fewest moved then (moves fixed) fewest dropped, with 0/1 costs,
  instead of CP-SAT's single objective with weight ``keepable + 1``;
- when continuity follows, the cover-value run breaks its ties by moves (``value / g * (K + 1) -
  moved``, see :func:`_tie_break`), so a proven first run settles the moves too and the
  continuity stage starts from a plan with few moves -- HiGHS's heuristics do not find one from a
  cover-only optimum.

Two interfaces, one model
-------------------------
``milp`` passes the matrix straight to HiGHS through highspy (``Highs.passModel`` of the CSR
arrays). PuLP's HiGHS interface builds from an ``LpProblem`` with one ``addCol``/``addRow`` call
per column and row. Measured on a 25,000-customer generated bank (96,869 pairs, 99,636 columns,
274,252 non-zeros; 2 shared cores): arrays 0.07 s + ``passModel`` 0.02 s, against 3.9 s for the
PuLP ``LpProblem`` + 18.9 s for PuLP's HiGHS build, per stage (PuLP rebuilds the solver model
on every solve); PuLP's interface also takes no MIP start and reports no bound, so both would
need highspy calls anyway. So ``milp`` uses highspy directly (and falls back to CBC when
highspy does not load). ``milp-cbc`` goes through PuLP: the model is a PuLP ``LpProblem`` (rows
from ``LpAffineExpression`` of zipped columns), PuLP writes the MPS (5.1 s on the same bank) and
the MIP start and reads the solution; the process is PuLP's bundled CBC binary, launched here
rather than by ``COIN_CMD.solve`` so that a stop request can interrupt it (SIGINT: CBC stops and
writes its best solution) and its log can be read for the bound PuLP does not report.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import re
import signal
import subprocess
import tempfile
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, ClassVar, Literal

import numpy as np
import numpy.typing as npt

from allocator.backends.base import Backend, Progress, SolveControl, register
from allocator.backends.cpsat import STAGE_SHARE
from allocator.decomposition import trivial_bound
from allocator.heuristics.greedy import greedy_assignment
from allocator.highs import highs_threads, highspy_module
from allocator.problem import Problem
from allocator.solution import Solution, SolutionStatus, SolveOptions, StageResult, Termination

log = logging.getLogger(__name__)

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]
RunKind = Literal["optimal", "feasible", "infeasible", "unknown", "error"]

INF = math.inf
#: the solver runs of each stage (continuity: fewest moved, then fewest dropped)
STEPS = {
    "cover_value": ("cover_value",),
    "continuity": ("moves", "dropped"),
    "balance": ("balance",),
}
#: share of a stage's time its first step may use when another follows (the tie-break is quick)
STEP_SHARE = 0.8
#: largest weighted cover-value objective for which the moves tie-break is used (see _tie_break)
TIE_BREAK_MAX = 1e8


# ------------------------------------------------------------------------------------------------
# the model as arrays
# ------------------------------------------------------------------------------------------------
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
    u_col : int
        The column of the largest utilisation.
    keepable : int
        Customers with a keepable RM today (the continuity tie-break weight is ``keepable + 1``).
    infeasible_required : bool
        A required customer has no pair at all (the problem is infeasible).
    """

    problem: Problem
    col_lower: Floats
    col_upper: Floats
    integer: npt.NDArray[np.bool_]
    rows: Rows
    balance_rows: Rows
    y_key: Ints
    y_start: int
    d_rm: Ints
    d_start: int
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
        p = self.problem
        cur = p.current[p.pair_customer]
        if step == "cover_value":
            cost[: p.n_pairs] = p.pair_value
            if self.tie_break:  # value / g * (K + 1) - moved: cover first, moves exactly next
                moved = (cur >= 0) & (p.pair_rm != cur)
                cost[: p.n_pairs] = p.pair_value // self.value_gcd * (self.keepable + 1) - moved
            return cost, True
        if step == "moves":
            cost[: p.n_pairs] = (cur >= 0) & (p.pair_rm != cur)
            return cost, False
        if step == "dropped":  # dropped - keepable = -(keepable customers with an RM)
            cost[: p.n_pairs] = -(cur >= 0).astype(np.float64)
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
        idx = p.pair_index(assigned, a[assigned])
        out[idx[idx >= 0]] = 1.0
        members = assigned[p.group[assigned] >= 0]
        if members.size and self.y_key.size:
            key = p.group[members].astype(np.int64) * p.n_rms + a[members]
            out[self.y_start + np.searchsorted(self.y_key, key)] = 1.0
        served = assigned[p.exclusive[assigned]]
        if served.size and self.d_rm.size:
            out[self.d_start + np.searchsorted(self.d_rm, a[served])] = 1.0
        out[self.u_col] = p.max_utilisation(a)
        return out

    def assignment(self, values: npt.ArrayLike) -> Ints:
        """The assignment a column vector encodes (``x > 0.5``)."""
        p = self.problem
        x = np.asarray(values, dtype=np.float64)[: p.n_pairs] > 0.5
        out = np.full(p.n_customers, -1, dtype=np.int64)
        out[p.pair_customer[x]] = p.pair_rm[x]
        return out

    def fix_row(self, step: str, value: float) -> Rows:
        """The row keeping ``step`` at its best value (integral: a half keeps it exact)."""
        cost, maximise = self.step_cost(step)
        cols = np.flatnonzero(cost)
        if cols.size == 0:  # nothing to keep (e.g. nobody has an RM today)
            return Rows.empty()
        lower, upper = (value - 0.5, INF) if maximise else (-INF, value + 0.5)
        return Rows.from_coo(np.zeros(cols.size), cols, cost[cols], [lower], [upper])


def build_model(problem: Problem) -> MilpModel:
    """The MILP of ``problem`` (see the module docstring), vectorised over pairs."""
    keepable = int((problem.current >= 0).sum())
    gcd = int(np.gcd.reduce(np.abs(problem.pair_value))) if problem.n_pairs else 1
    gcd = max(gcd, 1)
    n_pairs = problem.n_pairs
    y_key, y_rows = _group_rows(problem, n_pairs)
    y_start = n_pairs
    d_start = y_start + y_key.size
    d_rm, d_rows = _one_to_one_rows(problem, y_key, y_start, d_start)
    u_col = d_start + d_rm.size
    n_cols = u_col + 1
    counts = np.diff(problem.customer_ptr)
    rows = Rows.stack([_customer_rows(problem), _capacity_rows(problem), y_rows, d_rows])
    integer = np.ones(n_cols, dtype=bool)
    integer[u_col] = False
    upper = np.ones(n_cols)
    upper[u_col] = INF
    return MilpModel(
        problem=problem,
        col_lower=np.zeros(n_cols),
        col_upper=upper,
        integer=integer,
        rows=rows,
        balance_rows=_balance_rows(problem, u_col),
        y_key=y_key,
        y_start=y_start,
        d_rm=d_rm,
        d_start=d_start,
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


def _customer_rows(p: Problem) -> Rows:
    """At most one RM per customer, exactly one when required (single-pair optional customers
    need no row: the column bound says it)."""
    counts = np.diff(p.customer_ptr)
    need = (counts >= 2) | (p.required & (counts >= 1))
    cust = np.flatnonzero(need)
    rank = np.full(p.n_customers, -1, dtype=np.int64)
    rank[cust] = np.arange(cust.size)
    q = np.flatnonzero(need[p.pair_customer])
    lower = np.where(p.required[cust], 1.0, -INF)
    return Rows.from_coo(rank[p.pair_customer[q]], q, np.ones(q.size), lower, 1.0)


def _rm_rank(mask: npt.NDArray[np.bool_]) -> Ints:
    rank = np.full(mask.shape[0], -1, dtype=np.int64)
    rank[mask] = np.arange(int(mask.sum()))
    return rank


def _capacity_rows(p: Problem) -> Rows:
    """Capacity rows, only for RMs whose eligible workload exceeds their capacity."""
    total = np.bincount(p.pair_rm, weights=p.pair_weight, minlength=p.n_rms)
    binding = total > p.capacity
    rank = _rm_rank(binding)
    q = np.flatnonzero(binding[p.pair_rm])
    upper = p.capacity[binding].astype(np.float64)
    return Rows.from_coo(rank[p.pair_rm[q]], q, p.pair_weight[q], np.full(upper.size, -INF), upper)


def _group_rows(p: Problem, y_start: int) -> tuple[Ints, Rows]:
    """``y[g, r]`` keys, links ``x <= y`` and one RM per group."""
    pair_group = p.group[p.pair_customer].astype(np.int64)
    q = np.flatnonzero(pair_group >= 0)
    if q.size == 0:
        return np.zeros(0, dtype=np.int64), Rows.empty()
    keys, inv = np.unique(pair_group[q] * p.n_rms + p.pair_rm[q], return_inverse=True)
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


def _one_to_one_rows(p: Problem, y_key: Ints, y_start: int, d_start: int) -> tuple[Ints, Rows]:
    """``d[r]`` per RM with an exclusive pair: ``x <= d`` and, when dedicated, one unit only."""
    eq = np.flatnonzero(p.exclusive[p.pair_customer])
    if eq.size == 0:
        return np.zeros(0, dtype=np.int64), Rows.empty()
    d_rm, dinv = np.unique(p.pair_rm[eq].astype(np.int64), return_inverse=True)
    link = Rows.from_coo(
        np.repeat(np.arange(eq.size), 2),
        np.column_stack([eq, d_start + dinv]).ravel(),
        np.tile([1.0, -1.0], eq.size),
        np.full(eq.size, -INF),
        0.0,
    )
    drank = np.full(p.n_rms, -1, dtype=np.int64)
    drank[d_rm] = np.arange(d_rm.size)
    single = np.flatnonzero((p.group[p.pair_customer] < 0) & (drank[p.pair_rm] >= 0))
    y_rm = y_key % p.n_rms if y_key.size else y_key
    grouped = np.flatnonzero(drank[y_rm] >= 0) if y_key.size else y_key
    unit_row = np.concatenate([drank[p.pair_rm[single]], drank[y_rm[grouped]]])
    unit_col = np.concatenate([single, y_start + grouped])
    n_units = np.bincount(unit_row, minlength=d_rm.size)
    keep_rm = n_units > 1
    rank = _rm_rank(keep_rm)
    sel = keep_rm[unit_row]
    big_m = (n_units[keep_rm] - 1).astype(np.float64)
    units = Rows.from_coo(
        np.concatenate([rank[unit_row[sel]], np.arange(big_m.size)]),
        np.concatenate([unit_col[sel], d_start + np.flatnonzero(keep_rm)]),
        np.concatenate([np.ones(int(sel.sum())), big_m]),
        np.full(big_m.size, -INF),
        1.0 + big_m,
    )
    return d_rm, Rows.stack([link, units])


def _balance_rows(p: Problem, u_col: int) -> Rows:
    """``sum(weight / capacity * x) - u <= 0`` per RM with capacity and some workload."""
    has_cap = p.capacity > 0
    q = np.flatnonzero(has_cap[p.pair_rm] & (p.pair_weight > 0))
    rms = np.unique(p.pair_rm[q])
    rank = np.full(p.n_rms, -1, dtype=np.int64)
    rank[rms] = np.arange(rms.size)
    coef = p.pair_weight[q] / p.capacity[p.pair_rm[q]]
    return Rows.from_coo(
        np.concatenate([rank[p.pair_rm[q]], np.arange(rms.size)]),
        np.concatenate([q, np.full(rms.size, u_col)]),
        np.concatenate([coef, -np.ones(rms.size)]),
        np.full(rms.size, -INF),
        0.0,
    )


# ------------------------------------------------------------------------------------------------
# engines: one MIP solve of the current model
# ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RunResult:
    """What one MIP solve found (objective and bound in the stage's own sense)."""

    kind: RunKind
    values: Floats | None
    bound: float
    interrupted: bool


class Engine(ABC):
    """A MIP solver holding the model; stages change its objective and add rows."""

    def __init__(
        self, model: MilpModel, options: SolveOptions, control: SolveControl | None, t0: float
    ):
        self.model = model
        self.options = options
        self.control = control
        self.t0 = t0
        self.stage = ""
        self.maximise = False
        #: seconds the first run took to reach its branch and bound (0 when unknown): a later
        #: run is started only with a larger budget (see :meth:`_Staged._step`)
        self.setup_seconds = 0.0

    @abstractmethod
    def add_rows(self, rows: Rows) -> None: ...

    @abstractmethod
    def set_objective(self, cost: Floats, maximise: bool) -> None: ...

    @abstractmethod
    def run(self, time_limit: float, start: Floats | None) -> RunResult: ...

    def stop_requested(self) -> bool:
        return self.control is not None and self.control.stop.is_set()

    def report(self, objective: float, bound: float) -> None:
        """Tell the caller about an improving solution (the moves step reports as continuity;
        the dropped step, a tie-break with the moves fixed, does not report)."""
        if self.control is None or self.stage == "dropped":
            return
        stage = "continuity" if self.stage == "moves" else self.stage
        if stage == "cover_value":
            objective = self.model.cover_of(objective, bound=False)
            bound = self.model.cover_of(bound, bound=True)
        secs = time.monotonic() - self.t0
        self.control.report(Progress(stage, float(objective), float(bound), secs))


# -- HiGHS through highspy -----------------------------------------------------------------------


class HighsEngine(Engine):
    """HiGHS through highspy: the CSR arrays passed in one call; warm start, bound, interrupt."""

    def __init__(
        self, model: MilpModel, options: SolveOptions, control: SolveControl | None, t0: float
    ):
        super().__init__(model, options, control, t0)
        hs = highspy_module()
        self.hs = hs
        h = hs.Highs()
        self.h = h
        h.setOptionValue("output_flag", bool(options.log))
        h.setOptionValue("random_seed", int(options.seed))
        h.setOptionValue("mip_rel_gap", 0.0)
        h.setOptionValue("mip_feasibility_tolerance", 1e-7)
        rows = model.rows
        status = h.passModel(
            model.n_cols,
            rows.n_rows,
            rows.n_nz,
            int(hs.MatrixFormat.kRowwise),
            int(hs.ObjSense.kMinimize),
            0.0,
            np.zeros(model.n_cols),
            model.col_lower,
            model.col_upper,
            rows.lower,
            rows.upper,
            rows.start[:-1].astype(np.int32),
            rows.index,
            rows.value,
            model.integer.astype(np.int32),
        )
        if status == hs.HighsStatus.kError:
            raise RuntimeError("HiGHS rejected the model")
        self.first_run = True
        self._run_started = 0.0
        self._tree_at: float | None = None
        h.cbMipInterrupt.subscribe(self._on_interrupt)
        h.cbMipImprovingSolution.subscribe(self._on_improving)

    def _on_interrupt(self, event: Any) -> None:
        if self._tree_at is None:  # the first call comes once the branch and bound is running
            self._tree_at = time.monotonic() - self._run_started
        if self.stop_requested():
            event.interrupt()

    def _on_improving(self, event: Any) -> None:
        out = event.data_out
        try:
            self.report(out.objective_function_value, out.mip_dual_bound)
        except Exception:  # a caller's progress hook must not break the solve
            log.exception("progress report failed")

    def add_rows(self, rows: Rows) -> None:
        if rows.n_rows:
            self.h.addRows(
                rows.n_rows,
                rows.lower,
                rows.upper,
                rows.n_nz,
                rows.start[:-1].astype(np.int32),
                rows.index,
                rows.value,
            )

    def set_objective(self, cost: Floats, maximise: bool) -> None:
        hs = self.hs
        self.maximise = maximise
        self.h.changeColsCost(cost.shape[0], np.arange(cost.shape[0], dtype=np.int32), cost)
        self.h.changeObjectiveSense(hs.ObjSense.kMaximize if maximise else hs.ObjSense.kMinimize)
        # integer steps are proven optimal once the gap is below one unit
        self.h.setOptionValue("mip_abs_gap", 1e-7 if self.stage == "balance" else 1.0 - 1e-6)

    def run(self, time_limit: float, start: Floats | None) -> RunResult:
        hs, h = self.hs, self.h
        h.setOptionValue("time_limit", float(max(time_limit, 0.01)))
        # presolve pays on the first step; on later ones the dense rows fixing the earlier
        # objectives make it slower than the solve (measured: > 20 s on a 10,000-customer bank)
        h.setOptionValue("presolve", "on" if self.first_run else "off")
        first, self.first_run = self.first_run, False
        if start is not None:
            h.setSolution(start.shape[0], np.arange(start.shape[0], dtype=np.int32), start)
        self._run_started = time.monotonic()
        with highs_threads(self.options.workers) as threads:
            h.setOptionValue("threads", int(threads))
            h.run()
        if first:
            took = time.monotonic() - self._run_started
            self.setup_seconds = took if self._tree_at is None else min(self._tree_at, took)
        status = h.getModelStatus()
        info = h.getInfo()
        interrupted = status == hs.HighsModelStatus.kInterrupt
        has_solution = int(info.primal_solution_status) == int(hs.kSolutionStatusFeasible)
        values = np.asarray(h.getSolution().col_value, dtype=np.float64) if has_solution else None
        bound = float(info.mip_dual_bound)
        if status == hs.HighsModelStatus.kOptimal:
            return RunResult("optimal", values, float(info.objective_function_value), False)
        if status in (hs.HighsModelStatus.kInfeasible, hs.HighsModelStatus.kUnboundedOrInfeasible):
            return RunResult("infeasible", None, bound, False)
        limits = (
            hs.HighsModelStatus.kTimeLimit,
            hs.HighsModelStatus.kInterrupt,
            hs.HighsModelStatus.kSolutionLimit,
            hs.HighsModelStatus.kIterationLimit,
        )
        if status not in limits and not has_solution:
            log.error("HiGHS stopped with status %s", h.modelStatusToString(status))
            return RunResult("error", None, bound, False)
        return RunResult("feasible" if has_solution else "unknown", values, bound, interrupted)


# -- CBC through PuLP ----------------------------------------------------------------------------
def _pulp() -> Any:
    import pulp

    return pulp


def cbc_path() -> str:
    """PuLP's bundled CBC binary."""
    from pulp.apis.coin_api import pulp_cbc_path

    return str(pulp_cbc_path)


#: slack CBC gets past its own time limit before it is interrupted (and again before it is killed)
CBC_GRACE_SECONDS = 5.0
_CBC_BOUND = re.compile(r"^Lower bound:\s*(\S+)", re.MULTILINE)
_CBC_OBJECTIVE = re.compile(r"^Objective value:\s*(\S+)", re.MULTILINE)
_CBC_ERROR = re.compile(r"Current model not valid|errors on input")
#: CBC's pre-processing says "infeasible or unbounded": the model is never unbounded (binary
#: pair columns; the utilisation column is bounded below and only ever minimised)
_CBC_INFEASIBLE = re.compile(
    r"Problem proven infeasible|Problem is infeasible|Pre-processing says infeasible"
)


class CbcEngine(Engine):
    """PuLP's model, files and bundled CBC; CBC always minimises (a maximum is negated)."""

    def __init__(
        self, model: MilpModel, options: SolveOptions, control: SolveControl | None, t0: float
    ):
        super().__init__(model, options, control, t0)
        pulp = _pulp()
        self.pulp = pulp
        self.lp = pulp.LpProblem("rm_allocation", pulp.LpMinimize)
        is_int = model.integer
        self.cols = [
            self.lp.add_variable(
                f"c{j}",
                lowBound=float(model.col_lower[j]),
                upBound=None if math.isinf(model.col_upper[j]) else float(model.col_upper[j]),
                cat=pulp.LpBinary if is_int[j] else pulp.LpContinuous,
            )
            for j in range(model.n_cols)
        ]
        self.add_rows(model.rows)

    def add_rows(self, rows: Rows) -> None:
        pulp, cols = self.pulp, self.cols
        index, value = rows.index.tolist(), rows.value.tolist()
        start = rows.start.tolist()
        for i in range(rows.n_rows):
            s, e = start[i], start[i + 1]
            if s == e:  # PuLP would invent a fixed dummy column CBC cannot read
                continue
            expr = pulp.LpAffineExpression(
                [(cols[j], v) for j, v in zip(index[s:e], value[s:e], strict=True)]
            )
            lo, hi = float(rows.lower[i]), float(rows.upper[i])
            if lo == hi:
                self.lp += pulp.LpConstraint(expr, pulp.LpConstraintEQ, rhs=hi)
                continue
            if not math.isinf(hi):
                self.lp += pulp.LpConstraint(expr, pulp.LpConstraintLE, rhs=hi)
            if not math.isinf(lo):
                self.lp += pulp.LpConstraint(expr, pulp.LpConstraintGE, rhs=lo)

    def set_objective(self, cost: Floats, maximise: bool) -> None:
        self.maximise = maximise
        sign = -1.0 if maximise else 1.0
        nz = np.flatnonzero(cost)
        terms = [
            (self.cols[j], sign * c) for j, c in zip(nz.tolist(), cost[nz].tolist(), strict=True)
        ]
        if not terms:  # PuLP writes an empty objective with a dummy column CBC cannot read
            terms = [(self.cols[0], 0.0)]
        self.lp.setObjective(self.pulp.LpAffineExpression(terms))

    def run(self, time_limit: float, start: Floats | None) -> RunResult:
        with tempfile.TemporaryDirectory(prefix="rmalloc-cbc-") as tmp:
            return self._run_in(Path(tmp), time_limit, start)

    def _run_in(self, tmp: Path, time_limit: float, start: Floats | None) -> RunResult:
        pulp = self.pulp
        mps, sol, mst, log_path = (tmp / n for n in ("m.mps", "m.sol", "m.mst", "cbc.log"))
        vs, var_names, con_names, _ = self.lp.writeMPS(str(mps), rename=1)
        solver = pulp.COIN_CMD(path=cbc_path(), msg=False)
        args = [cbc_path(), str(mps)]
        if start is not None:
            for var, val in zip(self.cols, start.tolist(), strict=True):
                var.setInitialValue(val, check=False)
            solver.writesol(str(mst), self.lp, vs, var_names, con_names)
            args += ["-mips", str(mst)]
        args += ["-timeMode", "elapsed", "-sec", f"{max(time_limit, 0.01):.3f}"]
        args += ["-ratio", "0", "-allow", self._allow()]
        if self.options.workers > 1:  # CBC's threads 1 is a thread pool of one: slower than 0
            args += ["-threads", str(self.options.workers)]
        args += ["-randomCbcSeed", str(self.options.seed + 1)]  # 0 would mean "from the clock"
        args += ["-solve", "-printingOptions", "all", "-solution", str(sol)]
        interrupted = self._execute(args, log_path, time_limit)
        text = log_path.read_text(errors="replace")
        if self.options.log:
            log.info("CBC log:\n%s", text)
        if _CBC_ERROR.search(text):
            log.error("CBC could not read the model:\n%s", text[-2000:])
            return RunResult("error", None, math.nan, False)
        if _CBC_INFEASIBLE.search(text):
            return RunResult("infeasible", None, INF, False)
        if not sol.exists():
            return RunResult("unknown", None, self._bound(text), interrupted)
        status, values, *_ = solver.readsol_MPS(str(sol), self.lp, vs, var_names, con_names)
        first = sol.read_text(errors="replace").splitlines()[:1]
        found = bool(first) and "objective value" in first[0] and "no" not in first[0].split()[:3]
        if "Optimal solution found" in text and status == pulp.LpStatusOptimal:
            vec = np.array([values.get(v.name, 0.0) for v in self.cols])
            return RunResult("optimal", vec, self._objective(text), False)
        if not found or not _CBC_OBJECTIVE.search(text):
            return RunResult("unknown", None, self._bound(text), interrupted)
        vec = np.array([values.get(v.name, 0.0) for v in self.cols])
        return RunResult("feasible", vec, self._bound(text), interrupted)

    def _allow(self) -> str:
        """CBC's absolute gap: below one unit proves an integer objective optimal."""
        return "1e-7" if self.stage == "balance" else "0.999"

    def _execute(self, args: list[str], log_path: Path, time_limit: float) -> bool:
        """Run CBC, interrupting it (SIGINT: it stops and writes its best) on a stop request,
        or when it overruns its own limit by far (CBC checks the clock only between nodes);
        killed if even that does not stop it. True when interrupted on request."""
        t0 = time.monotonic()
        soft = time_limit * 1.2 + CBC_GRACE_SECONDS
        with open(log_path, "w") as out:
            proc = subprocess.Popen(
                args, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
            )
            requested = signalled = False
            while proc.poll() is None:
                late = time.monotonic() - t0
                if not signalled and (self.stop_requested() or late > soft):
                    requested = self.stop_requested()
                    proc.send_signal(signal.SIGINT)
                    signalled = True
                elif signalled and late > soft + CBC_GRACE_SECONDS:
                    log.error("CBC ignored SIGINT; killing it (pid %d)", proc.pid)
                    proc.kill()
                with contextlib.suppress(subprocess.TimeoutExpired):
                    proc.wait(0.05)
        return requested

    def _sign(self) -> float:
        return -1.0 if self.maximise else 1.0

    def _objective(self, text: str) -> float:
        m = _CBC_OBJECTIVE.search(text)
        return self._sign() * float(m.group(1)) if m else math.nan

    def _bound(self, text: str) -> float:
        m = _CBC_BOUND.search(text)
        if not m:
            return INF if self.maximise else -INF
        return self._sign() * float(m.group(1))


# ------------------------------------------------------------------------------------------------
# the staged solve, shared by both backends
# ------------------------------------------------------------------------------------------------
EngineFactory = Callable[[MilpModel, SolveOptions, SolveControl | None, float], Engine]


class _Staged:
    """The lexicographic solve over one engine (the same flow as the CP-SAT backend)."""

    def __init__(
        self,
        problem: Problem,
        options: SolveOptions,
        control: SolveControl | None,
        name: str,
    ):
        self.problem = problem
        self.options = options
        self.control = control
        self.name = name
        self.t0 = time.monotonic()
        self.termination = Termination.CONVERGED
        self.stages: list[StageResult] = []
        self.moves_proven = False

    def solve(self, factory: EngineFactory) -> Solution:
        p, opts = self.problem, self.options
        deadline = self.t0 + opts.time_limit
        model = build_model(p)
        if model.infeasible_required:
            return self._empty(SolutionStatus.INFEASIBLE, Termination.CONVERGED)
        best = _start(p, opts.warm_start)
        have = not p.violations(best)
        engine = factory(model, opts, self.control, self.t0)
        names = list(p.stages)
        for i, name in enumerate(names):
            remaining = deadline - time.monotonic()
            if remaining <= 0.01 or self._stopped():
                self._ran_out()
                break
            budget = remaining if i == len(names) - 1 else remaining * STAGE_SHARE.get(name, 0.5)
            outcome = self._stage(model, engine, name, budget, best if have else None)
            if outcome is None:
                return self._empty(SolutionStatus.INFEASIBLE, Termination.CONVERGED)
            found, done = outcome
            if found is not None:
                best, have = found, True
            if not done:
                break
        if not have:
            return self._empty(SolutionStatus.NO_SOLUTION, self.termination)
        return self._solution(best, len(names))

    def _stage(
        self, model: MilpModel, engine: Engine, name: str, budget: float, best: Ints | None
    ) -> tuple[Ints | None, bool] | None:
        """Solve one stage (its steps); ``None`` when proven infeasible, else (assignment,
        whether to go on to the next stage)."""
        now = time.monotonic()
        if name == "balance":
            engine.add_rows(model.balance_rows)
        steps = STEPS.get(name)
        if steps is None:
            raise ValueError(f"unknown objective stage {name!r}")
        first: RunResult | None = None
        all_optimal = True
        go_on = True
        for k, step in enumerate(steps):
            share = budget - (time.monotonic() - now)
            if k < len(steps) - 1:
                share *= STEP_SHARE
            found, res, taken = self._step(model, engine, step, share, best)
            if res.kind == "infeasible" and found is None:
                return None
            first = first or res
            all_optimal &= res.kind == "optimal" and taken
            if found is None:
                return None, False
            best = found
            if step != "balance":
                engine.add_rows(model.fix_row(step, model.step_value(step, found)))
            # like CP-SAT: a step cut short still fixes its best value and the solve goes on;
            # a step that found nothing new ends it
            go_on = res.kind in ("optimal", "feasible")
            if not go_on:
                break
        assert first is not None and best is not None
        secs = time.monotonic() - now
        self.moves_proven = name == "cover_value" and model.tie_break and all_optimal
        self.stages.append(self._result(model, name, best, first, all_optimal and go_on, secs))
        return best, go_on

    def _step(
        self, model: MilpModel, engine: Engine, step: str, budget: float, best: Ints | None
    ) -> tuple[Ints | None, RunResult, bool]:
        """One solver run: the best valid assignment after it (``None``: none yet), the run,
        and whether the run's own answer was taken (an optimum counts only then)."""
        cost, maximise = model.step_cost(step)
        engine.stage = step
        engine.set_objective(cost, maximise)
        trivial = not cost.any() or (step == "balance" and model.balance_rows.n_rows == 0)
        trivial |= step == "moves" and self.moves_proven  # the tie-broken first step proved it
        # a later run (presolve off, dense rows fixing the earlier objectives) takes at least
        # as long to set up as the first: with less budget than that it would only overrun the
        # time limit (measured at 10^5 customers: an 8.8 s step took 107 s) without a better plan
        too_short = budget <= max(0.01, engine.setup_seconds)
        if best is not None and (trivial or too_short):
            if not trivial:
                self._ran_out()
            kind: RunKind = "optimal" if trivial else "unknown"
            return best, RunResult(kind, None, math.nan, False), trivial
        res = engine.run(budget, model.columns(best) if best is not None else None)
        if res.kind == "infeasible" and best is not None:
            log.warning("%s: step %s reported infeasible beside a valid start", self.name, step)
        if res.kind != "optimal":
            self._ran_out(res.interrupted, error=res.kind == "error")
        cand = self._candidate(model, step, maximise, res, best)
        return (best, res, False) if cand is None else (cand, res, True)

    def _candidate(
        self, model: MilpModel, step: str, maximise: bool, res: RunResult, best: Ints | None
    ) -> Ints | None:
        """The solver's assignment when valid and not worse than the start, else ``None``."""
        if res.values is None:
            return None
        cand = model.assignment(res.values)
        bad = self.problem.violations(cand)
        if bad:
            log.warning("%s: solver answer rounds to an invalid assignment: %s", self.name, bad)
            return None
        if best is None:
            return cand
        new, old = model.step_value(step, cand), model.step_value(step, best)
        worse = new < old - 1e-9 if maximise else new > old + 1e-9
        return None if worse else cand

    def _result(
        self, model: MilpModel, name: str, a: Ints, res: RunResult, optimal: bool, secs: float
    ) -> StageResult:
        """The stage's report: objective exact; bound from the stage's first step (cover value,
        moves, or largest utilisation)."""
        p = self.problem
        status = SolutionStatus.OPTIMAL if optimal else SolutionStatus.FEASIBLE
        if name == "cover_value":
            value = float(p.cover_value(a))
            bound = value if optimal else _cover_bound(model, res.bound)
            return StageResult(name, value, max(bound, value), status, secs)
        if name == "continuity":
            moved = float(p.moves(a))
            low = math.ceil(res.bound - 1e-6) if math.isfinite(res.bound) else 0
            bound = moved if optimal else float(min(max(low, 0), moved))
            return StageResult(name, moved, bound, status, secs)
        value = p.max_utilisation(a)
        if optimal:
            return StageResult(name, value, value, status, secs)
        bound = min(max(res.bound, 0.0), value) if math.isfinite(res.bound) else 0.0
        return StageResult(name, value, bound, status, secs)

    def _stopped(self) -> bool:
        return self.control is not None and self.control.stop.is_set()

    def _ran_out(self, interrupted: bool = False, error: bool = False) -> None:
        if error:
            self.termination = Termination.ERROR
        elif interrupted or self._stopped():
            self.termination = Termination.INTERRUPTED
        elif self.termination == Termination.CONVERGED:
            self.termination = Termination.TIME_LIMIT

    def _solution(self, best: Ints, n_stages: int) -> Solution:
        all_optimal = len(self.stages) == n_stages and all(
            s.status == SolutionStatus.OPTIMAL for s in self.stages
        )
        # a stage cut short may be bettered by a later one: report what is returned
        self.stages = [_restate(self.problem, s, best) for s in self.stages]
        status = SolutionStatus.OPTIMAL if all_optimal else SolutionStatus.FEASIBLE
        secs = time.monotonic() - self.t0
        return Solution(best, status, self.termination, self.stages, self.name, secs)

    def _empty(self, status: SolutionStatus, term: Termination) -> Solution:
        empty = np.full(self.problem.n_customers, -1, dtype=np.int64)
        return Solution(empty, status, term, [], self.name, time.monotonic() - self.t0)


def _cover_bound(model: MilpModel, solver_bound: float) -> float:
    """An upper bound on the cover value: the solver's, or each customer's best pair when the
    solver has none."""
    if math.isfinite(solver_bound):
        return model.cover_of(solver_bound, bound=True)
    return trivial_bound(model.problem, "cover_value")


def _restate(problem: Problem, stage: StageResult, a: Ints) -> StageResult:
    """A stage's result with its objective recomputed on the final assignment."""
    if stage.name == "cover_value":
        value = float(problem.cover_value(a))
        return replace(stage, objective=value, bound=max(stage.bound, value))
    if stage.name == "continuity":
        return replace(stage, objective=float(problem.moves(a)))
    return replace(stage, objective=problem.max_utilisation(a))


def _start(problem: Problem, warm: bool) -> Ints:
    """The MIP start: the greedy plan seeded with the hint (today's book), as CP-SAT starts."""
    start = greedy_assignment(problem, prefer=problem.hint if warm else None)
    if problem.violations(start):
        start = np.full(problem.n_customers, -1, dtype=np.int64)
    return start


# ------------------------------------------------------------------------------------------------
# the backends
# ------------------------------------------------------------------------------------------------
def highs_available() -> bool:
    """Whether highspy loads (and can make a solver) in this process."""
    try:
        highspy_module().Highs()
    except Exception:  # ImportError, or a symbol clash with another HiGHS build
        return False
    return True


def cbc_available() -> bool:
    """Whether PuLP and its bundled CBC binary are there and executable."""
    try:
        _pulp()
    except ImportError:
        return False
    path = cbc_path()
    return os.path.isfile(path) and os.access(path, os.X_OK)


@register
class MilpBackend(Backend):
    """HiGHS (through highspy): exact, every side rule, staged objective, MIP start.

    Falls back to CBC when highspy does not load (the solution's ``backend`` then reads
    ``milp(cbc)``).
    """

    name = "milp"
    side_rules = True
    exact = True
    warm_start = True
    #: where ``auto`` stops picking HiGHS (benchmarks/RESULTS.md, "Bank scale"): at 8,782 pairs
    #: it proves the cover optimum and keeps more of today's book than ``flow``; at 87,257 pairs
    #: (20,000 customers) it ends 0.1 % below the flow plan after 36 s, and at 180,202 pairs
    #: 0.14 % below after 114 s against a 60 s limit, where ``flow`` takes 0.3 s and 1.1 s
    max_pairs = 30_000
    engine: ClassVar[str] = "highs"

    @classmethod
    def is_available(cls) -> bool:
        return highs_available() or cbc_available()

    def solve(
        self, problem: Problem, options: SolveOptions, control: SolveControl | None = None
    ) -> Solution:
        use_highs = highs_available()
        factory: EngineFactory = HighsEngine if use_highs else CbcEngine
        label = self.name if use_highs else f"{self.name}(cbc)"
        if not use_highs:
            log.warning("highspy does not load here: solving with CBC")
        return _Staged(problem, options, control, label).solve(factory)


@register
class MilpCbcBackend(Backend):
    """CBC through PuLP: exact, every side rule, staged objective, MIP start (``-mips``)."""

    name = "milp-cbc"
    side_rules = True
    exact = True
    warm_start = True
    max_pairs = 100_000

    @classmethod
    def is_available(cls) -> bool:
        return cbc_available()

    def solve(
        self, problem: Problem, options: SolveOptions, control: SolveControl | None = None
    ) -> Solution:
        return _Staged(problem, options, control, self.name).solve(CbcEngine)
