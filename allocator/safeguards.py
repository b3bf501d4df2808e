"""What the pipeline does to every solution before it becomes a plan, whatever the backend.

- :func:`safety_net`: no plan found (time too short, required customers that cannot all be
  placed) -> today's book made feasible and filled, with the status saying so;
- :func:`within_move_caps`: a plan of a backend that does not honour move caps natively
  (``Capability.MOVE_CAPS``) loses the moves beyond each RM's cap, then is filled again;
- :func:`never_worse_than_book`: the quarterly re-run's promise -- a plan lexicographically worse
  than today's book made feasible (cover value, then moves, then drops, then balance) is
  replaced by that book. An unchanged re-run therefore moves nobody, whatever the backend.

Each returns a :class:`~allocator.solution.Solution` whose stages are recomputed on the
assignment it hands on, with the backend's proven bounds kept (a bound stays a bound).
"""

from __future__ import annotations

import logging
import math
from dataclasses import replace

import numpy as np
import numpy.typing as npt

from allocator.heuristics.greedy import greedy_assignment
from allocator.heuristics.start import book_start, kept_book
from allocator.heuristics.start import within_move_caps as drop_moves_beyond_caps
from allocator.problem import Problem
from allocator.solution import Solution, SolutionStatus, StageResult
from allocator.staging import restate

log = logging.getLogger(__name__)

Ints = npt.NDArray[np.int64]

#: fill today's book greedily only when at most this many customers need a place (the greedy
#: fill is a Python loop: 10^5 customers take about a second)
BOOK_FILL_MAX = 200_000


def todays_book(problem: Problem) -> Ints:
    """Today's book made feasible, and filled greedily when that is cheap (:data:`BOOK_FILL_MAX`):
    the plan every solution is measured against."""
    kept = kept_book(problem)
    todo = int(((kept < 0) & (np.diff(problem.customer_ptr) > 0)).sum())
    return book_start(problem) if todo <= BOOK_FILL_MAX else kept


def safety_net(problem: Problem, solution: Solution) -> Solution:
    """When the backend found no assignment, fall back to today's book made feasible and filled
    (the greedy plan when nobody has an RM today) and say so: the plan leaves customers
    unassigned with a reason rather than failing."""
    if solution.status not in (SolutionStatus.NO_SOLUTION, SolutionStatus.INFEASIBLE):
        return solution
    a = book_start(problem)
    if problem.violations(a):
        relaxed = problem.replace(required=np.zeros_like(problem.required))
        a = greedy_assignment(relaxed, start=np.where(problem.required, -1, kept_book(relaxed)))
    stage = StageResult(
        "cover_value", float(problem.cover_value(a)), math.nan, SolutionStatus.FEASIBLE, 0.0
    )
    status: SolutionStatus = solution.status
    if status == SolutionStatus.NO_SOLUTION:
        status = SolutionStatus.FEASIBLE
    return replace(
        solution, assignment=a, status=status, stages=[stage], backend=f"{solution.backend}+book"
    )


def within_move_caps(problem: Problem, solution: Solution) -> Solution:
    """The solution with no RM losing more of today's customers than its cap: the moves beyond a
    cap are undone (the customers lose the new RM), then the plan is filled greedily within the
    caps. A no-op for a problem without caps or a plan within them."""
    if not problem.has_move_caps:
        return solution
    a = np.asarray(solution.assignment, dtype=np.int64)
    assert problem.move_cap is not None
    caps = problem.move_cap
    if not ((caps >= 0) & (problem.moved_out(a) > caps)).any():
        return solution
    fixed = greedy_assignment(
        problem, prefer=problem.current, start=drop_moves_beyond_caps(problem, a)
    )
    log.info("%s: plan repaired to respect the move caps", solution.backend)
    return _with(problem, solution, fixed, f"{solution.backend}+caps", proven=False)


def never_worse_than_book(
    problem: Problem, solution: Solution, book: Ints | None = None
) -> Solution:
    """The solution, or today's book made feasible when that is lexicographically better.

    Parameters
    ----------
    book
        Today's book made feasible (computed when not given: :func:`todays_book`).
    """
    if not (problem.current >= 0).any():
        return solution  # nobody has an RM today: there is no book to be worse than
    book = todays_book(problem) if book is None else book
    if problem.violations(book):
        return solution
    a = np.asarray(solution.assignment, dtype=np.int64)
    if problem.lex_key(book) < problem.lex_key(a):
        log.info("%s: today's book is better than the solver's plan; keeping it", solution.backend)
        return _with(problem, solution, book, f"{solution.backend}+book", proven=True)
    return solution


def _with(problem: Problem, solution: Solution, a: Ints, backend: str, proven: bool) -> Solution:
    """``solution`` carrying assignment ``a``: stages recomputed on it, bounds kept. A stage stays
    optimal only when ``proven`` (``a`` is no worse than the solver's plan) and its value did not
    change (a changed value means the solver's claim did not hold)."""
    old = np.asarray(solution.assignment, dtype=np.int64)
    stages = []
    for stage in solution.stages:
        same = problem.stage_value(stage.name, a) == problem.stage_value(stage.name, old)
        new = restate(problem, stage, a)
        if new.status == SolutionStatus.OPTIMAL and not (proven and same):
            new = replace(new, status=SolutionStatus.FEASIBLE)
        stages.append(new)
    status = solution.status
    if status == SolutionStatus.OPTIMAL and any(s.status != SolutionStatus.OPTIMAL for s in stages):
        status = SolutionStatus.FEASIBLE
    return replace(solution, assignment=a, stages=stages, status=status, backend=backend)
