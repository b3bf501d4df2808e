"""The ``lns`` backend: LP-guided large neighbourhood search, then exact later stages.

Why another backend: on large GAP-like cores the exact CP-SAT backend spends its time proving
and often hands back a weak plan (GitHub issue 3: on the Yagiura types C-E it lost to textbook
HiGHS and CP-SAT). Finding *good plans fast* is a different job from proving them optimal:

1. **cover value** (stage 1) by :func:`allocator.lns.search.lns_search`: the LP relaxation
   (HiGHS) gives the bound, a nearly integral start and reduced costs; a compiled tabu search
   (problems without side rules, numba) and exact CP-SAT sub-solves of neighbourhoods (every
   problem) improve the plan; small problems end with the exact model of the whole problem,
   which often proves the plan optimal;
2. **later stages** (continuity, balance) by the exact staged CP-SAT model of
   :mod:`allocator.backends.cpsat`, with the cover value held at least at the stage-1 result and
   the stage-1 plan as a hint, in the time that is left.

Every stage is reported honestly: ``optimal`` only when proven (stage 1: the plan reaches the LP
bound or the exact whole-problem solve finished), else ``feasible`` with the proven bound (the LP
bound for stage 1, CP-SAT's bound for the others). Plans are checked against
:meth:`Problem.violations` before they are returned.
"""

from __future__ import annotations

import threading
import time

import numpy as np
import numpy.typing as npt

from allocator.backends.base import Backend, SolveControl, register
from allocator.lns.search import LnsResult, lns_search
from allocator.lns.settings import LnsSettings
from allocator.problem import Problem
from allocator.solution import Solution, SolutionStatus, SolveOptions, StageResult, Termination

IntArray = npt.NDArray[np.int64]


@register
class LnsBackend(Backend):
    """Large neighbourhood search (heuristic with a proven LP bound), every side rule honoured."""

    name = "lns"
    side_rules = True
    exact = False
    warm_start = True
    max_pairs = 5_000_000

    #: tuning of the search (tests and benchmarks may replace it)
    settings: LnsSettings = LnsSettings()

    @classmethod
    def is_available(cls) -> bool:
        try:
            import highspy  # noqa: F401
            from ortools.sat.python import cp_model  # noqa: F401
        except ImportError:
            return False
        return True

    def solve(
        self, problem: Problem, options: SolveOptions, control: SolveControl | None = None
    ) -> Solution:
        from allocator.backends.cpsat import STAGE_SHARE, CpSatBackend

        t0 = time.monotonic()
        names = list(problem.stages)
        if not names or names[0] != "cover_value":
            # nothing for the neighbourhood search to do: the exact staged model does it all
            sol = CpSatBackend().solve(problem, options, control)
            sol.backend = self.name
            return sol
        share = 1.0 if len(names) == 1 else STAGE_SHARE.get("cover_value", 0.6)
        start = problem.hint if options.warm_start and (problem.hint >= 0).any() else None
        res = lns_search(
            problem,
            options.time_limit * share,
            seed=options.seed,
            workers=options.workers,
            control=control,
            start=start,
            settings=self.settings,
            t0=t0,
        )
        secs = time.monotonic() - t0
        stop = control.stop if control is not None else threading.Event()
        if res.infeasible:
            return self._empty(problem, SolutionStatus.INFEASIBLE, Termination.CONVERGED, t0)
        if not res.feasible or problem.violations(res.assignment):
            term = Termination.INTERRUPTED if res.interrupted else Termination.TIME_LIMIT
            return self._empty(problem, SolutionStatus.NO_SOLUTION, term, t0)
        st1 = SolutionStatus.OPTIMAL if res.optimal else SolutionStatus.FEASIBLE
        bound = float(res.value) if res.optimal else float(res.bound)
        stages = [StageResult("cover_value", float(res.value), bound, st1, secs)]
        if res.interrupted or stop.is_set():
            term = Termination.INTERRUPTED
        elif res.optimal:
            term = Termination.CONVERGED
        else:
            term = Termination.TIME_LIMIT
        best = res.assignment
        if len(names) > 1 and not stop.is_set():
            best, later, later_term = self._later_stages(problem, options, control, res, t0)
            stages.extend(later)
            if later_term != Termination.CONVERGED or term != Termination.CONVERGED:
                term = later_term if later_term != Termination.CONVERGED else term
        all_optimal = len(stages) == len(names) and all(
            s.status == SolutionStatus.OPTIMAL for s in stages
        )
        status = SolutionStatus.OPTIMAL if all_optimal else SolutionStatus.FEASIBLE
        return Solution(best, status, term, stages, self.name, time.monotonic() - t0)

    # -- stages after the first ------------------------------------------------------------------
    def _later_stages(
        self,
        problem: Problem,
        options: SolveOptions,
        control: SolveControl | None,
        first: LnsResult,
        t0: float,
    ) -> tuple[IntArray, list[StageResult], Termination]:
        """Continuity and balance by the exact CP-SAT model, cover value held >= stage 1."""
        from allocator.backends.cpsat import STAGE_SHARE, CpSatBackend, _Model, _run_stage

        deadline = t0 + options.time_limit
        stop_flag = control.stop if control is not None else threading.Event()
        built = _Model(problem)
        built.model.add(built.value >= int(first.value))
        best = first.assignment
        names = list(problem.stages)[1:]
        stages: list[StageResult] = []
        termination = Termination.CONVERGED
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
            run = _run_stage(built, name, budget, best, options, control, stop_flag, t0)
            if run.solved:
                cand = built.assignment(run.solver)
                if not problem.violations(cand):
                    best = cand
                stages.append(run.result(built, problem, best))
                run.fix(built)
                if not run.optimal:
                    termination = (
                        Termination.INTERRUPTED if stop_flag.is_set() else Termination.TIME_LIMIT
                    )
            else:  # no solution in time (the stage-1 plan stays valid) or a stop
                termination = (
                    Termination.INTERRUPTED if stop_flag.is_set() else Termination.TIME_LIMIT
                )
                obj_now = CpSatBackend._evaluate(problem, name, best)
                stages.append(StageResult(name, obj_now, 0.0, SolutionStatus.FEASIBLE, run.seconds))
                break
        return best, stages, termination

    def _empty(
        self, problem: Problem, status: SolutionStatus, term: Termination, t0: float
    ) -> Solution:
        empty = np.full(problem.n_customers, -1, dtype=np.int64)
        return Solution(empty, status, term, [], self.name, time.monotonic() - t0)
