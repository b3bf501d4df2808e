"""MIP engines and the stages of the MILP over them.

A :class:`MipEngine` holds the :class:`~allocator.formulations.milp_model.MilpModel` in one solver
(HiGHS in :mod:`allocator.engines.highs`, CBC in :mod:`allocator.engines.cbc`) and runs it with a
cost vector, a time limit and a start. :class:`MilpStageEngine` turns the objective stages into
solver runs for :func:`allocator.staging.run_stages`.
"""

from __future__ import annotations

import logging
import math
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from allocator.formulations.milp_model import MilpModel, Rows, cover_bound
from allocator.params import SolveOptions
from allocator.solution import Progress, SolveControl, Termination
from allocator.staging import StageOutcome, weaker

log = logging.getLogger(__name__)

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]
RunKind = Literal["optimal", "feasible", "infeasible", "unknown", "error"]


@dataclass(frozen=True)
class RunResult:
    """What one MIP solve found (objective and bound in the stage's own sense)."""

    kind: RunKind
    values: Floats | None
    bound: float
    interrupted: bool


class MipEngine(ABC):
    """A MIP solver holding the model; stages change its objective and add rows."""

    def __init__(
        self, model: MilpModel, options: SolveOptions, control: SolveControl | None, t0: float
    ):
        self.model = model
        self.options = options
        self.control = control
        self.t0 = t0
        self.stage = ""
        self.maximise = False
        #: seconds the first run took to reach its branch and bound (0 when unknown): a later
        #: run is started only with a larger budget (see :meth:`MilpStageEngine._step`)
        self.setup_seconds = 0.0

    @abstractmethod
    def add_rows(self, rows: Rows) -> None: ...

    @abstractmethod
    def set_objective(self, cost: Floats, maximise: bool) -> None: ...

    @abstractmethod
    def run(self, time_limit: float, start: Floats | None) -> RunResult: ...

    def stop_requested(self) -> bool:
        return self.control is not None and self.control.stop.is_set()

    def report(self, objective: float, bound: float) -> None:
        """Tell the caller about an improving solution (the moves step reports as continuity;
        the dropped step, a tie-break with the moves fixed, does not report)."""
        if self.control is None or self.stage == "dropped":
            return
        stage = "continuity" if self.stage == "moves" else self.stage
        if stage == "cover_value":
            objective = self.model.cover_of(objective, bound=False)
            bound = self.model.cover_of(bound, bound=True)
        secs = time.monotonic() - self.t0
        self.control.report(Progress(stage, float(objective), float(bound), secs))


#: the solver runs of each stage (continuity: fewest moved, then fewest dropped)
STEPS = {
    "cover_value": ("cover_value",),
    "continuity": ("moves", "dropped"),
    "balance": ("balance",),
}
#: share of a stage's time its first step may use when another follows (the tie-break is quick)
STEP_SHARE = 0.8


