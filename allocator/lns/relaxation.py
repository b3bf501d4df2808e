"""The LP relaxation of a Problem's capacity core, solved with HiGHS.

Why an LP at all: on the GAP (and on a bank's capacity core) the LP bound sits within about 0.1%
of the integer optimum, and a *basic* optimal solution splits at most one customer per binding
capacity row, so it is nearly an integral plan. It gives the search three things at once:

- a proven upper bound on the cover value (the LNS is a heuristic; the bound is what makes its
  answer honest);
- a start: the customers the LP assigns integrally (all but a few);
- reduced costs: ``loss[p]``, how much the LP objective drops per unit of pair ``p``; a pair with
  a small loss is a plausible move, which is how neighbourhoods are chosen.

The relaxation keeps only the rows every backend shares: at most (exactly, when required) one RM
per customer and the capacity rows. Groups and one-to-one RMs are left out: dropping constraints
can only raise the maximum, so the bound stays valid for every Problem.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from allocator.highs import highs_threads
from allocator.problem import Problem

FloatArray = npt.NDArray[np.float64]

#: above this many pairs the interior point method (with crossover to a basic solution) beats
#: dual simplex by 2-4x on 80 x 1600 GAPs; below, simplex is fast and avoids the IPM's set-up
IPM_MIN_PAIRS = 20_000


@dataclass(frozen=True)
class Relaxation:
    """What the LP said.

    Attributes
    ----------
    status : {"optimal", "infeasible", "unknown"}
        ``infeasible`` proves the Problem infeasible (some required customers cannot be placed
        even fractionally); ``unknown`` means no usable solution (time limit, solver missing).
    bound : float
        Upper bound on the cover value (``+inf`` unless ``optimal``), already rounded down to an
        integer since every pair value is integral.
    x : numpy.ndarray of float64, shape (P,)
        LP value of each pair (zeros unless ``optimal``).
    loss : numpy.ndarray of float64, shape (P,)
        Reduced cost as a loss, >= 0: the LP objective lost per unit of ``x[p]`` (zeros unless
        ``optimal``).
    seconds : float
        Wall time of building and solving.
    objective : float
        The LP optimum itself (``inf`` unless ``optimal``): reduced-cost fixing needs it
        unrounded.
    """

    status: str
    bound: float
    x: FloatArray
    loss: FloatArray
    seconds: float
    objective: float = math.inf

    @property
    def ok(self) -> bool:
        """Whether the LP solution and reduced costs can be used."""
        return self.status == "optimal"


def set_core_matrix(
    lp: Any,
    pair_customer: npt.ArrayLike,
    pair_rm: npt.ArrayLike,
    weight: npt.ArrayLike,
    n_customers: int,
    n_rms: int,
) -> None:
    """Give a ``highspy.HighsLp`` the capacity core's matrix, column by column.

    Column ``p`` (a pair) has a 1 in its customer's row and its weight in its RM's row
    ``n_customers + rm``; a zero weight is left out, so HiGHS is handed no explicit zero. The
    LP relaxation passes every pair, the core MIP the pairs of its core: one matrix, written
    once.
    """
    import highspy

    customer = np.asarray(pair_customer, dtype=np.int64)
    rm = np.asarray(pair_rm, dtype=np.int64)
    w = np.asarray(weight, dtype=np.float64)
    has_w = w != 0
    counts = 1 + has_w.astype(np.int64)
    start = np.zeros(customer.size + 1, dtype=np.int64)
    np.cumsum(counts, out=start[1:])
    index = np.empty(int(start[-1]), dtype=np.int32)
    value = np.empty(int(start[-1]), dtype=np.float64)
    index[start[:-1]] = customer
    value[start[:-1]] = 1.0
    second = start[:-1][has_w] + 1
    index[second] = n_customers + rm[has_w]
    value[second] = w[has_w]
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.num_col_ = customer.size
    lp.a_matrix_.num_row_ = n_customers + n_rms
    lp.a_matrix_.start_ = start.astype(np.int32)
    lp.a_matrix_.index_ = index
    lp.a_matrix_.value_ = value


def _unknown(problem: Problem, t0: float, status: str = "unknown") -> Relaxation:
    zeros = np.zeros(problem.n_pairs)
    return Relaxation(status, math.inf, zeros, zeros.copy(), time.perf_counter() - t0)


def solve_relaxation(problem: Problem, time_limit: float, threads: int = 1) -> Relaxation:
    """Solve the LP relaxation of the capacity core of ``problem``.

    Parameters
    ----------
    problem : Problem
    time_limit : float
        Seconds; on time-out the result is ``unknown`` (the caller goes on without the LP).
    threads : int
        HiGHS threads; 1 keeps the other core for the search and makes the result reproducible.

    Returns
    -------
    Relaxation
    """
    t0 = time.perf_counter()
    try:
        import highspy
    except ImportError:  # the search still works, only without LP guidance and bound
        return _unknown(problem, t0)

    n_c, n_r, n_p = problem.n_customers, problem.n_rms, problem.n_pairs
    ptr = problem.customer_ptr
    no_pairs = ptr[1:] == ptr[:-1]
    if (problem.required & no_pairs).any():
        return _unknown(problem, t0, "infeasible")
    if n_p == 0:
        return Relaxation("optimal", 0.0, np.zeros(0), np.zeros(0), time.perf_counter() - t0, 0.0)

    inf = highspy.kHighsInf
    lp = highspy.HighsLp()
    lp.num_col_ = n_p
    lp.num_row_ = n_c + n_r
    lp.col_cost_ = problem.pair_value.astype(np.float64)
    lp.col_lower_ = np.zeros(n_p)
    # x <= 1 follows from the customer row; leaving the column bound out keeps every reduced cost
    # on the rows, so that ``loss`` is a clean "price of this pair" (no bound duals)
    lp.col_upper_ = np.full(n_p, inf)
    row_lower = np.concatenate([np.where(problem.required, 1.0, -inf), np.full(n_r, -inf)]).astype(
        np.float64
    )
    row_upper = np.concatenate(
        [np.where(no_pairs & ~problem.required, inf, 1.0), problem.capacity.astype(np.float64)]
    )
    lp.row_lower_ = row_lower
    lp.row_upper_ = row_upper
    set_core_matrix(lp, problem.pair_customer, problem.pair_rm, problem.pair_weight, n_c, n_r)
    lp.sense_ = highspy.ObjSense.kMaximize

    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("random_seed", 0)
    h.setOptionValue("time_limit", max(float(time_limit), 0.01))
    if n_p >= IPM_MIN_PAIRS:
        h.setOptionValue("solver", "ipm")
        h.setOptionValue("run_crossover", "on")
    h.passModel(lp)
    # HiGHS sizes one task scheduler per process and fails a solve asking for another size:
    # every HiGHS run of the allocator goes through the one guard of allocator.highs
    with highs_threads(int(threads)) as n_threads:
        h.setOptionValue("threads", int(n_threads))
        h.run()
    status = h.getModelStatus()
    if status == highspy.HighsModelStatus.kInfeasible:
        return _unknown(problem, t0, "infeasible")
    if status != highspy.HighsModelStatus.kOptimal:
        return _unknown(problem, t0)
    sol = h.getSolution()
    x = np.clip(np.asarray(sol.col_value, dtype=np.float64), 0.0, 1.0)
    # maximisation: at optimum a column's dual (c - A^T y) is <= 0; its negation is the loss
    loss = np.maximum(-np.asarray(sol.col_dual, dtype=np.float64), 0.0)
    objective = float(h.getInfo().objective_function_value)
    bound = math.floor(objective + 1e-6 * max(1.0, abs(objective)))
    return Relaxation("optimal", float(bound), x, loss, time.perf_counter() - t0, objective)
