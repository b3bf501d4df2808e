"""The MIP phases of problems without side rules: tabu search, then the exact core MIP beside it.

Without groups or one-to-one customers the problem is a GAP, and two stronger tools than the
neighbourhood search apply: the compiled tabu search (:mod:`allocator.lns.tabu`) finds good
plans fast, and HiGHS on the *core* -- the pairs LP reduced costs cannot rule out
(:mod:`allocator.lns.coremip`) -- proves or improves them. :func:`pure_phase` runs them in the
order measured best: the tabu search alone first (it stalls sooner on small problems, where the
MIP is strong), then the core MIP in a thread of its own (:class:`MipRun`) with the tabu search
beside it, trading plans. On small problems HiGHS runs alone with every thread, and with two
workers the textbook *full MIP* runs beside it from the start (a portfolio).
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt

from allocator.lns.coremip import CoreResult, PlanExchange, solve_core
from allocator.lns.relaxation import Relaxation
from allocator.lns.settings import LnsSettings
from allocator.lns.tabu import tabu_phase
from allocator.problem import Problem
from allocator.solution import Progress, SolveControl

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

#: HiGHS's own default ``mip_heuristic_effort``: the full MIP runs as textbook HiGHS does
HIGHS_HEURISTIC_EFFORT = 0.05


class MipRun:
    """One :func:`~allocator.lns.coremip.solve_core` in a thread of its own.

    It has its own stop event (so one MIP can stop the other when it proves the optimum), which
    the caller's stop event also sets.
    """

    def __init__(
        self,
        name: str,
        caller_stop: threading.Event,
        solve: Callable[[threading.Event], CoreResult],
    ):
        self.stop = threading.Event()
        self.done = threading.Event()
        self.result: CoreResult | None = None  # None until done, or if HiGHS raised
        self._caller_stop = caller_stop
        self._solve = solve
        self._thread = threading.Thread(target=self._run, daemon=True, name=name)
        self._thread.start()
        threading.Thread(target=self._forward, daemon=True).start()

    def _run(self) -> None:
        try:
            self.result = self._solve(self.stop)
        finally:
            self.done.set()

    def _forward(self) -> None:
        while not self.done.is_set():
            if self._caller_stop.wait(0.05):
                self.stop.set()
                return

    @property
    def proven(self) -> bool:
        """Done, with the optimum proven."""
        return self.done.is_set() and self.result is not None and self.result.proven

    def finish(self) -> CoreResult | None:
        """Stop HiGHS (its best plan is kept) and return the result."""
        self.stop.set()
        self._thread.join()
        return self.result


def pure_phase(
    problem: Problem,
    start: IntArray,
    relax: Relaxation,
    loss: FloatArray,
    deadline: float,
    seed: int,
    workers: int,
    control: SolveControl | None,
    settings: LnsSettings,
    t0: float,
    stage: str,
) -> tuple[IntArray | None, bool, bool, float]:
    """Problems without side rules: tabu search, then the exact core MIP beside it.

    On small problems (``mip_alone_max_pairs``) the core MIP runs without the tabu search, and,
    with two workers, the *full MIP* (textbook HiGHS on the whole problem) beside it from the
    start: HiGHS's own branching on the full model reaches other plans than on the core.

    Returns the best plan (None if none), whether the caller stopped it, whether the plan is
    proven optimal, and the best proven bound found on the way (``inf`` if none).
    """
    stop = control.stop if control is not None else threading.Event()
    shared = [-math.inf]

    reporting = threading.Lock()  # two HiGHS threads may report at once

    def report(v: int) -> None:
        with reporting:
            if v > shared[0]:
                shared[0] = float(v)
                if control is not None:
                    control.report(Progress(stage, float(v), relax.bound, time.monotonic() - t0))

    # small problems: HiGHS alone with every thread beats sharing the cores with the tabu search
    # (measured on the 100- and 200-job Yagiura D instances)
    small = problem.n_pairs <= settings.mip_alone_max_pairs
    alone_mip = small or workers <= 1
    full: MipRun | None = None
    if small and workers >= 2 and settings.full_mip:
        full = MipRun(
            "lns-full-mip",
            stop,
            lambda s: solve_core(
                problem,
                relax,
                None,
                0,
                deadline - time.monotonic(),
                s,
                on_improve=report,
                heuristic_effort=HIGHS_HEURISTIC_EFFORT,
            ),
        )
    tabu_workers = workers - 1 if full is not None else workers
    full_done = full.done if full is not None else None

    def tabu(
        begin: IntArray, until: float, k: int, n: int, **kw: Any
    ) -> tuple[IntArray | None, bool]:
        return tabu_phase(
            problem,
            begin,
            loss,
            until,
            seed + k,
            n,
            control,
            settings,
            relax.bound,
            t0,
            stage,
            best_so_far=shared,
            **kw,
        )

    def better(a: IntArray | None, b: IntArray | None) -> IntArray | None:
        if a is None or (b is not None and problem.cover_value(b) > problem.cover_value(a)):
            return b
        return a

    def with_full(
        plan: IntArray | None, interrupted: bool, proven: bool, bound: float
    ) -> tuple[IntArray | None, bool, bool, float]:
        if full is None:
            return plan, interrupted, proven, bound
        res = full.finish()
        if res is None:
            return plan, interrupted, proven, bound
        plan = better(plan, res.assignment)
        if res.proven and plan is not None and problem.cover_value(plan) >= res.value:
            proven = True
        return plan, interrupted, proven, min(bound, res.bound)

    now = time.monotonic()
    # the tabu search alone first: it stalls sooner on small problems, where the MIP is strong
    alone = min(
        settings.tabu_first_share * (deadline - now),
        settings.tabu_first_max,
        1.0 + settings.tabu_first_per_pair * problem.n_pairs,
    )
    plan, interrupted = tabu(start, now + alone, 0, tabu_workers, extra_stop=full_done)
    if full is not None and full.proven:
        return with_full(plan, interrupted, False, math.inf)
    if plan is None or interrupted or deadline - time.monotonic() <= 0.05:
        if plan is None and not interrupted:
            plan, interrupted = tabu(start, deadline, 1, tabu_workers, extra_stop=full_done)
        return with_full(plan, interrupted, False, math.inf)
    value = problem.cover_value(plan)
    if value >= relax.bound:
        return with_full(plan, False, True, float(value))
    exchange = None if alone_mip else PlanExchange(plan, value)

    core = MipRun(
        "lns-core-mip",
        stop,
        lambda s: solve_core(
            problem,
            relax,
            plan,
            value,
            deadline - time.monotonic(),
            s,
            settings.core_max_pairs,
            report,
            threads=max(1, workers) if alone_mip and full is None else 1,
            exchange=exchange,
            heuristic_effort=settings.core_heuristic_effort,
        ),
    )
    plan2: IntArray | None = None
    if not alone_mip:
        # the tabu search goes on in this thread until the MIP proves or time runs out
        plan2, interrupted = tabu(plan, deadline, 1, 1, extra_stop=core.done, exchange=exchange)
    else:
        while not core.done.wait(0.05):
            if full is not None and full.proven:
                core.stop.set()
        interrupted = stop.is_set()
    res = core.finish()
    if full is not None and core.proven:
        full.stop.set()
    proven, bound = False, math.inf
    best = better(plan, plan2)
    assert best is not None
    if res is not None:
        bound = res.bound
        best = better(best, res.assignment)
        assert best is not None
        proven = res.proven and problem.cover_value(best) >= res.value
        more_time = not interrupted and time.monotonic() < deadline
        if not proven and not (full is not None and full.proven) and more_time:
            # the MIP ended early without a proof (a cut core): the tabu search may go on
            more, interrupted = tabu(best, deadline, 2, tabu_workers, extra_stop=full_done)
            best = better(best, more)
    return with_full(best, interrupted, proven, bound)
