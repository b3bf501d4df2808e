"""The greedy rule as a backend: the baseline the benchmarks compare against.

The rule itself (:func:`allocator.heuristics.greedy.greedy_assignment`) lives below the backends,
since other solvers start from it too; this adapter only reports its plan with the trivial bound
of :func:`~allocator.heuristics.greedy.value_upper_bound`.
"""

from __future__ import annotations

import time

from allocator.backends.base import Backend, SolveControl, register
from allocator.heuristics.greedy import greedy_assignment, value_upper_bound
from allocator.problem import Problem
from allocator.solution import Solution, SolutionStatus, SolveOptions, StageResult, Termination


@register
class GreedyBackend(Backend):
    """The greedy rule as a backend (heuristic: no optimality claim, bound = +inf)."""

    name = "greedy"
    exact = False
    warm_start = True
    max_pairs = 10**9

    def solve(
        self, problem: Problem, options: SolveOptions, control: SolveControl | None = None
    ) -> Solution:
        t0 = time.monotonic()
        a = greedy_assignment(problem)
        missing = bool((problem.required & (a < 0)).any())
        status = SolutionStatus.NO_SOLUTION if missing else SolutionStatus.FEASIBLE
        secs = time.monotonic() - t0
        upper = float(value_upper_bound(problem))
        stages = [StageResult("cover_value", float(problem.cover_value(a)), upper, status, secs)]
        return Solution(a, status, Termination.CONVERGED, stages, self.name, secs)
