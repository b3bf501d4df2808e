"""The tabu phase: one or two compiled tabu searches in threads, reporting and trading plans.

The tabu search itself is the numba kernel of :mod:`allocator.lns.localsearch`; this phase runs
it in rounds of ``settings.tabu_round`` seconds so that between rounds it can check the clock and
the stop events, report progress, and -- with two workers -- let the two differently tuned
searches continue from the better plan (diversity is worth more than two copies of one). Beside
the core MIP it trades plans through a :class:`~allocator.lns.coremip.PlanExchange`.
"""

from __future__ import annotations

import math
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import numpy.typing as npt

from allocator.lns import localsearch
from allocator.lns.budget import WorkBudget
from allocator.lns.coremip import PlanExchange
from allocator.lns.relaxation import Relaxation
from allocator.lns.settings import LnsSettings
from allocator.problem import Problem
from allocator.solution import Progress, SolveControl

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


def tabu_phase(
    problem: Problem,
    start: IntArray,
    loss: FloatArray,
    deadline: float,
    seed: int,
    workers: int,
    control: SolveControl | None,
    settings: LnsSettings,
    bound: float,
    t0: float,
    stage: str,
    extra_stop: threading.Event | None = None,
    best_so_far: list[float] | None = None,
    exchange: PlanExchange | None = None,
) -> tuple[IntArray | None, bool]:
    """Run one or two tabu searches (two threads) until ``deadline`` or ``extra_stop``;
    returns the best feasible plan (None if none was found) and whether the caller's stop event
    interrupted. ``best_so_far`` (one value, shared with other searches) keeps progress reports
    monotone; through ``exchange`` the searches trade plans with the core MIP beside them (each
    round they offer their best and continue from a better plan the MIP found)."""
    stop = control.stop if control is not None else threading.Event()
    extra = extra_stop if extra_stop is not None else threading.Event()
    shared = best_so_far if best_so_far is not None else [-math.inf]
    n = max(1, min(int(workers), 2))
    # two differently tuned searches: diversity is worth more than two copies of one
    budgets = [40_000.0, 100_000.0]
    searches = [
        localsearch.TabuSearch.create(
            problem, start, loss, seed=seed + 7919 * k, swap_budget=budgets[k % 2]
        )
        for k in range(n)
    ]
    best: IntArray | None = None
    best_value = -math.inf
    pool = ThreadPoolExecutor(max_workers=n) if n > 1 else None
    rounds = 0
    taken = 0  # the exchange's version last taken
    try:
        while not stop.is_set() and not extra.is_set():
            left = deadline - time.monotonic()
            if left <= 0.01:
                break
            span = min(settings.tabu_round, left)

            def work(ts: localsearch.TabuSearch, span: float = span) -> None:
                ts.run_for(span, chunk=50, stall=settings.tabu_stall)

            if pool is None:
                work(searches[0])
            else:
                list(pool.map(work, searches))
            rounds += 1
            improved = False
            for ts in searches:
                if ts.has_best and ts.best_value > best_value:
                    best_value = ts.best_value
                    best = ts.best
                    improved = True
            if exchange is not None:
                if best is not None:
                    exchange.offer(best, best_value, "tabu")
                got = exchange.newer(taken, "tabu")
                if got is not None:
                    taken = got[2]
                    if got[1] > best_value:
                        best, best_value = got[0], int(got[1])
                        for ts in searches:
                            ts.restart(best)
            if improved and best_value > shared[0]:
                shared[0] = best_value
                if control is not None:
                    control.report(Progress(stage, float(best_value), bound, time.monotonic() - t0))
            if best is not None and best_value >= bound:
                break
            if n > 1 and rounds % settings.tabu_sync_rounds == 0 and best is not None:
                for ts in searches:
                    if not ts.has_best or ts.best_value < best_value:
                        ts.restart(best)
    finally:
        if pool is not None:
            pool.shutdown(wait=True)
    return best, stop.is_set()


#: share of a deterministic search's work the tabu search takes on a problem without side rules
#: (the neighbourhood search continues from its plan with the rest)
DETERMINISTIC_TABU_SHARE = 0.75


def tabu_steps(
    problem: Problem,
    start: IntArray,
    loss: FloatArray,
    work: WorkBudget,
    seed: int,
    control: SolveControl | None,
    settings: LnsSettings,
    relax: Relaxation,
    t0: float,
    stage: str = "cover_value",
) -> IntArray | None:
    """One tabu search that counts its iterations instead of watching the clock: it runs
    :data:`DETERMINISTIC_TABU_SHARE` of ``work`` (``settings.tabu_iterations_per_work``
    iterations a unit) in rounds of ``settings.tabu_round`` units, between which it checks the
    stop event and reports progress. Returns the best feasible plan (None if none was found)."""
    stop = control.stop if control is not None else threading.Event()
    ts = localsearch.TabuSearch.create(problem, start, loss, seed=seed, swap_budget=40_000.0)
    rate = settings.tabu_iterations_per_work
    units = DETERMINISTIC_TABU_SHARE * work.left()
    best_value = -math.inf
    while units > 1e-9 and not stop.is_set() and not work.done():
        step = min(settings.tabu_round, units)
        ts.run_steps(max(1, round(step * rate)), chunk=50, stall=settings.tabu_stall)
        units -= step
        work.charge(step)
        if ts.has_best and ts.best_value > best_value:
            best_value = ts.best_value
            if control is not None:
                progress = Progress(stage, float(best_value), relax.bound, time.monotonic() - t0)
                control.report(progress)
            if best_value >= relax.bound:
                break
    return ts.best if ts.has_best else None
