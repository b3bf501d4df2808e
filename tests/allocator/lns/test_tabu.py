"""The tabu phase of allocator.lns.tabu: rounds of the tabu search, plans traded with the MIP."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest
from gaplike import first_fit, yagiura_like

from allocator.lns import localsearch
from allocator.lns.coremip import PlanExchange, solve_core
from allocator.lns.relaxation import solve_relaxation
from allocator.lns.settings import LnsSettings
from allocator.lns.tabu import tabu_phase


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
        plan, _ = tabu_phase(
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
