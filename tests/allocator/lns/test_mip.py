"""The MIP phases of allocator.lns.mip: the core MIP and the full MIP side by side."""

from __future__ import annotations

import threading
import time

import pytest
from gaplike import first_fit, yagiura_like

from allocator.lns import localsearch, mip
from allocator.lns.relaxation import solve_relaxation
from allocator.lns.settings import LnsSettings
from allocator.problem import Problem
from allocator.solution import SolveControl

pytestmark = pytest.mark.skipif(not localsearch.HAVE_NUMBA, reason="numba not installed")


def pure_phase(
    problem: Problem, seconds: float, settings: LnsSettings, control: SolveControl | None = None
) -> tuple:
    relax = solve_relaxation(problem, 10.0)
    assert localsearch.ready(60.0)
    start = first_fit(problem)
    t0 = time.monotonic()
    out = mip.pure_phase(
        problem, start, relax, relax.loss, t0 + seconds, 0, 2, control, settings, t0, "cover"
    )
    return (*out, time.monotonic() - t0)


def test_the_full_mip_proves_what_a_cut_core_cannot() -> None:
    problem = yagiura_like(6, m=4, n=20)  # HiGHS proves it in about half a second
    # a one-pair core is cut (inexact): only the full MIP can prove the optimum
    cut = LnsSettings(core_max_pairs=1, full_mip=False)
    plan, _, proven, bound, _ = pure_phase(problem, 3.0, cut)
    assert plan is not None and not proven and bound == float("inf")  # the control
    plan, interrupted, proven, bound, seconds = pure_phase(
        problem, 30.0, LnsSettings(core_max_pairs=1)
    )
    assert plan is not None and not problem.violations(plan)
    assert proven and not interrupted and bound == problem.cover_value(plan)
    assert seconds < 25.0  # the proof ended the phase, not the deadline


def test_a_stop_ends_both_mips_with_the_best_plan_so_far() -> None:
    problem = yagiura_like(6, m=10, n=200)  # 2,000 pairs: the core MIP and the full MIP
    control = SolveControl()
    timer = threading.Timer(1.5, control.stop.set)
    timer.start()
    plan, interrupted, proven, _, seconds = pure_phase(problem, 60.0, LnsSettings(), control)
    timer.cancel()
    assert plan is not None and not problem.violations(plan)
    if not proven:  # a proof within 1.5 s is also an honest answer
        assert interrupted
    assert seconds < 15.0
    assert not [t for t in threading.enumerate() if t.name.startswith("lns-") and t.is_alive()]
