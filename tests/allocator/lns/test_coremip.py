"""The core MIP and its plan exchange with the tabu search (allocator.lns.coremip)."""

from __future__ import annotations

import subprocess
import sys
import threading
import time

import numpy as np
import pytest

from allocator.gap import GapInstance, to_problem
from allocator.lns import localsearch
from allocator.lns.coremip import PlanExchange, solve_core
from allocator.lns.relaxation import solve_relaxation
from allocator.lns.search import LnsSettings, _tabu_phase
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


@pytest.mark.skipif(not localsearch.HAVE_NUMBA, reason="numba not installed")
def test_tabu_search_continues_from_a_better_plan_the_mip_found() -> None:
    problem = yagiura_like(2, m=10, n=400)
    relax = solve_relaxation(problem, 10.0)
    better = solve_core(
        problem,
        relax,
        first_fit(problem),
        problem.cover_value(first_fit(problem)),
        2.0,
        threading.Event(),
    ).assignment
    assert better is not None
    start = first_fit(problem)
    ex = PlanExchange(start, problem.cover_value(start))
    ex.offer(better, problem.cover_value(better), "mip")
    assert localsearch.ready(60.0)
    # one short round: far too few moves to get from first-fit to the MIP's plan on its own
    settings = LnsSettings(tabu_round=0.02)

    def tabu(exchange: PlanExchange | None) -> np.ndarray:
        plan, _ = _tabu_phase(
            problem,
            start,
            relax.loss,
            time.monotonic() + 0.05,
            0,
            1,
            None,
            settings,
            relax.bound,
            time.monotonic(),
            "cover_value",
            exchange=exchange,
        )
        assert plan is not None and not problem.violations(plan)
        return plan

    assert problem.cover_value(tabu(None)) < problem.cover_value(better)  # the control
    assert problem.cover_value(tabu(ex)) >= problem.cover_value(better)


def test_the_lns_package_imports_on_its_own() -> None:
    """``allocator.lns`` must not need the backends imported first (it once did: a cycle)."""
    code = "import allocator.lns; from allocator.lns import coremip, search"
    subprocess.run([sys.executable, "-c", code], check=True)
