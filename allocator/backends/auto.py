"""``auto``: the backend chosen by size, never worse than the cheap path it could have run.

Why (issue 17): on a 20,000-customer bank ``milp`` stopped at its time limit with less cover
than ``flow`` reached in 0.08 s, and a user could not tell which to trust. So where the size
calls for an exact backend (``milp``, else ``cpsat``; :func:`~allocator.backends.registry.
pick_backend`), ``auto`` first runs ``flow`` -- fast at these sizes -- as the incumbent,
starts the exact backend from its plan (the problem's ``hint``, which every warm-starting
backend turns into its first solution), and returns the lexicographically better plan of the
two (:meth:`~allocator.problem.Problem.lex_key`: cover value, then moves and drops, then
balance; the exact backend's on a tie, as it carries the proofs). Where the size calls for
``flow`` itself, ``auto`` is ``flow``.

The solution says which engine made the returned plan (``auto>milp``, ``auto>flow``), carries
each run's seconds in ``timings``, and reports the best proven bounds: the cover-value bound is
the smaller of the two (each is an upper bound of every plan); the later stages keep the
winner's, proven only where every stage before them is.
"""

from __future__ import annotations

import logging
import time
from dataclasses import replace

from allocator.backends.base import Backend, Capability, SolveControl, register
from allocator.backends.registry import available_backends, from_name, pick_backend
from allocator.params import SolveOptions
from allocator.problem import Problem
from allocator.solution import Solution, SolutionStatus, StageResult
from allocator.staging import weaker

log = logging.getLogger(__name__)

#: the most of the time limit the incumbent run may take (it needs far less: ``flow`` seats
#: 10^5 customers in about 4 s, and ``auto`` picks an exact backend only far below that)
FLOW_SHARE = 0.3
#: statuses of a solution that holds a valid plan
_PLANS = (SolutionStatus.OPTIMAL, SolutionStatus.FEASIBLE)


@register
class AutoBackend(Backend):
    """The backend for the problem's size, with ``flow`` as incumbent before an exact one."""

    name = "auto"
    capabilities = frozenset({Capability.SIDE_RULES, Capability.WARM_START})
    max_pairs = 10**10

    @classmethod
    def is_available(cls) -> bool:
        return True  # it picks among the backends that load here (greedy always does)

    def solve(
        self, problem: Problem, options: SolveOptions, control: SolveControl | None = None
    ) -> Solution:
        t0 = time.monotonic()
        exact = pick_backend(problem)
        if not exact.exact or not self._flow_helps(problem):
            return self._tagged(exact.solve(problem, options, control), t0, {})
        flow = from_name("flow")
        first = flow.solve(
            problem, options.replace(time_limit=options.time_limit * FLOW_SHARE), control
        )
        timings = {"flow": round(first.seconds, 3)}
        incumbent = first if self._valid(problem, first) else None
        left = options.time_limit - (time.monotonic() - t0)
        stop = control is not None and control.stop.is_set()
        if incumbent is not None and (incumbent.status == SolutionStatus.OPTIMAL or stop):
            return self._tagged(incumbent, t0, timings)  # proven (or told to stop): done
        if left <= 0.01:
            return self._tagged(incumbent or first, t0, timings)
        warm = problem if incumbent is None else problem.replace(hint=incumbent.assignment)
        second = exact.solve(warm, options.replace(time_limit=left, warm_start=True), control)
        timings[exact.name] = round(second.seconds, 3)
        if incumbent is None:
            return self._tagged(second, t0, timings)
        return self._tagged(self._better(problem, second, incumbent), t0, timings)

    # -- helpers ----------------------------------------------------------------------------------
    @staticmethod
    def _flow_helps(problem: Problem) -> bool:
        """Whether ``flow`` can run here as itself (it hands RM-dependent workloads to CP-SAT,
        which would be no cheap incumbent)."""
        return "flow" in available_backends() and problem.weights_per_customer

    @staticmethod
    def _valid(problem: Problem, sol: Solution) -> bool:
        return sol.status in _PLANS and not problem.violations(sol.assignment)

    def _better(self, problem: Problem, exact: Solution, incumbent: Solution) -> Solution:
        """The lexicographically better plan (the exact backend's on a tie), with the best
        proven cover-value bound of the two runs."""
        if not self._valid(problem, exact):
            winner, other = incumbent, exact
        elif problem.lex_key(incumbent.assignment) < problem.lex_key(exact.assignment):
            winner, other = incumbent, exact
            log.info("auto: the flow plan is better than %s's; keeping it", exact.backend)
        else:
            winner, other = exact, incumbent
        stages = _with_bound(winner.stages, other.stage("cover_value"))
        proven = len(stages) == len(problem.stages) and all(
            s.status == SolutionStatus.OPTIMAL for s in stages
        )
        status = SolutionStatus.OPTIMAL if proven else SolutionStatus.FEASIBLE
        termination = weaker(winner.termination, other.termination)
        if proven:
            termination = winner.termination
        return replace(winner, stages=stages, status=status, termination=termination)

    def _tagged(self, sol: Solution, t0: float, timings: dict[str, float]) -> Solution:
        """``sol`` named after the engine that made its plan, timed from the start."""
        sol.backend = f"{self.name}>{sol.backend}"
        sol.seconds = time.monotonic() - t0
        sol.timings = {**sol.timings, **{f"{k}_s": v for k, v in timings.items()}}
        return sol


def _with_bound(stages: list[StageResult], other: StageResult | None) -> list[StageResult]:
    """The winner's stages with the cover-value bound the tighter of the two runs' (both are
    upper bounds of every plan's cover value), and a stage proven only when every stage before
    it is (a later stage's bound holds given the earlier values, so it proves nothing after an
    unproven one)."""
    out: list[StageResult] = []
    earlier_proven = True
    for s in stages:
        if s.name == "cover_value" and other is not None:
            bound = max(min(s.bound, other.bound), s.objective)
            proven = s.status == SolutionStatus.OPTIMAL or s.objective >= bound
            s = replace(s, bound=bound, status=_status(proven))
        proven = earlier_proven and (
            s.status == SolutionStatus.OPTIMAL or _meets(s.name, s.objective, s.bound)
        )
        s = replace(s, status=_status(proven))
        earlier_proven = proven
        out.append(s)
    return out


def _meets(stage: str, objective: float, bound: float) -> bool:
    if stage == "cover_value":
        return objective >= bound
    return objective <= bound + 1e-12


def _status(proven: bool) -> SolutionStatus:
    return SolutionStatus.OPTIMAL if proven else SolutionStatus.FEASIBLE
