"""Textbook GAP models, solved by CP-SAT and by HiGHS with nothing but the basic settings.

These are the baselines our engine must beat: what anybody gets by typing the GAP from a textbook
into an off-the-shelf solver. They deliberately use no decomposition, no warm start, no hints and
no tuning, only what every fair comparison must set (time limit, threads, seed), so that a win of
our engine over them measures what the engine adds and not a handicap put on the baseline.

The model, for ``m`` agents and ``n`` jobs::

    x[i, j] in {0, 1}
    sum_i x[i, j] == 1                    for every job j
    sum_j a[i, j] * x[i, j] <= b[i]       for every agent i
    min (or max) sum_ij c[i, j] * x[i, j]

Each solver function returns a :class:`BaselineResult` (a named tuple, so it also unpacks as
``objective, bound, status, seconds, assignment``). The objective is recomputed by the caller
from the assignment (:func:`allocator.gap.objective`); the solver's own value is what is returned
here, and the two agree to the unit for a feasible assignment.
"""

from __future__ import annotations

import time
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from allocator.gap import GapInstance, Sense
from allocator.highs import highs_threads


class BaselineResult(NamedTuple):
    """What a baseline solve found.

    Attributes
    ----------
    objective : int or None
        Cost (min) or profit (max) of the best assignment found; None when none was found.
    bound : float or None
        The solver's proven bound in the same sense (lower bound for min, upper for max); None
        when it reports none (e.g. stopped in presolve).
    status : str
        ``optimal``, ``feasible``, ``infeasible`` or ``no_solution`` (the values of
        :class:`allocator.solution.SolutionStatus`).
    seconds : float
        Wall time, model building included (our engine is timed the same way).
    assignment : numpy.ndarray of int64 or None
        0-based agent per job; None when no solution was found.
    """

    objective: int | None
    bound: float | None
    status: str
    seconds: float
    assignment: npt.NDArray[np.int64] | None


def solve_cpsat(
    inst: GapInstance,
    sense: Sense = "min",
    time_limit: float = 10.0,
    workers: int = 2,
    seed: int = 0,
) -> BaselineResult:
    """Solve the textbook model with CP-SAT (``x`` booleans, exactly-one, linear capacity).

    Parameters
    ----------
    inst : GapInstance
    sense : {"min", "max"}
    time_limit : float
        ``max_time_in_seconds``.
    workers : int
        ``num_workers``; CP-SAT's portfolio depends on it, so it is fixed by the caller.
    seed : int
        ``random_seed``.
    """
    from ortools.sat.python import cp_model

    start = time.perf_counter()
    m, n = inst.n_agents, inst.n_jobs
    model = cp_model.CpModel()
    x = [[model.new_bool_var(f"x_{i}_{j}") for j in range(n)] for i in range(m)]
    for j in range(n):
        model.add_exactly_one(x[i][j] for i in range(m))
    # weighted_sum builds each linear expression in C++: the same model as sum(), seconds faster
    # on 80 x 1600 (model building is timed with the solve)
    weight, cost, cap = inst.weight.tolist(), inst.cost.tolist(), inst.capacity.tolist()
    for i in range(m):
        model.add(cp_model.LinearExpr.weighted_sum(x[i], weight[i]) <= cap[i])
    flat = [v for row in x for v in row]
    obj = cp_model.LinearExpr.weighted_sum(flat, [c for row in cost for c in row])
    if sense == "min":
        model.minimize(obj)
    else:
        model.maximize(obj)

    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = float(time_limit)
    solver.parameters.num_workers = int(workers)
    solver.parameters.random_seed = int(seed)
    code = solver.solve(model)
    seconds = time.perf_counter() - start

    if code in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        chosen = np.array([[solver.boolean_value(v) for v in row] for row in x], dtype=bool)
        assignment = chosen.argmax(axis=0).astype(np.int64)
        status = "optimal" if code == cp_model.OPTIMAL else "feasible"
        return BaselineResult(
            round(solver.objective_value),
            float(solver.best_objective_bound),
            status,
            seconds,
            assignment,
        )
    if code == cp_model.INFEASIBLE:
        return BaselineResult(None, None, "infeasible", seconds, None)
    if code == cp_model.MODEL_INVALID:
        raise RuntimeError(f"{inst.name}: CP-SAT says the model is invalid")
    return BaselineResult(None, _finite(solver.best_objective_bound), "no_solution", seconds, None)


