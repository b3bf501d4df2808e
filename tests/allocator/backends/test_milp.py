"""The MILP backends: the formulation is the rules, the stages report honestly, the engines work.

The formulation test is exhaustive on tiny problems: for every assignment a customer could be
given, the canonical column vector satisfies every row exactly when
:meth:`~allocator.problem.Problem.violations` finds nothing. The staged driver is tested with a
scripted engine, so statuses, bounds and terminations are checked without timing luck.
"""

from __future__ import annotations

import math
import threading
import time
from typing import ClassVar, Literal

import numpy as np
import pytest
from pairproblem import assignments, problem

from allocator.backends.base import Progress, SolveControl
from allocator.backends.milp import MilpBackend, MilpCbcBackend, solve_milp
from allocator.engines.cbc import CbcEngine, cbc_available
from allocator.engines.highs import highs_available
from allocator.engines.mip import MipEngine, RunResult
from allocator.formulations.milp_model import Rows, build_model
from allocator.params import SolveOptions
from allocator.problem import Problem
from allocator.solution import Solution, SolutionStatus, Termination

needs_highs = pytest.mark.skipif(not highs_available(), reason="highspy does not load")
needs_cbc = pytest.mark.skipif(not cbc_available(), reason="PuLP's CBC is missing")

Answer = tuple[
    Literal["optimal", "feasible", "infeasible", "unknown", "error"], list[int] | None, float
]


@pytest.fixture
def side_rules() -> Problem:
    """Five customers, three RMs: a group {c0, c1}, a one-to-one c2, c4 required on r2."""
    pairs = [(c, r, 1 + (c + r) % 2, 10 * (c + 1)) for c in range(5) for r in range(3)]
    return problem(
        5, [3, 2, 3], pairs, groups=[[0, 1]], exclusive=[2], required=[4], current={0: 1, 3: 0}
    )


def rows_hold(rows: Rows, cols: np.ndarray) -> bool:
    entry_row = np.repeat(np.arange(rows.n_rows), np.diff(rows.start))
    activity = np.bincount(entry_row, weights=rows.value * cols[rows.index], minlength=rows.n_rows)
    return bool(np.all(activity >= rows.lower - 1e-9) and np.all(activity <= rows.upper + 1e-9))


# ------------------------------------------------------------------------------------------------
# the formulation
# ------------------------------------------------------------------------------------------------
def random_side_rules(seed: int) -> Problem:
    rng = np.random.default_rng(seed)
    pairs = [
        (c, r, int(rng.integers(1, 4)), int(rng.choice([10, 100])))
        for c in range(6)
        for r in range(3)
        if rng.random() < 0.6
    ]
    with_pairs = sorted({c for c, *_ in pairs})
    return problem(
        6,
        rng.integers(1, 5, 3).tolist(),
        pairs,
        groups=[[0, 1, 2]] if seed % 2 else [[0, 1], [3, 4]],
        exclusive=[2, 5] if seed % 3 else [5],
        required=with_pairs[:1],
    )


@pytest.mark.parametrize("seed", range(6))
def test_rows_hold_exactly_for_valid_assignments(seed: int) -> None:
    p = random_side_rules(seed)
    model = build_model(p)
    every = model.rows
    checked = 0
    for a in assignments(p):
        cols = model.columns(a)
        valid = not p.violations(a)
        assert rows_hold(every, cols) == valid, (a, p.violations(a))
        if valid:
            assert rows_hold(model.balance_rows, cols)
            assert np.array_equal(model.assignment(cols), a)
        checked += 1
    assert checked > 1


def test_rows_only_where_they_can_bind() -> None:
    # c0 has one pair and is optional: no row; r1 can never be over capacity: no capacity row
    p = problem(3, [1, 10], [(0, 0, 1, 10), (1, 0, 1, 10), (1, 1, 1, 10), (2, 1, 1, 10)])
    model = build_model(p)
    assert model.rows.n_rows == 2  # customer c1's choice, r0's capacity
    assert model.n_cols == p.n_pairs + 1  # x and the utilisation, no y or d
    assert model.balance_rows.n_rows == 2


