"""The notebook and batch entry point: files or DataFrames in, a checked-ready plan out."""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from allocator.backends import SolveControl, choose_backend
from allocator.compile import compile_problem
from allocator.heuristics.greedy import greedy_assignment
from allocator.instance import Instance
from allocator.plan import Plan, build_plan
from allocator.policy import Policy, load_policy
from allocator.solution import Solution, SolutionStatus, SolveOptions, StageResult
from allocator.validation import load_instance

log = logging.getLogger(__name__)

Source = str | Path | pd.DataFrame


def allocate(
    customers: Source | Instance,
    rms: Source | None = None,
    branches: Source | None = None,
    policy: Policy | Mapping[str, Any] | str | Path | None = None,
    *,
    backend: str = "auto",
    time_limit: float = 30.0,
    seed: int = 0,
    workers: int = 2,
    control: SolveControl | None = None,
    warm_start: Plan | pd.DataFrame | pd.Series | None = None,
    log_solver: bool = False,
) -> Plan:
    """Allocate customers to RMs under a policy.

    Parameters
    ----------
    customers, rms, branches
        Contract v1 tables as paths (CSV, Parquet, Excel) or DataFrames; or an :class:`Instance`
        as ``customers`` (then ``rms`` and ``branches`` stay ``None``).
    policy
        ``None`` for the default policy v1, overrides as a mapping or a file, or a Policy.
    backend
        ``auto`` (by size and features), ``cpsat``, ``greedy``, or any registered backend.
    time_limit, seed, workers
        Every solve has a time limit (seconds), a seed and a worker count.
    control
        Watch progress and stop early (the plan keeps the best solution so far).
    warm_start
        A previous plan, or a table/Series customer_id -> rm_id, used as the solver's starting
        point (today's book otherwise). Continuity is always measured against today's book.

    Returns
    -------
    Plan
        One row per customer with status and reason, KPIs, the solve's status, bound and gap.

    Raises
    ------
    allocator.errors.InputError
        Invalid input (every problem listed), including conflicting locks.
    """
    t0 = time.monotonic()
    pol = load_policy(policy)
    if isinstance(customers, Instance):
        instance = customers
    else:
        if rms is None:
            raise TypeError("rms is required unless customers is an Instance")
        instance = load_instance(customers, rms, branches, policy=pol)
    compiled = compile_problem(instance, pol, hint=_hint_series(warm_start))
    problem = compiled.problem
    solver = choose_backend(problem, backend)
    options = SolveOptions(time_limit=time_limit, seed=seed, workers=workers, log=log_solver)
    log.info(
        "solving %d customers, %d RMs, %d eligible pairs with %s (limit %.1fs, seed %d)",
        problem.n_customers,
        problem.n_rms,
        problem.n_pairs,
        solver.name,
        time_limit,
        seed,
    )
    solution = solver.solve(problem, options, control)
    solution = _safety_net(problem, solution)
    problems = problem.violations(solution.assignment)
    if problems:  # a backend bug: never hand out a plan that breaks a hard rule
        raise RuntimeError(f"backend {solution.backend} returned an invalid assignment: {problems}")
    plan = build_plan(compiled, solution)
    log.info("%s (%.1fs in all)", plan.summary(), time.monotonic() - t0)
    return plan


def _hint_series(warm_start: Plan | pd.DataFrame | pd.Series | None) -> pd.Series | None:
    if warm_start is None:
        return None
    if isinstance(warm_start, Plan):
        table = warm_start.assignments
    elif isinstance(warm_start, pd.Series):
        return warm_start
    else:
        table = warm_start
    return table.set_index("customer_id")["rm_id"]


def _safety_net(problem: Any, solution: Solution) -> Solution:
    """When the backend found no assignment (time too short, or required customers that cannot
    all be placed), fall back to the greedy plan and say so in the status: the plan leaves
    customers unassigned with a reason rather than failing."""
    if solution.status not in (SolutionStatus.NO_SOLUTION, SolutionStatus.INFEASIBLE):
        return solution
    a = greedy_assignment(problem)
    if problem.violations(a):
        relaxed = problem.replace(required=np.zeros_like(problem.required))
        a = greedy_assignment(relaxed)
    stage = StageResult(
        "cover_value", float(problem.cover_value(a)), float("nan"), SolutionStatus.FEASIBLE, 0.0
    )
    return Solution(
        assignment=a,
        status=SolutionStatus.FEASIBLE
        if solution.status == SolutionStatus.NO_SOLUTION
        else solution.status,
        termination=solution.termination,
        stages=[stage],
        backend=f"{solution.backend}+greedy",
        seconds=solution.seconds,
    )