def solve_highs(
    inst: GapInstance,
    sense: Sense = "min",
    time_limit: float = 10.0,
    threads: int = 2,
    seed: int = 0,
) -> BaselineResult:
    """Solve the textbook model as a MIP with HiGHS, through ``highspy`` directly.

    Besides the time limit, threads and seed, one setting differs from HiGHS's defaults:
    ``mip_rel_gap = 0``. HiGHS stops by default at a relative gap of 1e-4, which on these integer
    objectives (1e3..2e5) would let it call a solution a few units off "optimal"; CP-SAT stops
    only at a proof, so the same stopping rule is the fair comparison.

    Parameters
    ----------
    inst : GapInstance
    sense : {"min", "max"}
    time_limit : float
        ``time_limit``.
    threads : int
        ``threads`` (HiGHS's global scheduler is reset when the count changes).
    seed : int
        ``random_seed``.
    """
    import highspy

    start = time.perf_counter()
    m, n = inst.n_agents, inst.n_jobs
    n_vars = m * n
    # column p = j * m + i is x[i, j]; it has a 1 in row j (exactly one agent for job j) and
    # a[i, j] in row n + i (capacity of agent i)
    agent = np.tile(np.arange(m), n)
    job = np.repeat(np.arange(n), m)
    lp = highspy.HighsLp()
    lp.num_col_ = n_vars
    lp.num_row_ = n + m
    lp.col_cost_ = inst.cost.T.reshape(-1).astype(np.float64)
    lp.col_lower_ = np.zeros(n_vars)
    lp.col_upper_ = np.ones(n_vars)
    lp.row_lower_ = np.concatenate([np.ones(n), np.full(m, -highspy.kHighsInf)])
    lp.row_upper_ = np.concatenate([np.ones(n), inst.capacity.astype(np.float64)])
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.num_col_ = n_vars
    lp.a_matrix_.num_row_ = n + m
    lp.a_matrix_.start_ = np.arange(0, 2 * n_vars + 1, 2, dtype=np.int32)
    lp.a_matrix_.index_ = np.stack([job, n + agent], axis=1).reshape(-1).astype(np.int32)
    lp.a_matrix_.value_ = (
        np.stack([np.ones(n_vars), inst.weight.T.reshape(-1)], axis=1).reshape(-1).astype(float)
    )
    lp.integrality_ = [highspy.HighsVarType.kInteger] * n_vars
    lp.sense_ = highspy.ObjSense.kMinimize if sense == "min" else highspy.ObjSense.kMaximize

    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", float(time_limit))
    h.setOptionValue("random_seed", int(seed))
    h.setOptionValue("mip_rel_gap", 0.0)
    h.passModel(lp)
    with highs_threads(int(threads)) as granted:
        h.setOptionValue("threads", granted)
        h.run()
    seconds = time.perf_counter() - start

    model_status = h.getModelStatus()
    info = h.getInfo()
    bound = _finite(info.mip_dual_bound)
    if model_status == highspy.HighsModelStatus.kInfeasible:
        return BaselineResult(None, None, "infeasible", seconds, None)
    if info.primal_solution_status != highspy.kSolutionStatusFeasible:
        return BaselineResult(None, bound, "no_solution", seconds, None)
    values = np.asarray(h.getSolution().col_value).reshape(n, m)
    assignment = values.argmax(axis=1).astype(np.int64)
    status = "optimal" if model_status == highspy.HighsModelStatus.kOptimal else "feasible"
    return BaselineResult(round(info.objective_function_value), bound, status, seconds, assignment)


def _finite(x: float) -> float | None:
    return float(x) if np.isfinite(x) and abs(x) < 1e30 else None
