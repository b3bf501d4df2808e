"""The one lexicographic stage loop, and its time budget.

The objective is lexicographic (cover value, then continuity, then balance) and every exact
backend solves it in *stages*: a stage optimises its own objective with the earlier ones held at
the values found, starting from the best plan so far. What differs between backends is only how a
stage is solved -- CP-SAT, HiGHS, CBC -- so that is a small :class:`StageEngine` protocol, and
everything else lives here once: the time each stage may use, stopping on request, accepting a
stage's answer only when it is valid and not worse than the plan it started from, honest bounds
(a trivial one when the engine has none), why the solve stopped, and the final status.

Why a stage's plan is re-checked here even from an exact engine: a MIP answer is rounded from
floating point, a CP-SAT answer may come from a hint the time limit cut short. The loop keeps the
best *valid* plan, so a stage can only make the plan better.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt

from allocator.params import StageBudget
from allocator.problem import Problem, trivial_bound
from allocator.solution import (
    Solution,
    SolutionStatus,
    SolveControl,
    StageResult,
    Termination,
)

log = logging.getLogger(__name__)

Ints = npt.NDArray[np.int64]

#: the senses of the stages: cover value is maximised, the others minimised
MAXIMISED = frozenset({"cover_value"})
#: termination, weakest first (the loop keeps the weakest it has seen)
_TERMINATION_ORDER = (
    Termination.ERROR,
    Termination.INTERRUPTED,
    Termination.TIME_LIMIT,
    Termination.CONVERGED,
)


def weaker(a: Termination, b: Termination) -> Termination:
    """The weaker of two terminations (an error, else a stop, else a time limit, else
    converged): what a solve of several steps reports."""
    return min(a, b, key=_TERMINATION_ORDER.index)


@dataclass(frozen=True)
class StageOutcome:
    """What an engine reports for one stage.

    Attributes
    ----------
    assignment : numpy.ndarray, optional
        The engine's plan for the stage (``None``: it found nothing).
    optimal : bool
        The engine proved this plan optimal for the stage (with the earlier stages held).
    bound : float
        A proven bound in the stage's natural sense (upper for cover value, lower for moves and
        utilisation); NaN when the engine has none.
    infeasible : bool
        Proven: no assignment meets the hard rules.
    stopped : Termination, optional
        Why the engine stopped short of a proof (``None``: it converged).
    proceed : bool
        Whether the later stages are worth running (``False`` after a failure or when the time
        ran out before anything was found).
    """

    assignment: Ints | None
    optimal: bool = False
    bound: float = math.nan
    infeasible: bool = False
    stopped: Termination | None = None
    proceed: bool = True


class StageEngine(Protocol):
    """A solver holding one formulation of the problem, solving it a stage at a time."""

    def solve_stage(self, stage: str, seconds: float, start: Ints | None) -> StageOutcome:
        """Optimise ``stage`` within ``seconds``, starting from ``start`` (a valid plan, or
        ``None`` when there is none yet), the earlier stages held."""
        ...

    def hold(self, stage: str, assignment: Ints) -> None:
        """Keep ``stage`` at least as good as ``assignment``'s value in every later stage."""
        ...


def _not_worse(problem: Problem, stage: str, new: Ints, old: Ints) -> bool:
    a, b = problem.stage_value(stage, new), problem.stage_value(stage, old)
    return a >= b - 1e-9 if stage in MAXIMISED else a <= b + 1e-9


def _bound(problem: Problem, stage: str, value: float, bound: float) -> float:
    """A stage's reported bound: the engine's, on the right side of the value and never weaker
    than the trivial one (which it is when the engine has none).

    Why the trivial bound caps the engine's: CP-SAT stopped before its first propagation reports
    the objective's domain as its bound -- the sum of *every pair's* value, a customer with five
    eligible RMs counted five times -- far above the largest cover possible (each customer's
    best pair). The ``decompose`` backend, whose parts get short budgets, added these up to a
    "gap" of 49 % (issue 13).
    """
    trivial = trivial_bound(problem, stage)
    if not math.isfinite(bound):
        bound = trivial
    if stage in MAXIMISED:
        return max(min(bound, trivial), value)
    return min(max(bound, trivial), value)


