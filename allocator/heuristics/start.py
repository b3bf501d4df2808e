"""Where a solve starts: a valid plan built from the warm start (today's book) before any solver
runs, so that every backend has something valid to improve and to fall back on."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from allocator.heuristics.greedy import greedy_assignment
from allocator.problem import Problem

Ints = npt.NDArray[np.int64]


def warm_start(problem: Problem, warm: bool = True) -> Ints | None:
    """A valid starting plan, or ``None`` when none is found.

    The greedy plan, trying each customer's hint (today's book, or a previous plan) first when
    ``warm``; failing that (a required customer the greedy order cannot seat), the required
    customers on their hinted RMs alone.
    """
    start = greedy_assignment(problem, prefer=problem.hint if warm else None)
    if not problem.violations(start):
        return start
    if warm:
        hinted = np.where(problem.required, problem.hint, -1).astype(np.int64)
        if not problem.violations(hinted):
            return hinted
    return None
