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
from allocator.lns.coremip import PlanExchange
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
