"""The CP-SAT backend: the whole model, every side rule, the objective solved in stages.

Model (one Boolean per eligible pair, ``x[p]``):

- at most one RM per customer (exactly one when required);
- capacity: ``sum(weight[p] * x[p]) <= capacity[r]`` per RM, written only where it can bind;
- groups: ``y[g, r]`` says group ``g`` uses RM ``r``; ``x[p] -> y[g, r]``; at most one ``y``
  per group;
- one-to-one: ``d[r]`` says RM ``r`` is dedicated; an exclusive pair implies it, and a dedicated RM
  serves at most one *unit* (a group, or a customer outside any group).

The lexicographic objective is solved in stages (cover value, then moves, then the largest
utilisation), each stage fixing the previous optimum (or the best value found when time ran out)
as a constraint and hinting the previous solution, so no weight has to be big enough to be exact.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from allocator.backends.base import Backend, Progress, SolveControl, register
from allocator.heuristics.greedy import greedy_assignment, value_upper_bound
from allocator.problem import Problem
from allocator.solution import Solution, SolutionStatus, SolveOptions, StageResult, Termination

#: utilisation is optimised in integer units of 1/UTIL_SCALE
UTIL_SCALE = 1000
#: share of the remaining time a stage may use (the last stage takes all that is left)
STAGE_SHARE = {"cover_value": 0.6, "continuity": 0.5, "balance": 1.0}
#: the balance stage may use at most this share of the whole time limit
BALANCE_SHARE = 0.3
#: above this many pairs, skip CP-SAT's symmetry detection (seconds at 10^5 pairs, little gain)
SYMMETRY_MAX_PAIRS = 20_000


def _cp_model() -> Any:
    from ortools.sat.python import cp_model

    return cp_model


class _Model:
    """The CP-SAT model of one problem, with the expressions of the three stages."""

    def __init__(self, problem: Problem):
        cp = _cp_model()
        self.cp = cp
        self.problem = problem
        m = cp.CpModel()
        self.model = m
        n_pairs = problem.n_pairs
        self.x = [m.new_bool_var(f"x{p}") for p in range(n_pairs)]
        x = self.x
        ptr = problem.customer_ptr
        self.infeasible_required = False
        for c in range(problem.n_customers):
            s, e = int(ptr[c]), int(ptr[c + 1])
            if problem.required[c]:
                if s == e:
                    self.infeasible_required = True
                    continue
                m.add_exactly_one(x[s:e])
            elif e - s > 1:
                m.add_at_most_one(x[s:e])

        by_rm = np.argsort(problem.pair_rm, kind="stable")
        rm_counts = np.bincount(problem.pair_rm, minlength=problem.n_rms)
        rm_ptr = np.concatenate([[0], np.cumsum(rm_counts)])
        self.rm_pairs = [by_rm[rm_ptr[r] : rm_ptr[r + 1]] for r in range(problem.n_rms)]
        w = problem.pair_weight
        for r, ps in enumerate(self.rm_pairs):
            if ps.size and int(w[ps].sum()) > int(problem.capacity[r]):
                m.add(
                    cp.LinearExpr.weighted_sum([x[p] for p in ps], w[ps].tolist())
                    <= int(problem.capacity[r])
                )

        self._groups(m)
        self._one_to_one(m)

        self.value = cp.LinearExpr.weighted_sum(x, problem.pair_value.tolist())
        # continuity: fewest moved, then (exact tie-break) fewest customers dropped by today's RM
        cur = problem.current[problem.pair_customer]
        moved = (cur >= 0) & (problem.pair_rm != cur)
        keepable = cur >= 0
        self.keepable = int((problem.current >= 0).sum())
        k1 = self.keepable + 1
        coef = np.where(moved, k1, 0) - keepable.astype(np.int64)
        nz = np.flatnonzero(coef)
        self.moves = cp.LinearExpr.weighted_sum([x[p] for p in nz], coef[nz].tolist())
        self.util = m.new_int_var(0, UTIL_SCALE, "max_util")
        self._util_added = False

    def add_balance(self) -> None:
        """The utilisation constraints, added only for the balance stage: they double the
        model's terms and would slow the earlier stages for nothing."""
        if self._util_added:
            return
        cp, p, x, w = self.cp, self.problem, self.x, self.problem.pair_weight
        for r, ps in enumerate(self.rm_pairs):
            cap = int(p.capacity[r])
            if ps.size and cap > 0:
                self.model.add(
                    cp.LinearExpr.weighted_sum([x[q] for q in ps], (w[ps] * UTIL_SCALE).tolist())
                    <= cap * self.util
                )
        self._util_added = True

    def _groups(self, m: Any) -> None:
        p = self.problem
        self.y: dict[tuple[int, int], Any] = {}
        if p.n_groups == 0:
            return
        pair_group = p.group[p.pair_customer]
        in_group = np.flatnonzero(pair_group >= 0)
        per_group: dict[int, list[Any]] = {}
        for q in in_group:
            key = (int(pair_group[q]), int(p.pair_rm[q]))
            var = self.y.get(key)
            if var is None:
                var = m.new_bool_var(f"y{key[0]}_{key[1]}")
                self.y[key] = var
                per_group.setdefault(key[0], []).append(var)
            m.add_implication(self.x[q], var)
        for vars_ in per_group.values():
            if len(vars_) > 1:
                m.add_at_most_one(vars_)

    def _one_to_one(self, m: Any) -> None:
        p = self.problem
        self.dedicated: dict[int, Any] = {}
        excl_pairs = np.flatnonzero(p.exclusive[p.pair_customer])
        if excl_pairs.size == 0:
            return
        dedicated: dict[int, Any] = self.dedicated
        for q in excl_pairs:
            r = int(p.pair_rm[q])
            if r not in dedicated:
                dedicated[r] = m.new_bool_var(f"d{r}")
            m.add_implication(self.x[q], dedicated[r])
        for r, d in dedicated.items():
            units: list[Any] = []
            seen_groups: set[int] = set()
            for q in self.rm_pairs[r]:
                g = int(p.group[p.pair_customer[q]])
                if g < 0:
                    units.append(self.x[q])
                elif g not in seen_groups:
                    seen_groups.add(g)
                    units.append(self.y[(g, r)])
            if len(units) > 1:
                m.add(sum(units) <= 1).only_enforce_if(d)

    # -- helpers ---------------------------------------------------------------------------------
    def hint(self, assignment: npt.NDArray[np.int64]) -> None:
        """Hint an assignment on every variable (pairs, groups, dedicated RMs, utilisation), so
        that a feasible hint is a first solution at once."""
        p = self.problem
        m = self.model
        m.clear_hints()
        chosen = np.zeros(p.n_pairs, dtype=bool)
        assigned = np.flatnonzero(assignment >= 0)
        idx = p.pair_index(assigned, assignment[assigned])
        chosen[idx[idx >= 0]] = True
        for q, var in enumerate(self.x):
            m.add_hint(var, bool(chosen[q]))
        used = {(int(p.group[c]), int(assignment[c])) for c in assigned if p.group[c] >= 0}
        for key, var in self.y.items():
            m.add_hint(var, key in used)
        dedicated = {int(assignment[c]) for c in assigned if p.exclusive[c]}
        for r, var in self.dedicated.items():
            m.add_hint(var, r in dedicated)
        if idx.size and (idx >= 0).all():
            loads = p.loads(assignment)
            has = p.capacity > 0
            top = (loads[has] * UTIL_SCALE + p.capacity[has] - 1) // p.capacity[has]
            m.add_hint(self.util, int(min(top.max(), UTIL_SCALE)) if top.size else 0)

    def assignment(self, solver: Any) -> npt.NDArray[np.int64]:
        p = self.problem
        values = np.fromiter((solver.boolean_value(v) for v in self.x), dtype=bool, count=p.n_pairs)
        out = np.full(p.n_customers, -1, dtype=np.int64)
        out[p.pair_customer[values]] = p.pair_rm[values]
        return out


