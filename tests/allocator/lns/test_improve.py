"""allocator.lns.improve: the neighbourhood search on its own."""

from __future__ import annotations

import time

import numpy as np
import pairproblem

from allocator.lns.improve import NeighbourhoodSearch
from allocator.lns.relaxation import solve_relaxation
from allocator.lns.settings import LnsSettings
from allocator.lns.starts import sanitise
from allocator.problem import Problem


def bank(n: int, m: int, side_rules: bool) -> Problem:
    """``n`` customers on ``m`` RMs, each eligible for about 60 % of them; with side rules a
    group {c0, c1}, the one-to-one c(n-1) and the required c2, c3."""
    rng = np.random.default_rng(5)
    pairs = [
        (c, r, int(rng.integers(1, 4)), int(rng.integers(1, 20)))
        for c in range(n)
        for r in range(m)
        if rng.random() < 0.6 or r == c % m
    ]
    w = {c: wc for c, _, wc, _ in pairs}
    pairs = [(c, r, w[c], v) for c, r, _, v in pairs]
    if not side_rules:
        return pairproblem.problem(n, [2 * n // m] * m, pairs)
    return pairproblem.problem(
        n, [2 * n // m] * m, pairs, groups=[[0, 1]], exclusive=[n - 1], required=[2, 3]
    )


def search(problem: Problem, seconds: float, workers: int = 1) -> NeighbourhoodSearch:
    now = time.monotonic()
    s = NeighbourhoodSearch(problem, now + seconds, 0, workers, None, LnsSettings(), now, "cover")
    s.set_guide(solve_relaxation(problem, 5.0))
    s.set_plan(sanitise(problem, np.full(problem.n_customers, -1)))
    return s


def test_the_search_places_required_customers_and_improves() -> None:
    p = bank(12, 3, side_rules=True)
    s = search(p, 20.0)
    assert s.missing == 2 and s.value == 0
    optimal, interrupted = s.run()
    assert not interrupted and s.iterations >= 1
    assert s.missing == 0 and p.violations(s.a) == []
    assert s.value == p.cover_value(s.a) > 0
    assert optimal  # small enough to be solved whole, which proves it


def test_two_workers_get_disjoint_neighbourhoods() -> None:
    p = bank(120, 12, side_rules=False)
    s = search(p, 5.0, workers=2)
    s.set_plan(sanitise(p, np.arange(120) % 12))
    subs = s.neighbourhoods()
    assert len(subs) == 2
    assert not set(subs[0].rms.tolist()) & set(subs[1].rms.tolist())
    assert not set(subs[0].customers.tolist()) & set(subs[1].customers.tolist())
