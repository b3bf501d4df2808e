"""The ``greedy`` backend: the planner's rule of :mod:`allocator.heuristics.greedy` as a backend
(the baseline the benchmarks compare against; heuristic, no optimality claim)."""

from __future__ import annotations

import time

from allocator.backends.base import Backend, Capability, SolveControl, register
from allocator.heuristics.greedy import greedy_assignment
from allocator.params import SolveOptions
from allocator.problem import Problem, trivial_bound
from allocator.solution import Solution, SolutionStatus, StageResult, Termination


@register
class GreedyBackend(Backend):
    """The greedy rule as a backend (heuristic: no optimality claim, bound = +inf)."""

    name = "greedy"
    capabilities = frozenset({Capability.SIDE_RULES, Capability.WARM_START})
    max_pairs = 10**9

    def solve(
        self, problem: Problem, options: SolveOptions, control: SolveControl | None = None
    ) -> Solution:
        t0 = time.monotonic()
        a = greedy_assignment(problem)
        missing = bool((problem.required & (a < 0)).any())
        status = SolutionStatus.NO_SOLUTION if missing else SolutionStatus.FEASIBLE
        secs = time.monotonic() - t0
        upper = trivial_bound(problem, "cover_value")
        stages = [StageResult("cover_value", float(problem.cover_value(a)), upper, status, secs)]
        return Solution(a, status, Termination.CONVERGED, stages, self.name, secs)