def test_step_costs(side_rules: Problem) -> None:
    model = build_model(side_rules)
    p = side_rules
    a = np.array([0, 0, 2, 0, 2])  # c0 moved off r1 (today's), c3 kept on r0
    cols = model.columns(a)
    for step in ("cover_value", "moves", "dropped", "balance"):
        cost, _ = model.step_cost(step)
        assert cost @ cols == pytest.approx(model.step_value(step, a)), step
    assert model.step_value("moves", a) == p.moves(a) == 1
    assert model.step_value("dropped", a) == p.dropped(a) - model.keepable == -2
    with pytest.raises(ValueError):
        model.step_cost("nonsense")


def test_cover_value_breaks_ties_by_moves(side_rules: Problem) -> None:
    # values 10..50 (gcd 10), two customers with an RM today: W = V / 10 * 3 - moved
    model = build_model(side_rules)
    assert model.tie_break and model.value_gcd == 10 and model.keepable == 2
    a = np.array([0, 0, 2, 0, 2])
    assert model.step_value("cover_value", a) == (10 + 20 + 30 + 40 + 50) // 10 * 3 - 1
    assert model.cover_of(41.0, bound=False) == 140.0  # W = 14 * 3 - 1
    assert model.cover_of(42.5, bound=True) == 140.0  # V / 10 <= (42.5 + 2) / 3
    plain = build_model(side_rules.replace(stages=("cover_value",)))
    assert not plain.tie_break
    assert np.array_equal(
        plain.step_cost("cover_value")[0][: side_rules.n_pairs], side_rules.pair_value
    )


# ------------------------------------------------------------------------------------------------
# the stages over a MIP engine, with a scripted engine
# ------------------------------------------------------------------------------------------------
class Scripted(MipEngine):
    """Answers each run from ``script``: (kind, assignment or None, bound); records the starts."""

    script: ClassVar[list[Answer]] = []
    starts: ClassVar[list[np.ndarray | None]] = []

    def add_rows(self, rows: Rows) -> None:
        pass

    def set_objective(self, cost: np.ndarray, maximise: bool) -> None:
        self.maximise = maximise

    def run(self, time_limit: float, start: np.ndarray | None) -> RunResult:
        kind, a, bound = self.script[len(self.starts)]
        self.starts.append(start)
        values = None if a is None else self.model.columns(np.array(a))
        return RunResult(kind, values, bound, False)


def staged(p: Problem, script: list[Answer], control: SolveControl | None = None) -> Solution:
    Scripted.script = script
    Scripted.starts = []
    options = SolveOptions(time_limit=5.0, workers=1)
    return solve_milp(p, options, control, Scripted, "scripted")


@pytest.fixture
def two_rms() -> Problem:
    """c0 (today r0) and c1 both fit either RM; r0 has room for one."""
    pairs = [(0, 0, 1, 100), (0, 1, 1, 100), (1, 0, 1, 10), (1, 1, 1, 10)]
    return problem(2, [1, 2], pairs, current={0: 0})


# with a moves tie-break in the first step (c0 has an RM today): W = V / 10 * 2 - moved, and
# a proven first step settles the moves, so the runs are: cover value, dropped, balance
ALL_OPTIMAL: list[Answer] = [
    ("optimal", [0, 1], 22.0),
    ("optimal", [0, 1], -1.0),
    ("optimal", [0, 1], 1.0),
]


def test_all_stages_optimal(two_rms: Problem) -> None:
    sol = staged(two_rms, ALL_OPTIMAL)
    assert sol.status == SolutionStatus.OPTIMAL and sol.termination == Termination.CONVERGED
    assert [(s.name, s.objective, s.bound) for s in sol.stages] == [
        ("cover_value", 110.0, 110.0),
        ("continuity", 0.0, 0.0),
        ("balance", 1.0, 1.0),  # r0 full: c0 stays with today's RM
    ]
    assert len(Scripted.starts) == 3  # the moves step needed no run


def test_time_limit_reports_feasible_with_bound(two_rms: Problem) -> None:
    script: list[Answer] = [
        ("feasible", [0, 1], 26.5),  # V / 10 <= (26.5 + 1) / 2: V <= 130
        ("optimal", [0, 1], 0.0),  # moves, now run: the first step proved nothing
        ("optimal", [0, 1], -1.0),
        ("feasible", [0, 1], 0.25),
    ]
    sol = staged(two_rms, script)
    cover, _, balance = sol.stages
    # the engine's 130 is above the largest cover possible (100 + 10): the trivial bound caps
    # it (issue 13: no bound above each customer's best pair summed)
    assert cover.status == SolutionStatus.FEASIBLE and cover.bound == 110.0
    assert balance.status == SolutionStatus.FEASIBLE and balance.bound == 0.25
    assert sol.status == SolutionStatus.FEASIBLE and sol.termination == Termination.TIME_LIMIT
    assert len(Scripted.starts) == 4


