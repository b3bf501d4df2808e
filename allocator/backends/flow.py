"""The large-scale backend: a transportation LP as a min-cost flow, side rules settled around it.

A province has ~10^6 customers and ~10^4 RMs, but only a few thousand *kinds* of customer: those of
one ``Problem.klass`` have the same eligible RMs, workload and value. When a customer's workload
does not depend on the RM (as in every compiled bank), the LP relaxation of the capacity core is a
transportation problem in workload units, and a min-cost flow over pooled customers solves it
exactly in seconds. Its optimum is a proven upper bound of the cover value; rounding the flow to
whole customers loses at most the fractions of the few arcs that carry one, and a greedy repair
reseats most of those. One-to-one customers and groups are settled from the LP's own seating and
fixed; a second flow then seats everybody else (:mod:`allocator.flow.solve`).

Continuity: the solve starts from today's book made feasible and filled
(:func:`allocator.heuristics.start.book_start`; the hint's book with ``warm_start`` when it
differs) and never returns a plan lexicographically worse than it; customers keep today's RM in
the flows wherever that costs no cover. The continuity stage reports a proven lower bound on the
moves of every plan that covers at least as much as the returned one (the LP's Lagrangian,
:mod:`allocator.flow.continuity`); a stage is ``optimal`` only when proven, and the continuity
stage only once the cover value is proven optimal too.

What it claims (capability flags): it honours every side rule (``side_rules``) and the per-RM
move caps (``move_caps``: plans are brought within them, and the start keeps them), starts from
the hint (``warm_start``); it reports a real bound and gap for the cover value and the moves but
does not prove the lexicographic optimum in general, so it is not ``exact`` -- it is the backend
``auto`` falls back to when the exact ones are too slow (``max_pairs``). A problem whose
workloads depend on the RM (the OR-Library GAP) is no transportation problem: it is handed to
CP-SAT, and the solution says so (``flow>cpsat``).
"""

from __future__ import annotations

import logging
import threading
import time

import numpy as np

from allocator.backends.base import Backend, Capability, Progress, SolveControl, register
from allocator.flow.solve import Outcome, solve_flow
from allocator.params import SolveOptions
from allocator.problem import Problem
from allocator.solution import Solution, SolutionStatus, StageResult, Termination

log = logging.getLogger(__name__)


def customer_weights_constant(problem: Problem) -> bool:
    """Whether every customer's workload is the same on all its pairs (the flow's premise;
    :attr:`Problem.weights_per_customer`)."""
    return problem.weights_per_customer


