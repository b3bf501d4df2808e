"""Neighbourhoods: a self-contained sub-problem cut out around a set of RMs, solved exactly.

A neighbourhood is a set ``S`` of RMs and a set ``F`` of *free* customers; every other customer
keeps its RM. The sub-problem assigns ``F`` to ``S`` and is itself a :class:`Problem`, so the
exact CP-SAT model of :mod:`allocator.backends.cpsat` solves it with every hard rule, and the
search never needs a second formulation of the rules. It is self-contained because:

- ``F`` holds customers on ``S`` (the ones freed) and unassigned customers with a pair into ``S``;
  a customer on an RM outside ``S`` is never free, so RMs outside ``S`` do not change;
- capacity of an RM in ``S`` is what its fixed customers leave;
- with groups or one-to-one customers, *every* customer on ``S`` is freed (``F`` may then not be
  a subset): an RM's one-to-one status and a group's RM are then decided inside the sub-problem
  alone. An unassigned member of a group already placed outside ``S`` is not freed.

Required customers the current plan leaves unassigned (a start that is not yet feasible) enter
the sub-problem as optional, with a *bonus* on their pairs larger than any change in cover value
the sub-problem can make: the sub-solve then places as many as it can, then maximises value,
which is the lexicographic (feasibility first) objective of the repair.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from allocator.problem import Problem

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class SubProblem:
    """A neighbourhood as a Problem, with the maps back to the full one.

    Attributes
    ----------
    problem : Problem
        The sub-problem (cover value stage only; values include the repair bonus).
    customers : numpy.ndarray of int64
        Full-problem index of each sub-problem customer.
    rms : numpy.ndarray of int64
        Full-problem index of each sub-problem RM.
    hint : numpy.ndarray of int64
        The current plan in sub-problem indices (a feasible solution of the sub-problem).
    score : int
        Sub-problem objective of ``hint``.
    whole : bool
        Whether the sub-problem is the full problem (then its optimum is the global optimum).
    """

    problem: Problem
    customers: IntArray
    rms: IntArray
    hint: IntArray
    score: int
    whole: bool


@dataclass(frozen=True)
class SubResult:
    """What the sub-solve returned: an assignment in sub-problem indices and its score, the
    wall seconds it took and the deterministic time CP-SAT counted (a function of the model,
    the seed and the limits alone, with one worker: what the deterministic search measures)."""

    status: str  # "optimal", "feasible", "infeasible", "unknown"
    assignment: IntArray | None
    score: int
    seconds: float
    work: float = 0.0


def ranges(starts: IntArray, ends: IntArray) -> IntArray:
    """Concatenated ``arange(starts[i], ends[i])`` without a Python loop."""
    lengths = ends - starts
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    offsets = np.repeat(starts - np.cumsum(lengths) + lengths, lengths)
    return offsets + np.arange(total, dtype=np.int64)


def cut(
    problem: Problem,
    assignment: IntArray,
    rm_set: IntArray,
    free: IntArray | None = None,
    exclude: BoolArray | None = None,
    max_unassigned: int = 200,
) -> SubProblem:
    """The sub-problem of freeing ``free`` (default: every customer on ``rm_set``) on ``rm_set``.

    Parameters
    ----------
    problem : Problem
    assignment : numpy.ndarray of int64
        The current plan (may leave required customers unassigned).
    rm_set : numpy.ndarray of int64
        The RMs ``S``.
    free : numpy.ndarray of int64, optional
        Customers on ``S`` to free; only for problems without groups or one-to-one customers
        (ignored otherwise). Unassigned candidates are added either way.
    exclude : numpy.ndarray of bool, shape (C,), optional
        Customers that must not be freed (they belong to a neighbourhood solved alongside);
        only unassigned customers can be in two neighbourhoods with disjoint RM sets.
    max_unassigned : int
        At most this many unassigned customers enter (required ones first, then by their best
        value into ``S``), so that a plan with many optional customers left out still gives
        small sub-problems.
    """
    a = assignment
    n_c, n_r = problem.n_customers, problem.n_rms
    in_s = np.zeros(n_r, dtype=bool)
    in_s[rm_set] = True
    side_rules = bool(problem.exclusive.any() or (problem.group >= 0).any())
    assigned = a >= 0
    on_s = assigned & in_s[np.where(assigned, a, 0)]
    if free is None or side_rules:
        free_mask = on_s.copy()
    else:
        free_mask = np.zeros(n_c, dtype=bool)
        free_mask[free] = True
        free_mask &= on_s

    # unassigned customers with a pair into S
    pair_in_s = in_s[problem.pair_rm]
    reach = np.zeros(n_c, dtype=bool)
    reach[problem.pair_customer[pair_in_s]] = True
    cand = ~assigned & reach
    if exclude is not None:
        cand &= ~exclude
    if side_rules and cand.any() and (problem.group >= 0).any():
        # a group already served outside S cannot take a new member inside S
        g = problem.group
        placed_out = assigned & ~on_s & (g >= 0)
        blocked = np.zeros(max(problem.n_groups, 1), dtype=bool)
        blocked[g[placed_out]] = True
        cand &= ~((g >= 0) & blocked[np.maximum(g, 0)])
    cand_idx = np.flatnonzero(cand)
    if cand_idx.size > max_unassigned:
        best = np.full(n_c, np.iinfo(np.int64).min, dtype=np.int64)
        np.maximum.at(best, problem.pair_customer[pair_in_s], problem.pair_value[pair_in_s])
        order = np.lexsort((-best[cand_idx], ~problem.required[cand_idx]))
        cand_idx = np.sort(cand_idx[order[:max_unassigned]])
    free_mask[cand_idx] = True

    customers = np.flatnonzero(free_mask).astype(np.int64)
    rms = np.sort(np.asarray(rm_set, dtype=np.int64))
    cust_map = np.full(n_c, -1, dtype=np.int64)
    cust_map[customers] = np.arange(customers.size)
    rm_map = np.full(n_r, -1, dtype=np.int64)
    rm_map[rms] = np.arange(rms.size)

    ptr = problem.customer_ptr
    pidx = ranges(ptr[customers], ptr[customers + 1])
    pidx = pidx[pair_in_s[pidx]]
    pc = cust_map[problem.pair_customer[pidx]]
    pr = rm_map[problem.pair_rm[pidx]]
    pw = problem.pair_weight[pidx]
    pv = problem.pair_value[pidx].copy()

    # capacity left by the customers on S that stay
    fixed = on_s & ~free_mask
    fixed_load = np.zeros(n_r, dtype=np.int64)
    if fixed.any():
        fixed_load = problem.loads(np.where(fixed, a, -1))
    cap = problem.capacity[rms] - fixed_load[rms]

    sub_hint = np.where(a[customers] >= 0, rm_map[np.maximum(a[customers], 0)], -1)
    missing = problem.required[customers] & (sub_hint < 0)
    if missing.any() and pidx.size:
        # bonus > the largest change of value the sub-problem can make
        hi = np.zeros(customers.size, dtype=np.int64)
        lo = np.zeros(customers.size, dtype=np.int64)
        np.maximum.at(hi, pc, pv)
        np.minimum.at(lo, pc, pv)
        bonus = int((hi - lo).sum()) + 1
        pv[missing[pc]] += bonus
    else:
        bonus = 0

    g = problem.group[customers]
    sub_group = np.full(customers.size, -1, dtype=np.int32)
    if (g >= 0).any():
        _, inv = np.unique(g[g >= 0], return_inverse=True)
        sub_group[g >= 0] = inv.astype(np.int32)

    sub = Problem(
        customer_ids=problem.customer_ids[customers],
        rm_ids=problem.rm_ids[rms],
        pair_customer=pc.astype(np.int32),
        pair_rm=pr.astype(np.int32),
        pair_weight=pw.astype(np.int64),
        pair_value=pv.astype(np.int64),
        capacity=cap.astype(np.int64),
        required=problem.required[customers] & ~missing,
        group=sub_group,
        exclusive=problem.exclusive[customers].copy(),
        current=np.full(customers.size, -1, dtype=np.int32),
        hint=sub_hint.astype(np.int32),
        weight_scale=problem.weight_scale,
        stages=("cover_value",),
    )
    score = sub.cover_value(sub_hint) if customers.size else 0
    with_pairs = np.bincount(problem.pair_rm, minlength=n_r) > 0
    whole = customers.size == n_c and bool(in_s[with_pairs].all()) and not fixed.any()
    return SubProblem(sub, customers, rms, sub_hint.astype(np.int64), int(score), whole)


def solve_sub(
    sub: SubProblem,
    seed: int,
    deterministic_time: float,
    wall_time: float,
    register: Any = None,
    params: dict[str, Any] | None = None,
    workers: int = 1,
) -> SubResult:
    """Solve a sub-problem exactly with CP-SAT (one worker), hinted with the current plan.

    One worker and a *deterministic* time limit make the answer a function of the input and the
    seed; the wall-clock limit is only a safety net near the overall deadline.

    Parameters
    ----------
    sub : SubProblem
    seed : int
    deterministic_time : float
        CP-SAT's ``max_deterministic_time``.
    wall_time : float
        CP-SAT's ``max_time_in_seconds``.
    register : callable, optional
        Called with the solver before the solve, and with None after it, so that a stop request
        can interrupt a running sub-solve.
    params : dict, optional
        Extra CP-SAT parameters (tuning).
    workers : int
        CP-SAT workers (more than one only for the whole problem, where the portfolio helps).
    """
    from allocator.formulations.cpsat_model import CpSatModel

    t0 = time.perf_counter()
    built = CpSatModel(sub.problem)
    cp = built.cp
    if built.infeasible_required:
        return SubResult("infeasible", None, 0, time.perf_counter() - t0)
    built.model.maximize(built.value)
    built.hint(sub.hint)
    solver = cp.CpSolver()
    prm = solver.parameters
    prm.num_workers = max(1, int(workers))
    prm.random_seed = int(seed)
    prm.max_deterministic_time = max(float(deterministic_time), 0.001)
    prm.max_time_in_seconds = max(float(wall_time), 0.01)
    prm.symmetry_level = 0
    for key, val in (params or {}).items():
        setattr(prm, key, val)
    if register is not None:
        register(solver)
    try:
        code = solver.solve(built.model)
    finally:
        if register is not None:
            register(None)
    secs = time.perf_counter() - t0
    work = float(solver.response_proto.deterministic_time)
    if code in (cp.OPTIMAL, cp.FEASIBLE):
        out = built.assignment(solver)
        st = "optimal" if code == cp.OPTIMAL else "feasible"
        return SubResult(st, out, round(solver.objective_value), secs, work)
    if code == cp.INFEASIBLE:
        return SubResult("infeasible", None, 0, secs, work)
    return SubResult("unknown", None, 0, secs, work)