def run_stages(
    problem: Problem,
    engine: StageEngine,
    *,
    start: Ints | None,
    time_limit: float,
    control: SolveControl | None,
    budget: StageBudget,
    name: str,
    t0: float | None = None,
    stages: Sequence[str] | None = None,
    done: Sequence[StageResult] = (),
) -> Solution:
    """Solve the stages of ``problem`` in order with ``engine``.

    Parameters
    ----------
    problem
        What is solved (its :attr:`~allocator.problem.Problem.stages` give the order).
    engine
        Solves one stage at a time and holds each stage's value for the later ones.
    start
        A valid plan to start from (today's book made feasible, a heuristic's plan), or ``None``.
    time_limit, t0
        Seconds for the whole solve, counted from ``t0`` (now when ``None``).
    control
        Stop requests (the best plan so far is returned) and progress reports.
    budget
        How the time is shared between the stages.
    name
        The backend's name, recorded on the solution.
    stages, done
        Solve only these stages (default: all of the problem's), after the results ``done``
        of stages solved before (the ``lns`` backend solves the first stage itself).

    Returns
    -------
    Solution
        The best valid plan, each stage's objective recomputed on it with a proven bound,
        ``optimal`` only when every stage was proven, and why the solve stopped.
    """
    t0 = time.monotonic() if t0 is None else t0
    deadline = t0 + time_limit
    names = list(problem.stages if stages is None else stages)
    results = list(done)
    termination = Termination.CONVERGED
    best = start if start is not None and not problem.violations(start) else None

    def stopped() -> bool:
        return control is not None and control.stop.is_set()

    for i, stage in enumerate(names):
        now = time.monotonic()
        remaining = deadline - now
        if remaining <= 0.01 or stopped():
            termination = weaker(
                termination, Termination.INTERRUPTED if stopped() else Termination.TIME_LIMIT
            )
            break
        last, first = i == len(names) - 1, i == 0 and not done
        seconds = budget.seconds(stage, remaining, last, first, time_limit)
        out = engine.solve_stage(stage, seconds, best)
        if out.infeasible and out.assignment is None:
            if best is None:
                return _empty(problem, SolutionStatus.INFEASIBLE, Termination.CONVERGED, name, t0)
            log.warning("%s: stage %s reported infeasible beside a valid start", name, stage)
        taken = False
        cand = out.assignment
        if cand is not None:
            bad = problem.violations(cand)
            if bad:
                log.warning("%s: stage %s returned an invalid plan: %s", name, stage, bad)
            elif best is None or _not_worse(problem, stage, cand, best):
                best, taken = cand, True
        optimal = out.optimal and taken
        if not optimal:
            why = out.stopped or (Termination.INTERRUPTED if stopped() else Termination.TIME_LIMIT)
            termination = weaker(termination, why)
        if best is None:  # nothing valid yet, and this stage found nothing either
            break
        value = problem.stage_value(stage, best)
        bound = value if optimal else _bound(problem, stage, value, out.bound)
        status = SolutionStatus.OPTIMAL if optimal else SolutionStatus.FEASIBLE
        results.append(StageResult(stage, value, bound, status, time.monotonic() - now))
        if cand is None or not out.proceed:
            break
        engine.hold(stage, best)
    if best is None:
        return _empty(problem, SolutionStatus.NO_SOLUTION, termination, name, t0)
    all_stages = len(results) == len(problem.stages)
    proven = all_stages and all(s.status == SolutionStatus.OPTIMAL for s in results)
    status = SolutionStatus.OPTIMAL if proven else SolutionStatus.FEASIBLE
    final = [restate(problem, s, best) for s in results]
    return Solution(best, status, termination, final, name, time.monotonic() - t0)


def restate(problem: Problem, stage: StageResult, a: Ints) -> StageResult:
    """A stage's result with its objective recomputed on the final plan ``a`` (a later stage
    holds the earlier ones at least as good, so a bound stays a bound)."""
    from dataclasses import replace

    value = problem.stage_value(stage.name, a)
    if stage.name in MAXIMISED:
        return replace(stage, objective=value, bound=max(stage.bound, value))
    return replace(stage, objective=value, bound=min(stage.bound, value))


def _empty(
    problem: Problem, status: SolutionStatus, term: Termination, name: str, t0: float
) -> Solution:
    return Solution.empty(problem.n_customers, status, term, name, time.monotonic() - t0)
