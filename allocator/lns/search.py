"""The LNS: an LP-guided start, repair, then improvement by exact sub-solves on both cores.

Why this shape (measured on the Yagiura GAP types C-E, up to 80 x 1600):

- the LP relaxation (:mod:`allocator.lns.relaxation`) is within ~0.1% of the optimum and its
  basic solution leaves only about one customer per RM fractional, so *rounding it* (keeping the
  integral part) is a plan within a fraction of a percent, missing a few dozen required
  customers (:mod:`allocator.lns.starts`);
- those are placed by the same neighbourhood solves that improve the plan later
  (:mod:`allocator.lns.improve`): a missing required customer enters a sub-problem with a bonus
  that makes placing it worth more than any change of value there (feasibility first,
  lexicographically);
- on problems without side rules the compiled tabu search and the exact core MIP
  (:mod:`allocator.lns.mip`) run first -- they are stronger there -- and the neighbourhood search
  continues from their plan if time is left and nothing is proven;
- with one worker the search is deterministic (:mod:`allocator.lns.budget`): every phase stops
  on counted work, not on the clock, and the core MIP, which has no such limit, is left out.

:func:`lns_search` only orchestrates these phases and says what they found (:class:`LnsResult`).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from allocator.lns import localsearch
from allocator.lns.budget import WorkBudget
from allocator.lns.improve import NeighbourhoodSearch
from allocator.lns.mip import pure_phase
from allocator.lns.relaxation import Relaxation, solve_relaxation
from allocator.lns.settings import LnsSettings
from allocator.lns.starts import best_start, rank
from allocator.lns.tabu import tabu_steps
from allocator.problem import Problem
from allocator.solution import SolveControl

IntArray = npt.NDArray[np.int64]


@dataclass
class LnsResult:
    """Outcome of :func:`lns_search` for the cover-value stage.

    Attributes
    ----------
    assignment : numpy.ndarray of int64
        Best plan found; it may leave required customers unassigned only if ``feasible`` is
        False.
    feasible : bool
        No hard rule is broken (every required customer placed).
    value : int
        Cover value of ``assignment``.
    bound : float
        Proven upper bound on the cover value (``inf`` when none is known).
    optimal, infeasible : bool
        Proven optimal / proven infeasible.
    interrupted : bool
        Stopped by ``SolveControl.stop``.
    iterations, improvements : int
        Sub-solves run and sub-solves that improved the plan.
    relaxation : Relaxation or None
    """

    assignment: IntArray
    feasible: bool
    value: int
    bound: float
    optimal: bool
    infeasible: bool
    interrupted: bool
    iterations: int = 0
    improvements: int = 0
    relaxation: Relaxation | None = None
    log: list[str] = field(default_factory=list)


def lns_search(
    problem: Problem,
    time_limit: float,
    seed: int = 0,
    workers: int = 2,
    control: SolveControl | None = None,
    start: npt.ArrayLike | None = None,
    settings: LnsSettings | None = None,
    stage: str = "cover_value",
    t0: float | None = None,
) -> LnsResult:
    """Maximise the cover value of ``problem`` by LP-guided large neighbourhood search.

    Parameters
    ----------
    problem : Problem
    time_limit : float
        Seconds for everything (LP, start, search).
    seed : int
        Seed of the neighbourhood choice and of the CP-SAT sub-solves.
    workers : int
        Sub-solves run at once (1 or 2).
    control : SolveControl, optional
        Stop event (the best plan so far is returned) and progress callback.
    start : array-like, optional
        A plan to start from as well (e.g. today's book); it is sanitised first.
    settings : LnsSettings, optional
    stage : str
        Name used in progress reports.
    t0 : float, optional
        ``time.monotonic()`` at which the caller's solve started (for progress seconds).

    Returns
    -------
    LnsResult
    """
    settings = settings or LnsSettings()
    now = time.monotonic()
    t0 = now if t0 is None else t0
    deadline = now + time_limit
    # one worker: counted work, not the clock, says when to stop (a reproducible plan)
    work = None
    if settings.deterministic and workers <= 1:
        work = WorkBudget(settings.work_rate * time_limit, deadline)
    search = NeighbourhoodSearch(
        problem, deadline, seed, workers, control, settings, t0, stage, work=work
    )
    n_c = problem.n_customers
    ptr = problem.customer_ptr
    if (problem.required & (ptr[1:] == ptr[:-1])).any():
        empty = np.full(n_c, -1, dtype=np.int64)
        return LnsResult(empty, False, 0, math.inf, False, True, False)

    want_tabu = settings.tabu and localsearch.HAVE_NUMBA and not search.side_rules
    if want_tabu:
        localsearch.ready(0.0)  # start compiling (or loading) the kernel beside the LP
    relax = solve_relaxation(problem, settings.lp_share * time_limit, threads=1)
    search.log.append(f"lp {relax.status} bound {relax.bound} in {relax.seconds:.2f} s")
    if relax.status == "infeasible":
        empty = np.full(n_c, -1, dtype=np.int64)
        return LnsResult(empty, False, 0, math.inf, False, True, False, relaxation=relax)
    search.bound = relax.bound
    search.set_guide(relax)

    best = best_start(problem, relax, start, settings)
    search.set_plan(best)
    search.log.append(f"start missing {search.missing} value {search.value}")
    search.report()
    interrupted = False
    # a deterministic search waits for the compiled kernel (a clock-dependent choice otherwise)
    wait = max(deadline - time.monotonic(), 0.0) * (0.5 if work is not None else 0.1)
    use_tabu = (
        want_tabu
        and problem.n_pairs >= settings.tabu_min_pairs
        and relax.ok
        and localsearch.ready(min(2.0, wait) if work is None else wait)
    )
    proven = False
    if use_tabu and work is not None:
        plan = tabu_steps(problem, search.a, search.loss, work, seed, control, settings, relax, t0)
        if plan is not None and rank(problem, plan) < rank(problem, search.a):
            search.set_plan(plan)
        search.log.append(f"tabu (deterministic): value {search.value}, missing {search.missing}")
    elif use_tabu:
        plan, interrupted, proven, core_bound = pure_phase(
            problem,
            search.a,
            relax,
            search.loss,
            deadline,
            seed,
            workers,
            control,
            settings,
            t0,
            stage,
        )
        if plan is not None and rank(problem, plan) < rank(problem, search.a):
            search.set_plan(plan)
        search.bound = min(search.bound, core_bound)
        search.log.append(f"tabu + core MIP: value {search.value}, missing {search.missing}")
    optimal = proven
    if not interrupted and not proven:
        optimal, interrupted = search.run()
    search.log.append(
        f"lns {search.iterations} sub-solves, {search.improvements} improving, "
        f"final size {search.target:.0f}"
    )
    feasible = search.missing == 0
    return LnsResult(
        assignment=search.a,
        feasible=feasible,
        value=search.value,
        bound=search.bound,
        optimal=optimal and feasible,
        infeasible=search.proven_infeasible,
        interrupted=interrupted,
        iterations=search.iterations,
        improvements=search.improvements,
        relaxation=relax,
        log=search.log,
    )
