"""A time-limited ``lns`` solve with one worker and a seed is reproducible (issue 13, case 7):
the search stops on counted work, not on the clock, so a run on a slower machine -- simulated
here by a sleep in every sub-solve or tabu round -- gives the same plan."""

from __future__ import annotations

import logging
import time
from typing import Any

import numpy as np
import pytest
from gaplike import yagiura_like

from allocator.backends import from_name
from allocator.lns import improve, localsearch
from allocator.params import SolveOptions
from allocator.problem import Problem
from allocator.solution import Solution

#: a low rate leaves a wide margin, so that a busy test machine never reaches the wall clock
#: first (the default is 0.3; the margin is the point of the test, not the rate)
SETTINGS: dict[str, Any] = {"lns": {"work_rate": 0.15}}


def solve(p: Problem, time_limit: float) -> Solution:
    options = SolveOptions(time_limit=time_limit, seed=7, workers=1, settings=SETTINGS)
    return from_name("lns").solve(p, options)


def same(a: Solution, b: Solution) -> None:
    assert np.array_equal(a.assignment, b.assignment)
    assert [(s.name, s.objective) for s in a.stages] == [(s.name, s.objective) for s in b.stages]


@pytest.fixture(scope="module")
def tight_bank() -> Problem:
    from allocator.compile import compile_problem
    from allocator.policy import default_policy
    from allocator.synth import generate_bank

    return compile_problem(generate_bank(5000, seed=3, tightness=2.0), default_policy()).problem


def test_bank_with_side_rules_twice_on_machines_of_different_speed(
    tight_bank: Problem, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    first = solve(tight_bank, 4.0)
    real = improve.solve_sub
    calls = []

    def slower(*args: Any, **kwargs: Any) -> Any:
        time.sleep(0.03)  # a busier machine: every sub-solve takes longer on the clock
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(improve, "solve_sub", slower)
    with caplog.at_level(logging.WARNING):
        second = solve(tight_bank, 4.0)
    assert "not reproducible" not in caplog.text
    assert len(calls) >= 3  # the search did work the clock could have cut short
    assert first.stages and first.stages[0].objective > 0
    same(first, second)


@pytest.mark.skipif(not localsearch.HAVE_NUMBA, reason="the tabu phase needs numba")
def test_gap_without_side_rules_twice(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    p = yagiura_like(4, m=10, n=300)
    assert localsearch.ready(120.0)
    first = solve(p, 3.0)
    real = localsearch.TabuSearch.run
    calls = []

    def slower(self: localsearch.TabuSearch, iterations: int) -> None:
        time.sleep(0.002)
        calls.append(iterations)
        real(self, iterations)

    monkeypatch.setattr(localsearch.TabuSearch, "run", slower)
    with caplog.at_level(logging.WARNING):
        second = solve(p, 3.0)
    assert "not reproducible" not in caplog.text
    assert sum(calls) > 500  # thousands of tabu iterations, counted, not timed
    same(first, second)