@register
class FlowBackend(Backend):
    """Min-cost-flow LP with rounding and repair: every side rule, a proven cover-value bound."""

    name = "flow"
    capabilities = frozenset({Capability.SIDE_RULES, Capability.WARM_START, Capability.MOVE_CAPS})
    max_pairs = 10**10
    requires = ("ortools.graph.python.min_cost_flow",)

    def solve(
        self, problem: Problem, options: SolveOptions, control: SolveControl | None = None
    ) -> Solution:
        t0 = time.monotonic()
        if not customer_weights_constant(problem) or _required_side_choice(problem):
            return self._delegate(problem, options, control, t0)
        stop = control.stop if control is not None else threading.Event()

        def report(stage: str, objective: float, bound: float) -> None:
            if control is not None:
                control.report(Progress(stage, objective, bound, time.monotonic() - t0))

        outcome = solve_flow(
            problem,
            t0 + options.time_limit,
            stop,
            report,
            seed=options.seed,
            workers=options.workers,
            warm=options.warm_start,
        )
        solution = self._solution(problem, outcome, t0, control)
        solution.timings = dict(outcome.timings)
        if outcome.key is not None:
            log.info(
                "flow: plan from %s; moves %d, proven lower bound %d (%s%s)",
                outcome.source,
                outcome.key[1],
                outcome.moves_bound,
                outcome.moves_how,
                ", the LP optimum" if outcome.moves_bound_exact else "",
            )
        return solution

    # -- reporting -------------------------------------------------------------------------------
    def _solution(
        self, p: Problem, out: Outcome, t0: float, control: SolveControl | None
    ) -> Solution:
        a = out.assignment
        seconds = time.monotonic() - t0
        if out.infeasible:
            return Solution(
                a, SolutionStatus.INFEASIBLE, Termination.CONVERGED, [], self.name, seconds
            )
        termination = {
            "": Termination.CONVERGED,
            "time_limit": Termination.TIME_LIMIT,
            "interrupted": Termination.INTERRUPTED,
        }[out.stopped]
        if out.bound is None:  # stopped before the LP: nothing valid to offer
            return Solution(a, SolutionStatus.NO_SOLUTION, termination, [], self.name, seconds)
        if (p.required & (a < 0)).any():
            return Solution(
                np.full(p.n_customers, -1, dtype=np.int64),
                SolutionStatus.NO_SOLUTION,
                termination,
                [],
                self.name,
                seconds,
            )
        stages: list[StageResult] = []
        key = out.key or (-p.cover_value(a), p.moves(a), p.dropped(a), p.max_utilisation(a))
        cover = float(-key[0])
        bound = float(np.floor(out.bound + 1e-6)) if out.bound_exact else out.bound
        cover_optimal = cover >= bound
        for name in p.stages:
            if name == "cover_value":
                st = SolutionStatus.OPTIMAL if cover_optimal else SolutionStatus.FEASIBLE
                stages.append(
                    StageResult(name, cover, cover if cover_optimal else bound, st, seconds)
                )
            elif name == "continuity":
                # the bound holds for every plan covering at least this plan's value, so it
                # proves this stage's optimum only once the cover value is proven optimal
                moves = float(key[1])
                lower = float(min(out.moves_bound, key[1]))
                proven = cover_optimal and moves <= lower
                st = SolutionStatus.OPTIMAL if proven else SolutionStatus.FEASIBLE
                stages.append(StageResult(name, moves, lower, st, 0.0))
            elif name == "balance":
                util = float(key[3])
                lower = self._balance_bound(p)
                st = SolutionStatus.OPTIMAL if util <= lower + 1e-12 else SolutionStatus.FEASIBLE
                stages.append(StageResult(name, util, min(lower, util), st, 0.0))
        all_optimal = all(s.status == SolutionStatus.OPTIMAL for s in stages)
        status = (
            SolutionStatus.OPTIMAL if all_optimal and not out.stopped else SolutionStatus.FEASIBLE
        )
        if control is not None and stages:
            control.report(Progress("cover_value", cover, stages[0].bound, seconds))
        return Solution(a, status, termination, stages, self.name, seconds)

    @staticmethod
    def _balance_bound(p: Problem) -> float:
        """A proven lower bound of the largest utilisation: the held locks' own load."""
        fixed = p.required & (np.diff(p.customer_ptr) == 1)
        if not fixed.any():
            return 0.0
        ptr = p.customer_ptr
        c = np.flatnonzero(fixed)
        load = np.bincount(p.pair_rm[ptr[c]], weights=p.pair_weight[ptr[c]], minlength=p.n_rms)
        has = p.capacity > 0
        return float((load[has] / p.capacity[has]).max()) if has.any() else 0.0

    def _delegate(
        self, problem: Problem, options: SolveOptions, control: SolveControl | None, t0: float
    ) -> Solution:
        """Workloads that depend on the RM: no transportation problem; CP-SAT solves it."""
        from allocator.backends.registry import available_backends, from_name

        inner = from_name("cpsat") if "cpsat" in available_backends() else from_name("greedy")
        sol = inner.solve(problem, options, control)
        sol.backend = f"{self.name}>{sol.backend}"
        sol.seconds = time.monotonic() - t0
        return sol


def _required_side_choice(problem: Problem) -> bool:
    """Whether a required customer with a choice of RMs is in a group or one-to-one: the side
    decisions are heuristic and could leave it out, so such (hand-made, small) problems go to
    CP-SAT. Compiled banks have none: a held lock has exactly one pair."""
    deg = np.diff(problem.customer_ptr)
    side = (problem.group >= 0) | problem.exclusive
    return bool((problem.required & (deg > 1) & side).any())
