"""Small GAP-like :class:`~allocator.problem.Problem` s for the LNS tests (importable: pytest puts
tests/ on the path)."""

from __future__ import annotations

import numpy as np

from allocator.gap import GapInstance, to_problem
from allocator.problem import Problem


def yagiura_like(seed: int, m: int = 8, n: int = 160) -> Problem:
    """A type-D-like GAP (cost falls as weight rises) with room for a first-fit plan."""
    rng = np.random.default_rng(seed)
    weight = rng.integers(1, 101, size=(m, n))
    cost = 111 - weight + rng.integers(-10, 11, size=(m, n))
    capacity = (1.3 * weight.sum(axis=1) / m).astype(np.int64)
    return to_problem(GapInstance(f"d{seed}", cost, weight, capacity), "min")


def first_fit(problem: Problem) -> np.ndarray:
    """A feasible but poor plan: each job on the first agent with room (weights are small)."""
    a = np.full(problem.n_customers, -1, dtype=np.int64)
    load = np.zeros(problem.n_rms, dtype=np.int64)
    for c in range(problem.n_customers):
        sl = problem.pairs_of(c)
        for p, r in zip(range(sl.start, sl.stop), problem.pair_rm[sl], strict=True):
            if load[r] + problem.pair_weight[p] <= problem.capacity[r]:
                a[c] = r
                load[r] += problem.pair_weight[p]
                break
    assert not problem.violations(a), "the fixture needs a feasible first-fit plan"
    return a