class _Watcher:
    """Reports improving solutions and stops the search on request."""

    def __init__(self, cp: Any, stage: str, control: SolveControl | None, t0: float, scale: float):
        self.control = control
        self.stage = stage
        self.t0 = t0
        self.scale = scale
        outer = self

        class _Callback(cp.CpSolverSolutionCallback):  # type: ignore[misc,name-defined]
            def on_solution_callback(self) -> None:
                if outer.control is None:
                    return
                outer.control.report(
                    Progress(
                        outer.stage,
                        self.objective_value * outer.scale,
                        self.best_objective_bound * outer.scale,
                        time.monotonic() - outer.t0,
                    )
                )
                if outer.control.stop.is_set():
                    self.stop_search()

        self.callback = _Callback()


def _stop_on(flag: threading.Event, done: threading.Event, solver: Any) -> None:
    """Stop ``solver`` as soon as ``flag`` is set, until ``done`` (runs in a daemon thread)."""
    while not done.is_set():
        if flag.wait(0.05):
            solver.stop_search()
            return


@dataclass
class _StageRun:
    """One objective stage solved by CP-SAT (see :func:`_run_stage`)."""

    name: str
    status: Any
    solved: bool
    optimal: bool
    solver: Any
    expr: Any
    sense: str
    scale: float
    seconds: float

    def result(self, built: _Model, problem: Problem, best: npt.NDArray[np.int64]) -> StageResult:
        """The stage as reported, for a solved run whose plan is ``best``."""
        obj, bound = self.solver.objective_value, self.solver.best_objective_bound
        st = SolutionStatus.OPTIMAL if self.optimal else SolutionStatus.FEASIBLE
        shown, shown_bound = obj * self.scale, bound * self.scale
        if self.name == "continuity":  # report moved customers, as the contract counts them
            k1 = built.keepable + 1
            shown = float(problem.moves(best))
            shown_bound = float(np.floor((bound + built.keepable) / k1 + 1e-9))
        return StageResult(self.name, shown, shown_bound, st, self.seconds)

    def fix(self, built: _Model) -> None:
        """Hold this stage's objective at its value for the stages after it."""
        CpSatBackend._fix(
            built,
            self.name,
            self.expr,
            self.sense,
            round(self.solver.objective_value),
            optimal=self.optimal,
        )


