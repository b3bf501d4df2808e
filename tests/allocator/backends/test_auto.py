"""``auto``: never worse than the cheap path (``flow``) nor the exact one (``milp``) it runs.

Integration cases go through :func:`allocator.pipeline.solve_compiled`, so every plan also
passes the independent checker (a breach raises). The combining rules -- the better plan wins,
the exact one on a tie, the best proven bound is kept, the exact backend starts from the
incumbent -- are checked with a scripted exact backend, without timing luck.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import pytest

from allocator.backends import auto as auto_module
from allocator.backends import choose_backend, from_name
from allocator.backends.base import Backend, Capability
from allocator.compile import Compiled, compile_problem
from allocator.engines.highs import highs_available
from allocator.params import SolveOptions, SolveParams
from allocator.pipeline import solve_compiled
from allocator.policy import default_policy
from allocator.problem import Problem
from allocator.solution import (
    Solution,
    SolutionStatus,
    SolveControl,
    StageResult,
    Termination,
)
from allocator.synth import GeneratorConfig, generate_bank

needs_highs = pytest.mark.skipif(not highs_available(), reason="highspy does not load")


def compiled_bank(n: int, seed: int, harsh: bool) -> Compiled:
    config = GeneratorConfig.harsh() if harsh else None
    return compile_problem(generate_bank(n, seed, config=config), default_policy())


@needs_highs
@pytest.mark.parametrize(
    "n, seed, harsh", [(300, 1, False), (600, 2, False), (300, 3, True), (500, 4, True)]
)
def test_auto_is_never_worse_than_flow_or_milp(n: int, seed: int, harsh: bool) -> None:
    compiled = compiled_bank(n, seed, harsh)
    p = compiled.problem

    def plan_of(backend: str) -> np.ndarray:
        params = SolveParams(time_limit=20, workers=1, backend=backend)
        plan = solve_compiled(compiled, params)  # raises if the checker finds a breach
        if backend == "auto":
            assert plan.solution.backend.startswith("auto>")
        return np.asarray(plan.solution.assignment)

    auto, flow, milp = plan_of("auto"), plan_of("flow"), plan_of("milp")
    assert p.cover_value(auto) >= p.cover_value(flow)
    assert p.cover_value(auto) >= p.cover_value(milp)
    assert p.lex_key(auto) <= p.lex_key(flow)


def test_choose_backend_auto_is_the_meta_backend() -> None:
    p = compiled_bank(100, 1, False).problem
    assert choose_backend(p, "auto").name == "auto"
    assert choose_backend(p, "flow").name == "flow"


# ------------------------------------------------------------------------------------------------
# the combining rules, with a scripted exact backend
# ------------------------------------------------------------------------------------------------
class Scripted(Backend):
    """An "exact" backend answering a fixed plan; it records the hint it was started from."""

    name = "scripted"
    capabilities = frozenset({Capability.EXACT, Capability.SIDE_RULES, Capability.WARM_START})
    seen_hint: ClassVar[list[np.ndarray]] = []

    def __init__(self, plan: np.ndarray, bound: float, status: SolutionStatus):
        self.plan, self.bound, self.status = plan, bound, status

    def solve(
        self, problem: Problem, options: SolveOptions, control: SolveControl | None = None
    ) -> Solution:
        Scripted.seen_hint.append(np.asarray(problem.hint).copy())
        a = self.plan
        stages = [
            StageResult(
                s,
                problem.stage_value(s, a),
                self.bound if s == "cover_value" else problem.stage_value(s, a),
                self.status,
                0.0,
            )
            for s in problem.stages
        ]
        term = (
            Termination.CONVERGED
            if self.status == SolutionStatus.OPTIMAL
            else (Termination.TIME_LIMIT)
        )
        return Solution(a, self.status, term, stages, self.name)


@pytest.fixture
def bank() -> Problem:
    return compiled_bank(300, 5, False).problem


def run_auto(
    monkeypatch: pytest.MonkeyPatch, p: Problem, exact: Scripted
) -> tuple[Solution, Solution]:
    monkeypatch.setattr(auto_module, "pick_backend", lambda problem: exact)
    Scripted.seen_hint.clear()
    options = SolveOptions(time_limit=20, workers=1)
    flow = from_name("flow").solve(p, options)
    if flow.status == SolutionStatus.OPTIMAL:  # auto would stop at a proven flow plan
        pytest.skip("flow proves this bank optimal: nothing to combine")
    return from_name("auto").solve(p, options), flow


def test_a_worse_exact_plan_loses_to_the_incumbent(
    monkeypatch: pytest.MonkeyPatch, bank: Problem
) -> None:
    nobody = np.full(bank.n_customers, -1, dtype=np.int64)
    cover_bound = 10.0**9
    sol, flow = run_auto(monkeypatch, bank, Scripted(nobody, cover_bound, SolutionStatus.FEASIBLE))
    assert sol.backend == "auto>flow"
    assert np.array_equal(sol.assignment, flow.assignment)
    assert np.array_equal(Scripted.seen_hint[0], flow.assignment)  # warm-started from flow
    assert sol.stages[0].bound == flow.stages[0].bound  # the tighter of the two bounds
    assert "flow_s" in sol.timings and "scripted_s" in sol.timings


def test_an_exact_proof_makes_the_flow_plan_proven(
    monkeypatch: pytest.MonkeyPatch, bank: Problem
) -> None:
    nobody = np.full(bank.n_customers, -1, dtype=np.int64)
    options = SolveOptions(time_limit=20, workers=1)
    flow_cover = bank.cover_value(from_name("flow").solve(bank, options).assignment)
    # an exact run that proved the bound at flow's own cover but returned a worse plan
    sol, _ = run_auto(monkeypatch, bank, Scripted(nobody, flow_cover, SolutionStatus.FEASIBLE))
    assert sol.backend == "auto>flow"
    cover = sol.stage("cover_value")
    assert cover is not None and cover.status == SolutionStatus.OPTIMAL
    assert cover.bound == cover.objective == flow_cover


def test_the_exact_plan_wins_a_tie(monkeypatch: pytest.MonkeyPatch, bank: Problem) -> None:
    flow = from_name("flow").solve(bank, SolveOptions(time_limit=20, workers=1))
    cover = float(bank.cover_value(flow.assignment))
    sol, _ = run_auto(
        monkeypatch, bank, Scripted(flow.assignment.copy(), cover, SolutionStatus.OPTIMAL)
    )
    assert sol.backend == "auto>scripted"
    assert sol.status == SolutionStatus.OPTIMAL
