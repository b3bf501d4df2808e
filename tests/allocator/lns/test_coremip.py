"""The core MIP and its plan exchange with the tabu search (allocator.lns.coremip)."""

from __future__ import annotations

import subprocess
import sys
import threading

import numpy as np
from gaplike import first_fit, yagiura_like

from allocator.lns.coremip import PlanExchange, solve_core
from allocator.lns.relaxation import solve_relaxation


def test_exchange_keeps_only_strictly_better_plans() -> None:
    ex = PlanExchange(np.array([0, 1]), 10)
    assert not ex.offer(np.array([1, 1]), 10, "tabu")  # a tie is not news
    assert ex.offer(np.array([1, 0]), 12, "tabu")
    assert ex.value == 12 and ex.version == 1 and ex.source == "tabu"
    assert not ex.offer(np.array([0, 0]), 11, "mip")
    assert ex.plan.tolist() == [1, 0]


def test_exchange_gives_each_search_only_the_others_newer_plans() -> None:
    ex = PlanExchange(np.array([0]), 0)
    assert ex.newer(0, "tabu") is None  # nothing accepted yet
    ex.offer(np.array([1]), 5, "tabu")
    assert ex.newer(0, "tabu") is None  # its own plan
    plan, value, version = ex.newer(0, "mip")  # type: ignore[misc]
    assert plan.tolist() == [1] and value == 5 and version == 1
    assert ex.newer(version, "mip") is None  # already taken
    plan[0] = 7  # a copy: the taker cannot change the shared plan
    assert ex.plan.tolist() == [1]


def test_exchange_is_safe_across_threads() -> None:
    ex = PlanExchange(np.zeros(1, dtype=np.int64), 0)

    def offer(values: range) -> None:
        for v in values:
            ex.offer(np.array([v]), v, "tabu")

    threads = [threading.Thread(target=offer, args=(range(k, 2000, 4),)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert ex.value == 1999 and ex.plan.tolist() == [1999]


def test_core_mip_offers_its_improving_plans() -> None:
    problem = yagiura_like(1)
    relax = solve_relaxation(problem, 10.0)
    start = first_fit(problem)
    value = problem.cover_value(start)
    ex = PlanExchange(start, value)
    res = solve_core(problem, relax, start, value, 5.0, threading.Event(), exchange=ex)
    assert res.assignment is not None and res.value > value
    # every plan HiGHS improved on went to the exchange, valid and with its true value
    assert ex.source == "mip" and ex.value == res.value
    assert not problem.violations(ex.plan) and problem.cover_value(ex.plan) == ex.value


def test_the_lns_package_imports_on_its_own() -> None:
    """``allocator.lns`` must not need the backends imported first (it once did: a cycle)."""
    code = "import allocator.lns; from allocator.lns import coremip, search"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_without_an_incumbent_the_full_mip_solves_the_whole_problem() -> None:
    from allocator.backends import from_name
    from allocator.params import SolveOptions

    problem = yagiura_like(6, m=4, n=20)  # HiGHS proves it in about half a second
    relax = solve_relaxation(problem, 10.0)
    res = solve_core(problem, relax, None, 0, 60.0, threading.Event())
    assert res.exact and res.pairs == problem.n_pairs and res.proven
    assert res.assignment is not None and not problem.violations(res.assignment)
    reference = from_name("cpsat").solve(problem, SolveOptions(time_limit=30.0, seed=0))
    assert res.value == problem.cover_value(reference.assignment) == res.bound