class MilpStageEngine:
    """The stages of a :class:`MilpModel` over one MIP engine (a
    :class:`allocator.staging.StageEngine`): each stage is one or two solver runs (*steps*),
    each step's value held by a row for the steps after it.

    Parameters
    ----------
    model
        The formulation.
    engine
        The solver holding it (HiGHS or CBC).
    name
        The backend's name, for log lines.
    """

    def __init__(self, model: MilpModel, engine: MipEngine, name: str):
        self.model = model
        self.engine = engine
        self.name = name
        self.moves_proven = False

    def solve_stage(self, stage: str, seconds: float, start: Ints | None) -> StageOutcome:
        model, engine = self.model, self.engine
        now = time.monotonic()
        if stage == "balance":
            engine.add_rows(model.balance_rows)
        steps = STEPS.get(stage)
        if steps is None:
            raise ValueError(f"unknown objective stage {stage!r}")
        first: RunResult | None = None
        all_optimal, go_on = True, True
        stopped: Termination | None = None
        best = start
        for k, step in enumerate(steps):
            share = seconds - (time.monotonic() - now)
            if k < len(steps) - 1:
                share *= STEP_SHARE
            found, res, taken, why = self._step(step, share, best)
            if res.kind == "infeasible" and found is None:
                return StageOutcome(None, infeasible=True, proceed=False)
            first = first or res
            all_optimal &= res.kind == "optimal" and taken
            if why is not None:
                stopped = why if stopped is None else weaker(stopped, why)
            if found is None:
                return StageOutcome(None, stopped=stopped or Termination.TIME_LIMIT, proceed=False)
            best = found
            if k < len(steps) - 1:  # the stage's last step is held by hold()
                engine.add_rows(model.fix_row(step, model.step_value(step, found)))
            # like CP-SAT: a step cut short still fixes its best value and the solve goes on;
            # a step that found nothing new ends it
            go_on = res.kind in ("optimal", "feasible")
            if not go_on:
                break
        assert first is not None
        self.moves_proven = stage == "cover_value" and model.tie_break and all_optimal
        return StageOutcome(
            best,
            optimal=all_optimal and go_on,
            bound=self._bound(stage, first.bound),
            stopped=stopped,
            proceed=go_on,
        )

    def hold(self, stage: str, assignment: Ints) -> None:
        if stage == "balance":
            return
        step = STEPS[stage][-1]
        self.engine.add_rows(self.model.fix_row(step, self.model.step_value(step, assignment)))

    def _bound(self, stage: str, raw: float) -> float:
        """The first step's bound in the stage's natural unit (NaN when there is none)."""
        if stage == "cover_value":
            return cover_bound(self.model, raw)
        if not math.isfinite(raw):
            return math.nan
        if stage == "continuity":
            return float(max(math.ceil(raw - 1e-6), 0))
        return max(raw, 0.0)

    def _step(
        self, step: str, budget: float, best: Ints | None
    ) -> tuple[Ints | None, RunResult, bool, Termination | None]:
        """One solver run: the best valid assignment after it (``None``: none yet), the run,
        whether the run's own answer was taken (an optimum counts only then), and why it
        stopped short (``None``: it did not)."""
        model, engine = self.model, self.engine
        cost, maximise = model.step_cost(step)
        engine.stage = step
        engine.set_objective(cost, maximise)
        trivial = not cost.any() or (step == "balance" and model.balance_rows.n_rows == 0)
        trivial |= step == "moves" and self.moves_proven  # the tie-broken first step proved it
        # a later run (presolve off, dense rows fixing the earlier objectives) takes at least
        # as long to set up as the first: with less budget than that it would only overrun the
        # time limit (measured at 10^5 customers: an 8.8 s step took 107 s) without a better plan
        too_short = budget <= max(0.01, engine.setup_seconds)
        if best is not None and (trivial or too_short):
            kind: RunKind = "optimal" if trivial else "unknown"
            why = None if trivial else self._ran_out(False, False)
            return best, RunResult(kind, None, math.nan, False), trivial, why
        res = engine.run(budget, model.columns(best) if best is not None else None)
        if res.kind == "infeasible" and best is not None:
            log.warning("%s: step %s reported infeasible beside a valid start", self.name, step)
        why = None if res.kind == "optimal" else self._ran_out(res.interrupted, res.kind == "error")
        cand = self._candidate(step, maximise, res, best)
        return (best, res, False, why) if cand is None else (cand, res, True, why)

    def _ran_out(self, interrupted: bool, error: bool) -> Termination:
        if error:
            return Termination.ERROR
        if interrupted or self.engine.stop_requested():
            return Termination.INTERRUPTED
        return Termination.TIME_LIMIT

    def _candidate(
        self, step: str, maximise: bool, res: RunResult, best: Ints | None
    ) -> Ints | None:
        """The solver's assignment when valid and not worse than the start, else ``None``."""
        if res.values is None:
            return None
        model = self.model
        cand = model.assignment(res.values, reference=best)  # members keep the start's RM
        bad = model.problem.violations(cand)
        if bad:
            log.warning("%s: solver answer rounds to an invalid assignment: %s", self.name, bad)
            return None
        if best is None:
            return cand
        new, old = model.step_value(step, cand), model.step_value(step, best)
        worse = new < old - 1e-9 if maximise else new > old + 1e-9
        return None if worse else cand
