"""The ``lns`` backend: LP-guided large neighbourhood search, then exact later stages.

Why another backend: on large GAP-like cores the exact CP-SAT backend spends its time proving
and often hands back a weak plan (GitHub issue 3: on the Yagiura types C-E it lost to textbook
HiGHS and CP-SAT). Finding *good plans fast* is a different job from proving them optimal:

1. **cover value** (stage 1) by :func:`allocator.lns.search.lns_search`: the LP relaxation
   (HiGHS) gives the bound, a nearly integral start and reduced costs; a compiled tabu search
   (problems without side rules, numba) and exact CP-SAT sub-solves of neighbourhoods (every
   problem) improve the plan; small problems end with the exact model of the whole problem,
   which often proves the plan optimal;
2. **later stages** (continuity, balance) by the CP-SAT formulation
   (:mod:`allocator.formulations.cpsat_model`) in the one stage loop (:mod:`allocator.staging`),
   with the cover value held at least at the stage-1 result and the stage-1 plan as the start,
   in the time that is left.

Every stage is reported honestly: ``optimal`` only when proven (stage 1: the plan reaches the LP
bound or the exact whole-problem solve finished), else ``feasible`` with the proven bound (the LP
bound for stage 1, CP-SAT's bound for the others). Plans are checked against
:meth:`Problem.violations` before they are returned.
"""

from __future__ import annotations

import time

from allocator.backends.base import Backend, Capability, SolveControl, register
from allocator.engines.cpsat import CPSAT_BUDGET
from allocator.lns.search import LnsResult, lns_search
from allocator.lns.settings import LnsSettings
from allocator.params import SolveOptions
from allocator.problem import Problem, trivial_bound
from allocator.solution import Solution, SolutionStatus, StageResult, Termination
from allocator.staging import run_stages


@register
class LnsBackend(Backend):
    """Large neighbourhood search (heuristic with a proven LP bound), every side rule honoured."""

    name = "lns"
    capabilities = frozenset({Capability.SIDE_RULES, Capability.WARM_START})
    max_pairs = 5_000_000
    settings_type = LnsSettings
    requires = ("highspy", "ortools.sat.python.cp_model")

    #: tuning of the search when ``options.settings`` has no ``lns`` entry (tests may replace it)
    defaults: LnsSettings = LnsSettings()

    def solve(
        self, problem: Problem, options: SolveOptions, control: SolveControl | None = None
    ) -> Solution:
        t0 = time.monotonic()
        names = list(problem.stages)
        staging = options.staging or CPSAT_BUDGET
        settings = self.settings(options) if self.name in options.settings else self.defaults
        if not names or names[0] != "cover_value":
            # nothing for the neighbourhood search to do: the exact staged model does it all
            return self._staged(problem, options, control, t0, None, names, [])
        share = 1.0 if len(names) == 1 else float(staging.shares.get("cover_value", 0.6))
        start = problem.hint if options.warm_start and (problem.hint >= 0).any() else None
        res = lns_search(
            problem,
            options.time_limit * share,
            seed=options.seed,
            workers=options.workers,
            control=control,
            start=start,
            settings=settings,
            t0=t0,
        )
        if res.infeasible:
            return self.empty(problem, SolutionStatus.INFEASIBLE, Termination.CONVERGED, t0)
        if not res.feasible or problem.violations(res.assignment):
            term = Termination.INTERRUPTED if res.interrupted else Termination.TIME_LIMIT
            return self.empty(problem, SolutionStatus.NO_SOLUTION, term, t0)
        st1 = SolutionStatus.OPTIMAL if res.optimal else SolutionStatus.FEASIBLE
        # the LP's bound, or the trivial one when the LP did not finish (never infinity)
        trivial = trivial_bound(problem, "cover_value")
        bound = float(res.value) if res.optimal else max(min(res.bound, trivial), res.value)
        first = StageResult("cover_value", float(res.value), bound, st1, time.monotonic() - t0)
        stopped = res.interrupted or (control is not None and control.stop.is_set())
        if len(names) == 1 or stopped:
            if stopped:
                term = Termination.INTERRUPTED
            else:
                term = Termination.CONVERGED if res.optimal else Termination.TIME_LIMIT
            # the plan is proven only when the search proved the one stage there is
            status = st1 if len(names) == 1 else SolutionStatus.FEASIBLE
            return Solution(res.assignment, status, term, [first], self.name, time.monotonic() - t0)
        sol = self._staged(problem, options, control, t0, res, names[1:], [first])
        if not res.optimal and sol.termination == Termination.CONVERGED:
            sol.termination = Termination.TIME_LIMIT
        return sol

    def _deterministic(self, options: SolveOptions) -> bool:
        """One worker and the deterministic search on: work counters, not the clock."""
        settings = self.settings(options) if self.name in options.settings else self.defaults
        return settings.deterministic and options.workers <= 1

    def _stage_work(
        self, options: SolveOptions, names: list[str], after_first: bool
    ) -> dict[str, float]:
        """Deterministic time per later stage: the stage budget's shares of the time left after
        stage 1, computed from the time limit alone (never from the clock), times the work a
        second buys."""
        settings = self.settings(options) if self.name in options.settings else self.defaults
        staging = options.staging or CPSAT_BUDGET
        limit = options.time_limit
        first_share = float(staging.shares.get("cover_value", 0.6)) if after_first else 0.0
        remaining = limit * (1.0 - first_share)
        work: dict[str, float] = {}
        for i, stage in enumerate(names):
            last, first = i == len(names) - 1, i == 0 and not after_first
            seconds = staging.seconds(stage, remaining, last, first, limit)
            work[stage] = settings.work_rate * seconds
            remaining -= seconds
        return work

    def _staged(
        self,
        problem: Problem,
        options: SolveOptions,
        control: SolveControl | None,
        t0: float,
        first: LnsResult | None,
        names: list[str],
        done: list[StageResult],
    ) -> Solution:
        """The stages ``names`` by the exact CP-SAT model, cover value held >= stage 1's."""
        from allocator.engines.cpsat import CpSatStageEngine
        from allocator.formulations.cpsat_model import CpSatModel
        from allocator.heuristics.start import warm_start

        model = CpSatModel(problem)
        if model.infeasible_required:
            return self.empty(problem, SolutionStatus.INFEASIBLE, Termination.CONVERGED, t0)
        work = (
            self._stage_work(options, names, bool(done)) if self._deterministic(options) else None
        )
        engine = CpSatStageEngine(model, options, control, t0, work=work)
        if first is not None:
            engine.hold("cover_value", first.assignment)
        start = first.assignment if first is not None else warm_start(problem, options.warm_start)
        return run_stages(
            problem,
            engine,
            start=start,
            time_limit=options.time_limit,
            control=control,
            budget=options.staging or CPSAT_BUDGET,
            name=self.name,
            t0=t0,
            stages=names,
            done=done,
        )
