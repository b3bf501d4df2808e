"""The one solve pipeline: every plan the product hands out comes through :func:`solve`.

``compile -> strategy (a backend, or a scenario's re-solve) -> safety net -> checks -> plan``.
The notebook API (:func:`allocator.allocate`), the command line, scenarios, the API's worker and
the benchmarks all call it (a bare :class:`~allocator.problem.Problem` such as an OR-Library GAP
instance enters one step later, at :func:`solve_problem`), so there is one place where a plan is
made and one place where it is verified: before a plan leaves, the compiled problem's own check
and the independent checker (:mod:`allocator.checker`, which knows no solver) look at it, and a
breach is a :class:`~allocator.errors.PlanBreachError` naming the rule -- a loud failure, never
a success.
Only a benchmark that says so may switch the independent check off (``SolveParams.check``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from allocator.compile import Compiled, compile_problem
from allocator.errors import PlanBreachError
from allocator.handover import hand_over
from allocator.instance import Instance
from allocator.params import SolveParams
from allocator.plan import Plan, build_plan
from allocator.policy import Policy, load_policy
from allocator.problem import Problem
from allocator.safeguards import never_worse_than_book, safety_net, within_move_caps
from allocator.solution import Solution, SolutionStatus, SolveControl
from allocator.staging import restate

if TYPE_CHECKING:
    from allocator.checker import CheckReport

log = logging.getLogger(__name__)

#: how a problem becomes a solution: a backend by default; a scenario's incremental re-solve
#: brings its own (:func:`scenarios.resolve.resolve`)
Strategy = Callable[[Problem, SolveParams, SolveControl | None], Solution]


def solve(
    instance: Instance,
    policy: Policy | Mapping[str, Any] | str | Path | None = None,
    params: SolveParams | None = None,
    control: SolveControl | None = None,
    *,
    hint: pd.Series | None = None,
    strategy: Strategy | None = None,
) -> Plan:
    """Allocate a validated bank: compile, solve, check, and build the plan.

    Parameters
    ----------
    instance
        The bank (:func:`allocator.validation.load_instance`).
    policy
        ``None`` for policy v1, a :class:`Policy`, overrides as a mapping, or a file.
    params
        Time limit, seed, workers, backend, staging, per-backend settings, checking.
    control
        Watch progress and stop early (the plan keeps the best solution so far).
    hint
        A warm start: customer_id -> rm_id (a previous plan); today's book otherwise.
    strategy
        How the compiled problem is solved (default: the backend ``params.backend`` names).

    Returns
    -------
    Plan
        One row per customer with status and reason, KPIs, the solve's status, bound and gap.

    Raises
    ------
    allocator.errors.InputError
        Conflicting locks (the issues name the rows).
    allocator.errors.PlanBreachError
        The plan breaks a hard rule (a backend defect): nothing is handed out.
    ValueError
        An unknown backend or a bad backend setting.
    """
    t0 = time.monotonic()
    pol = load_policy(policy)
    compiled = compile_problem(instance, pol, hint=hint)
    plan = solve_compiled(compiled, params or SolveParams(), control, strategy=strategy)
    log.info("%s (%.1fs in all)", plan.summary(), time.monotonic() - t0)
    return plan


def solve_compiled(
    compiled: Compiled,
    params: SolveParams,
    control: SolveControl | None = None,
    *,
    strategy: Strategy | None = None,
) -> Plan:
    """:func:`solve` from an already compiled problem (scenarios compile once and reuse it)."""
    solution = solve_problem(compiled.problem, params, control, strategy=strategy)
    handed = hand_over(compiled, solution.assignment)
    if not np.array_equal(handed, solution.assignment):
        solution = replace(solution, assignment=handed)
        solution.stages = [restate(compiled.problem, s, handed) for s in solution.stages]
    plan = build_plan(compiled, solution)
    if params.check:
        verify(plan)
    return plan


def solve_problem(
    problem: Problem,
    params: SolveParams,
    control: SolveControl | None = None,
    *,
    strategy: Strategy | None = None,
) -> Solution:
    """Solve a problem: the strategy, then the safeguards every solution goes through (the
    safety net, the move caps, never worse than today's book; :mod:`allocator.safeguards`),
    and the problem's own check.

    Raises
    ------
    allocator.errors.PlanBreachError
        The solution breaks a hard rule of the problem (a backend defect).
    """
    solution = (strategy or backend_strategy)(problem, params, control)
    solution = safety_net(problem, solution)
    solution = within_move_caps(problem, solution)
    solution = never_worse_than_book(problem, solution)
    # a proven-infeasible problem (required customers that cannot all be placed) is answered
    # with the best plan that leaves some of them out: every other rule still holds
    held = problem
    if solution.status == SolutionStatus.INFEASIBLE:
        held = problem.replace(required=np.zeros_like(problem.required))
    breaches = held.violations(solution.assignment)
    if breaches:
        details = "; ".join(breaches)
        raise PlanBreachError(solution.backend, {"compiled_problem": len(breaches)}, details)
    return solution


def backend_strategy(
    problem: Problem, params: SolveParams, control: SolveControl | None
) -> Solution:
    """Solve with the backend ``params.backend`` names (``auto``: chosen by size)."""
    from allocator.backends import choose_backend

    params = on_cluster(params)
    solver = choose_backend(problem, params.backend)
    options = params.options()
    solver.settings(options)  # a bad setting fails here, before any work
    log.info(
        "solving %d customers, %d RMs, %d eligible pairs with %s (limit %.1fs, seed %d)",
        problem.n_customers,
        problem.n_rms,
        problem.n_pairs,
        solver.name,
        params.time_limit,
        params.seed,
    )
    return solver.solve(problem, options, control)


def on_cluster(params: SolveParams) -> SolveParams:
    """The parameters of a solve sent to a Dask cluster (``params.scheduler``): only the
    ``decompose`` backend ships work to a cluster, so ``auto`` becomes ``decompose`` (its own
    inner backend), and any other backend becomes the inner backend of ``decompose``, which
    solves each part of the bank with it on the cluster. Without a scheduler, unchanged."""
    if params.scheduler is None or params.backend == "decompose":
        return params
    if params.backend == "auto":
        return params.replace(backend="decompose")
    settings = {name: dict(values) for name, values in params.settings.items()}
    settings["decompose"] = {**settings.get("decompose", {}), "inner": params.backend}
    log.info("on the cluster: decompose with %s solving each part", params.backend)
    return params.replace(backend="decompose", settings=settings)


def check_in_full(plan: Plan) -> CheckReport:
    """The independent checker on ``plan`` as every plan gets it on the way out: the hard
    rules, every reason code's claim (with the solve's report) and the coverage table."""
    from allocator.checker import check_plan

    return check_plan(
        plan.instance,
        plan.assignments,
        plan.policy,
        reasons=True,
        solve=plan.kpis["solve"],
        coverage=plan.coverage,
    )


def verify(plan: Plan) -> None:
    """Run the independent checker on ``plan`` (:func:`check_in_full`).

    Raises
    ------
    allocator.errors.PlanBreachError
        When it finds any violation (the error names the rules and counts).
    """
    report = check_in_full(plan)
    if not report.ok:
        log.error("plan breaks hard rules %s (backend %s)", report.by_rule(), plan.solution.backend)
        raise PlanBreachError(plan.solution.backend, report.by_rule(), report.summary())