class SlowToSetUp(Scripted):
    """A model whose first run took longer to reach its branch and bound than any later budget."""

    def run(self, time_limit: float, start: np.ndarray | None) -> RunResult:
        res = super().run(time_limit, start)
        self.setup_seconds = 1e6
        return res


def test_no_later_run_with_less_budget_than_the_first_runs_set_up(two_rms: Problem) -> None:
    SlowToSetUp.script = [("feasible", [0, 1], 26.5), *ALL_OPTIMAL[1:]]
    SlowToSetUp.starts = []
    options = SolveOptions(time_limit=5.0, workers=1)
    sol = solve_milp(two_rms, options, None, SlowToSetUp, "scripted")
    assert len(SlowToSetUp.starts) == 1  # the later steps would only overrun the time limit
    assert sol.termination == Termination.TIME_LIMIT and sol.status == SolutionStatus.FEASIBLE
    assert two_rms.cover_value(sol.assignment) == 110 and not two_rms.violations(sol.assignment)


def test_no_answer_keeps_the_start_and_stops(two_rms: Problem) -> None:
    sol = staged(two_rms, [("unknown", None, math.inf)])
    assert sol.status == SolutionStatus.FEASIBLE
    assert not two_rms.violations(sol.assignment)
    (cover,) = sol.stages
    assert cover.status == SolutionStatus.FEASIBLE and cover.bound == 110.0  # best pair each


def test_start_follows_the_hint(two_rms: Problem) -> None:
    staged(two_rms, ALL_OPTIMAL)
    first = Scripted.starts[0]
    assert first is not None
    assert build_model(two_rms).assignment(first)[0] == 0  # today's RM kept in the MIP start


def test_worse_answer_than_the_start_is_ignored(two_rms: Problem) -> None:
    # the engine returns an assignment worth less than the start (which covers both): keep the start
    sol = staged(
        two_rms, [("feasible", [-1, 1], 200.0), ("optimal", [0, 1], 0.0), *ALL_OPTIMAL[1:]]
    )
    assert two_rms.cover_value(sol.assignment) == 110


def test_proven_infeasible() -> None:
    p = problem(1, [1], [(0, 0, 2, 10)], required=[0])
    sol = staged(p, [("infeasible", None, math.nan)])
    assert sol.status == SolutionStatus.INFEASIBLE and (sol.assignment < 0).all()


def test_required_without_pairs_is_infeasible_before_solving() -> None:
    p = problem(2, [1], [(1, 0, 1, 10)], required=[0])
    assert staged(p, []).status == SolutionStatus.INFEASIBLE


def test_solver_error_is_reported(two_rms: Problem) -> None:
    sol = staged(two_rms, [("error", None, math.nan)])
    assert sol.termination == Termination.ERROR
    assert not two_rms.violations(sol.assignment)


def test_stop_before_start_keeps_the_start(two_rms: Problem) -> None:
    control = SolveControl()
    control.stop.set()
    sol = staged(two_rms, [], control=control)
    assert sol.termination == Termination.INTERRUPTED
    assert sol.status == SolutionStatus.FEASIBLE and not sol.stages


def test_nothing_to_optimise_needs_no_solve() -> None:
    # nobody has an RM today: the continuity stage is settled without a solver run
    p = problem(2, [2], [(0, 0, 1, 10), (1, 0, 1, 10)])
    sol = staged(p, [("optimal", [0, 0], 20.0), ("optimal", [0, 0], 1.0)])
    assert [s.status for s in sol.stages] == [SolutionStatus.OPTIMAL] * 3


# ------------------------------------------------------------------------------------------------
# the real engines
# ------------------------------------------------------------------------------------------------
@needs_highs
def test_highs_thread_count_may_change_between_solves(side_rules: Problem) -> None:
    # HiGHS sizes one scheduler per process: a later solve asking for other threads must work
    for workers in (1, 2, 1):
        sol = MilpBackend().solve(side_rules, SolveOptions(time_limit=10, workers=workers))
        assert sol.status == SolutionStatus.OPTIMAL