def _run_stage(
    built: _Model,
    name: str,
    budget: float,
    hint: npt.NDArray[np.int64],
    options: SolveOptions,
    control: SolveControl | None,
    stop_flag: threading.Event,
    t0: float,
) -> _StageRun:
    """Set stage ``name``'s objective on ``built`` and solve it with CP-SAT from ``hint``.

    One place for what every staged CP-SAT solve needs (the ``cpsat`` backend's stages and the
    ``lns`` backend's stages after the first): time limit, seed, workers, the large-model
    switches, progress reports and the stop event.
    """
    cp = built.cp
    now = time.monotonic()
    expr, sense, scale = CpSatBackend._stage_objective(built, name)
    if name == "balance":
        built.add_balance()
    if sense == "max":
        built.model.maximize(expr)
    else:
        built.model.minimize(expr)
    built.hint(hint)
    solver = cp.CpSolver()
    prm = solver.parameters
    prm.max_time_in_seconds = max(budget, 0.01)
    prm.random_seed = options.seed
    prm.num_workers = options.workers
    prm.log_search_progress = options.log
    if built.problem.n_pairs > SYMMETRY_MAX_PAIRS:
        # measured at 87k pairs: symmetry detection (6 s) and probing (6 s) ate the
        # whole budget before the search started
        prm.symmetry_level = 0
        prm.cp_model_probing_level = 0
    watcher = _Watcher(cp, name, control, t0, scale)
    done = threading.Event()
    stopper = threading.Thread(target=_stop_on, args=(stop_flag, done, solver), daemon=True)
    stopper.start()
    status = solver.solve(built.model, watcher.callback)
    done.set()
    solved = status in (cp.OPTIMAL, cp.FEASIBLE)
    return _StageRun(
        name,
        status,
        solved,
        status == cp.OPTIMAL,
        solver,
        expr,
        sense,
        scale,
        time.monotonic() - now,
    )


