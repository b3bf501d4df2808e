"""CP-SAT as a stage engine: solve one stage of a :class:`CpSatModel` at a time.

One place for what every staged CP-SAT solve needs -- time limit, seed, workers, the switches for
large models, progress reports, stop requests, the hint -- used by the ``cpsat`` backend for all
stages and by ``lns`` for the stages after its own first one.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Mapping
from typing import Any

import numpy as np
import numpy.typing as npt

from allocator.formulations.cpsat_model import CpSatModel
from allocator.params import SolveOptions, StageBudget
from allocator.solution import Progress, SolveControl, Termination
from allocator.staging import StageOutcome

Ints = npt.NDArray[np.int64]

#: CP-SAT's staging: the balance stage gets at most 30 % of the whole limit (it is often pinned
#: by one RM continuity keeps full, and CP-SAT would spend all that is left proving it)
CPSAT_BUDGET = StageBudget(balance_cap=0.3)
#: above this many pairs, skip CP-SAT's symmetry detection and probing: measured at 87k pairs,
#: symmetry detection (6 s) and probing (6 s) ate the whole budget before the search started
SYMMETRY_MAX_PAIRS = 20_000


class _Watcher:
    """Reports improving solutions and stops the search on request."""

    def __init__(self, cp: Any, stage: str, control: SolveControl | None, t0: float, scale: float):
        outer = self
        self.control, self.stage, self.t0, self.scale = control, stage, t0, scale

        class _Callback(cp.CpSolverSolutionCallback):  # type: ignore[misc,name-defined]
            def on_solution_callback(self) -> None:
                if outer.control is None:
                    return
                outer.control.report(
                    Progress(
                        outer.stage,
                        self.objective_value * outer.scale,
                        self.best_objective_bound * outer.scale,
                        time.monotonic() - outer.t0,
                    )
                )
                if outer.control.stop.is_set():
                    self.stop_search()

        self.callback = _Callback()


def _stop_on(flag: threading.Event, done: threading.Event, solver: Any) -> None:
    """Stop ``solver`` as soon as ``flag`` is set, until ``done`` (runs in a daemon thread)."""
    while not done.is_set():
        if flag.wait(0.05):
            solver.stop_search()
            return


class CpSatStageEngine:
    """Solves the stages of one :class:`CpSatModel` (see :class:`allocator.staging.StageEngine`).

    Parameters
    ----------
    model
        The formulation (its constraints grow as stages are held).
    options
        Seed, workers, logging.
    control
        Stop requests and progress reports.
    t0
        When the whole solve started (progress reports count from it).
    work
        Deterministic time per stage (CP-SAT's ``max_deterministic_time``): when a stage has
        one, it binds, and the stage's wall limit becomes all the time left before the solve's
        deadline -- a safety net -- so that with one worker the stage's answer does not depend
        on the clock (the ``lns`` backend's deterministic search).
    """

    def __init__(
        self,
        model: CpSatModel,
        options: SolveOptions,
        control: SolveControl | None,
        t0: float,
        work: Mapping[str, float] | None = None,
    ):
        self.model = model
        self.options = options
        self.control = control
        self.t0 = t0
        self.work = dict(work or {})
        self.stop = control.stop if control is not None else threading.Event()

    def solve_stage(self, stage: str, seconds: float, start: Ints | None) -> StageOutcome:
        built = self.model
        cp = built.cp
        expr, sense, scale = built.stage_objective(stage)
        if sense == "max":
            built.model.maximize(expr)
        else:
            built.model.minimize(expr)
        if start is not None:
            built.hint(start)
        solver = cp.CpSolver()
        prm = solver.parameters
        prm.max_time_in_seconds = max(seconds, 0.01)
        if stage in self.work:
            prm.max_deterministic_time = max(self.work[stage], 0.001)
            left = self.t0 + self.options.time_limit - time.monotonic()
            prm.max_time_in_seconds = max(left, 0.01)
        prm.random_seed = self.options.seed
        prm.num_workers = self.options.workers
        prm.log_search_progress = self.options.log
        if built.problem.n_pairs > SYMMETRY_MAX_PAIRS:
            prm.symmetry_level = 0
            prm.cp_model_probing_level = 0
        watcher = _Watcher(cp, stage, self.control, self.t0, scale)
        done = threading.Event()
        stopper = threading.Thread(target=_stop_on, args=(self.stop, done, solver), daemon=True)
        stopper.start()
        status = solver.solve(built.model, watcher.callback)
        done.set()
        if status == cp.INFEASIBLE:
            return StageOutcome(None, infeasible=True, proceed=False)
        if status not in (cp.OPTIMAL, cp.FEASIBLE):
            return StageOutcome(None, stopped=self._why(), proceed=False)
        optimal = status == cp.OPTIMAL
        return StageOutcome(
            built.assignment(solver),
            optimal=optimal,
            bound=self._bound(stage, solver.best_objective_bound, scale),
            stopped=None if optimal else self._why(),
        )

    def hold(self, stage: str, assignment: Ints) -> None:
        self.model.hold(stage, self.model.expression_value(stage, assignment))

    def _bound(self, stage: str, raw: float, scale: float) -> float:
        """CP-SAT's bound in the stage's natural unit (moved customers for continuity)."""
        if not math.isfinite(raw):
            return math.nan
        if stage == "continuity":
            k = self.model.keepable
            return float(np.floor((raw + k) / (k + 1) + 1e-9))
        return float(raw * scale)

    def _why(self) -> Termination:
        return Termination.INTERRUPTED if self.stop.is_set() else Termination.TIME_LIMIT
