"""allocator.lns.starts: starting plans made valid, and the best of them."""

from __future__ import annotations

import numpy as np
import pairproblem

from allocator.lns.relaxation import Relaxation
from allocator.lns.settings import LnsSettings
from allocator.lns.starts import best_start, rank, rounded_lp
from allocator.problem import Problem


def two_rms() -> Problem:
    """c0 (required) fits r0 or r1; c1 only r1; r1 has room for one."""
    return pairproblem.problem(2, [1, 1], [(0, 0, 1, 5), (0, 1, 1, 9), (1, 1, 1, 7)], required=[0])


def relaxation(problem: Problem, x: list[float], status: str = "optimal") -> Relaxation:
    xs = np.asarray(x, dtype=np.float64)
    return Relaxation(status, 16.0, xs, np.zeros(problem.n_pairs), 0.0)


def test_rank_puts_missing_required_customers_before_value() -> None:
    p = two_rms()
    assert rank(p, np.array([1, -1])) == (0, -9)
    assert rank(p, np.array([-1, 1])) == (1, -7)
    assert rank(p, np.array([0, 1])) < rank(p, np.array([-1, 1]))


def test_rounded_lp_keeps_the_integral_part() -> None:
    p = two_rms()
    assert rounded_lp(p, relaxation(p, [0.0, 1.0, 0.0])).tolist() == [1, -1]
    assert rounded_lp(p, relaxation(p, [0.5, 0.5, 1.0])).tolist() == [-1, 1]
    assert rounded_lp(p, relaxation(p, [0.0, 1.0, 0.0], "unknown")).tolist() == [-1, -1]


def test_best_start_prefers_a_plan_missing_no_required_customer() -> None:
    p = two_rms()
    no_greedy = LnsSettings(greedy_max_customers=0)
    lp_plan = relaxation(p, [0.0, 0.0, 1.0])  # c1 on r1: c0 missing
    caller = np.array([0, 1])  # valid, nobody missing
    assert best_start(p, lp_plan, caller, no_greedy).tolist() == [0, 1]
    # the caller's plan is sanitised first: r1 over capacity drops the customer of least value
    assert best_start(p, lp_plan, np.array([1, 1]), no_greedy).tolist() == [1, -1]
    # without any other start the greedy rule runs
    assert (best_start(p, relaxation(p, [0, 0, 0], "unknown"), None, no_greedy) >= -1).all()