def plain_highs_solve(threads: int) -> bool:
    """Another user of HiGHS in this process (like the GAP baselines): a tiny knapsack."""
    import highspy

    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", threads)
    n = 4
    h.passModel(
        n, 1, n, 2, -1, 0.0, np.array([5.0, 4, 3, 2]), np.zeros(n), np.ones(n),
        np.array([-np.inf]), np.array([5.0]), np.array([0], dtype=np.int32),
        np.arange(n, dtype=np.int32), np.array([4.0, 3, 2, 1]), np.ones(n, dtype=np.int32),
    )  # fmt: skip
    h.run()
    return bool(h.getModelStatus() == highspy.HighsModelStatus.kOptimal)


@needs_highs
def test_other_highs_users_keep_working(side_rules: Problem) -> None:
    # HiGHS's scheduler is process-wide: our solves must not leave it sized for other users
    assert plain_highs_solve(2)
    assert MilpBackend().solve(side_rules, SolveOptions(time_limit=10, workers=1)).status == (
        SolutionStatus.OPTIMAL
    )
    assert plain_highs_solve(2)


@pytest.mark.parametrize(
    "backend",
    [pytest.param(MilpBackend, marks=needs_highs), pytest.param(MilpCbcBackend, marks=needs_cbc)],
)
def test_engines_agree_on_side_rules(backend: type, side_rules: Problem) -> None:
    sol = backend().solve(side_rules, SolveOptions(time_limit=20, workers=1))
    assert sol.status == SolutionStatus.OPTIMAL
    assert not side_rules.violations(sol.assignment)
    assert [s.status for s in sol.stages] == [SolutionStatus.OPTIMAL] * 3


@pytest.fixture(scope="module")
def bank_problem() -> Problem:
    synth = pytest.importorskip("allocator.synth")
    from allocator.compile import compile_problem
    from allocator.policy import default_policy

    return compile_problem(synth.generate_bank(3000, seed=1), default_policy()).problem


@pytest.mark.parametrize(
    "backend",
    [pytest.param(MilpBackend, marks=needs_highs), pytest.param(MilpCbcBackend, marks=needs_cbc)],
)
def test_stop_request_interrupts_the_solver(backend: type, bank_problem: Problem) -> None:
    seen: list[Progress] = []
    control = SolveControl(on_progress=seen.append)
    timer = threading.Timer(1.0, control.stop.set)
    t0 = time.monotonic()
    timer.start()
    sol = backend().solve(bank_problem, SolveOptions(time_limit=60, workers=1), control)
    timer.cancel()
    assert time.monotonic() - t0 < 15
    if sol.termination != Termination.CONVERGED:  # a fast machine may finish within the second
        assert sol.termination == Termination.INTERRUPTED
    assert sol.status in (SolutionStatus.FEASIBLE, SolutionStatus.OPTIMAL)
    assert not bank_problem.violations(sol.assignment)


@needs_highs
def test_highs_engine_reports_progress(bank_problem: Problem) -> None:
    seen: list[Progress] = []
    MilpBackend().solve(
        bank_problem.replace(stages=("cover_value",)),
        SolveOptions(time_limit=10, workers=1, warm_start=False),
        SolveControl(on_progress=seen.append),
    )
    assert seen and all(s.stage == "cover_value" for s in seen)
    assert all(s.objective <= s.bound + 1e-6 for s in seen)


@needs_cbc
def test_cbc_reads_its_bound_from_the_log() -> None:
    p = problem(1, [1], [(0, 0, 1, 10)])
    engine = CbcEngine(build_model(p), SolveOptions(), None, 0.0)
    engine.maximise = True  # CBC minimised the negated value
    log = "Result - Stopped on time limit\n\nObjective value:  -90.0\nLower bound:  -97.5\n"
    assert engine._bound(log) == 97.5 and engine._objective(log) == 90.0
    assert engine._bound("no bound here") == math.inf


def test_engines_available_here() -> None:
    assert MilpBackend.is_available() == (highs_available() or cbc_available())
    assert MilpCbcBackend.is_available() == cbc_available()


@needs_highs
def test_highs_engine_is_the_default(side_rules: Problem) -> None:
    sol = MilpBackend().solve(side_rules, SolveOptions(time_limit=10, workers=1))
    assert sol.backend == "milp"