@register
class CpSatBackend(Backend):
    """OR-Tools CP-SAT: exact, every side rule, staged lexicographic objective, warm start."""

    name = "cpsat"
    side_rules = True
    exact = True
    warm_start = True
    #: measured: at 87k pairs (20k customers) 2 workers do not improve the greedy start in 15 s;
    #: "auto" sends larger problems to the decomposing / MILP / flow backends
    max_pairs = 30_000

    @classmethod
    def is_available(cls) -> bool:
        try:
            _cp_model()
        except ImportError:
            return False
        return True

    def solve(
        self, problem: Problem, options: SolveOptions, control: SolveControl | None = None
    ) -> Solution:
        t0 = time.monotonic()
        deadline = t0 + options.time_limit
        built = _Model(problem)
        cp = built.cp
        if built.infeasible_required:
            return self._no_solution(problem, SolutionStatus.INFEASIBLE, Termination.CONVERGED, t0)

        start = greedy_assignment(problem, prefer=problem.hint if options.warm_start else None)
        if problem.violations(start):
            start = np.full(problem.n_customers, -1, dtype=np.int64)
            if options.warm_start:
                start = np.where(problem.required, problem.hint, -1).astype(np.int64)
        best = start
        have_solution = not problem.violations(best)
        stages: list[StageResult] = []
        termination = Termination.CONVERGED
        stop_flag = control.stop if control is not None else threading.Event()
        names = list(problem.stages)
        for i, name in enumerate(names):
            now = time.monotonic()
            remaining = deadline - now
            if remaining <= 0.01 or stop_flag.is_set():
                termination = (
                    Termination.INTERRUPTED if stop_flag.is_set() else Termination.TIME_LIMIT
                )
                break
            last = i == len(names) - 1
            budget = remaining if last else remaining * STAGE_SHARE.get(name, 0.5)
            if name == "balance" and i > 0:
                # the max utilisation is often pinned by one RM that continuity keeps full;
                # proving that can take forever, so balance gets a bounded share of the limit
                budget = min(budget, BALANCE_SHARE * options.time_limit)
            run = _run_stage(built, name, budget, best, options, control, stop_flag, t0)
            if run.solved:
                best = built.assignment(run.solver)
                have_solution = True
                stages.append(run.result(built, problem, best))
                run.fix(built)
                if not run.optimal:
                    termination = (
                        Termination.INTERRUPTED if stop_flag.is_set() else Termination.TIME_LIMIT
                    )
            elif run.status == cp.INFEASIBLE:
                return self._no_solution(
                    problem, SolutionStatus.INFEASIBLE, Termination.CONVERGED, t0
                )
            else:  # UNKNOWN: no solution in time; keep the warm start if it is valid
                termination = (
                    Termination.INTERRUPTED if stop_flag.is_set() else Termination.TIME_LIMIT
                )
                if have_solution:
                    obj = self._evaluate(problem, name, best)
                    bound = float(value_upper_bound(problem)) if i == 0 else obj
                    stages.append(
                        StageResult(name, obj, bound, SolutionStatus.FEASIBLE, run.seconds)
                    )
                break
        if not have_solution:
            return self._no_solution(problem, SolutionStatus.NO_SOLUTION, termination, t0)
        all_optimal = len(stages) == len(names) and all(
            s.status == SolutionStatus.OPTIMAL for s in stages
        )
        status_all = SolutionStatus.OPTIMAL if all_optimal else SolutionStatus.FEASIBLE
        return Solution(best, status_all, termination, stages, self.name, time.monotonic() - t0)

    # -- stages ----------------------------------------------------------------------------------
    @staticmethod
    def _stage_objective(built: _Model, name: str) -> tuple[Any, str, float]:
        if name == "cover_value":
            return built.value, "max", 1.0
        if name == "continuity":
            return built.moves, "min", 1.0
        if name == "balance":
            return built.util, "min", 1.0 / UTIL_SCALE
        raise ValueError(f"unknown objective stage {name!r}")

    @staticmethod
    def _fix(built: _Model, name: str, expr: Any, sense: str, value: int, optimal: bool) -> None:
        if name == "balance":
            return  # last stage: nothing after it to protect
        if sense == "max":
            built.model.add(expr >= value)
        else:
            built.model.add(expr <= value)

    @staticmethod
    def _evaluate(problem: Problem, name: str, a: npt.NDArray[np.int64]) -> float:
        if name == "cover_value":
            return float(problem.cover_value(a))
        if name == "continuity":
            return float(problem.moves(a))
        return problem.max_utilisation(a)

    def _no_solution(
        self, problem: Problem, status: SolutionStatus, term: Termination, t0: float
    ) -> Solution:
        empty = np.full(problem.n_customers, -1, dtype=np.int64)
        return Solution(empty, status, term, [], self.name, time.monotonic() - t0)
