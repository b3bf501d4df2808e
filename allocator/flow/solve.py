"""The large-scale solve: side rules settled around a transportation LP, whole customers out.

Phases, each a module of functions over one :class:`~allocator.flow.state.FlowState` (each
checks the deadline and the stop flag before it starts; a flow solve itself cannot be
interrupted -- OR-Tools holds the GIL -- but none takes more than a few seconds at 10^6):

1. **Locks** (:mod:`allocator.flow.locks`) -- held locks (required customers with one pair) are
   assigned first and their load comes off the capacities.
2. **Bound** (:mod:`allocator.flow.lp`) -- the LP relaxation of everything else as a min-cost
   flow (:func:`~allocator.flow.network.solve_transport`), one-to-one workloads strengthened and
   gated; the smaller optimum of two such LPs is the reported upper bound of the cover value.
3. **Side decisions** (:mod:`allocator.flow.sides`) -- one-to-one units get RMs by a weighted
   matching, each group the RM where its members are worth most net of what they would
   displace. Decisions are fixed, and a valid plan is made at once from the first LP's seating
   (:func:`allocator.flow.place.from_suggestion`).
4. **Final flow** (:func:`allocator.flow.place.final_flow`) -- the same network without the
   one-to-one units (their RMs dedicated), group members pinned to their group's RM; rounded to
   whole customers, then the exact repair (:mod:`allocator.flow.rounding`) and a greedy fill.
   Skipped when the time left would not cover it (the plan of phase 3 stands, and the solution
   says ``time_limit``).
5. **Balance** (:mod:`allocator.flow.balance`, when the objective has it and time allows) -- the
   customers free to change RM without changing cover value or moves are re-seated by a flow
   whose RM arcs cost more as utilisation rises. Accepted only when the lexicographic objective
   is no worse.

Without side rules phases 3 and 4 fall away: the bound flow, rounded, is the final flow.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from allocator.flow.balance import balance
from allocator.flow.locks import hold_locks
from allocator.flow.lp import relax
from allocator.flow.place import final_flow, from_suggestion
from allocator.flow.rounding import round_flow
from allocator.flow.seating import seat
from allocator.flow.sides import decide
from allocator.flow.state import Bools, Clock, FlowState, Ints, Stopped
from allocator.problem import Problem


@dataclass
class Outcome:
    """What :func:`solve_flow` found.

    Attributes
    ----------
    assignment : numpy.ndarray of int64
        RM per customer (-1: none); valid for the problem's hard rules.
    bound : float or None
        Proven upper bound of the cover value (None when the bound flow did not run).
    bound_exact : bool
        The bound is the LP optimum itself (not widened by a rounded value scale).
    moves_bound : int
        Proven lower bound of the moves of a cover-optimal plan (0 when none is proven).
    infeasible : bool
        The hard rules cannot all hold (locked customers over capacity or in conflict).
    stopped : str
        "" when every phase ran, else "time_limit" or "interrupted".
    timings : dict
        Seconds per phase (for the benchmark and the log).
    key : tuple
        (-cover value, moves, dropped, max utilisation) of ``assignment``, computed with the
        fast pair lookup (``Problem.cover_value`` scans every pair).
    """

    assignment: Ints
    bound: float | None = None
    bound_exact: bool = False
    moves_bound: int = 0
    infeasible: bool = False
    stopped: str = ""
    timings: dict[str, float] = field(default_factory=dict)
    key: tuple[int, int, int, float] | None = None


def solve_flow(
    problem: Problem,
    deadline: float,
    stop: threading.Event,
    report: Callable[[str, float, float], None],
    *,
    seed: int = 0,
    workers: int = 1,
) -> Outcome:
    """Run the phases of the module docstring on ``problem`` until ``deadline``.

    Parameters
    ----------
    problem : Problem
        Every customer's workload the same on all its pairs (the caller checks).
    deadline : float
        ``time.monotonic()`` by which to be done.
    stop : threading.Event
        Set by the caller to stop between phases (the best valid plan so far is returned).
    report : callable
        ``report(stage, objective, bound)`` on every new valid plan.
    seed, workers : int
        For the exact repair's CP-SAT solves.

    Returns
    -------
    Outcome
    """
    clock = Clock(deadline, stop, report)
    stages = problem.stages
    state = FlowState.create(
        problem,
        clock,
        continuity="continuity" in stages,
        balance="balance" in stages,
        seed=seed,
        workers=workers,
    )
    try:
        out = _run(state)
        out.key = state.lex_key(out.assignment)
        return out
    except Stopped as why:
        empty = np.full(problem.n_customers, -1, dtype=np.int64)
        return Outcome(empty, stopped=str(why), timings=state.timings)


def _run(state: FlowState) -> Outcome:
    """The phases in order; :class:`Stopped` before the first valid plan propagates."""
    p = state.problem
    if p.n_pairs == 0:
        return Outcome(
            np.full(p.n_customers, -1, dtype=np.int64),
            bound=0.0,
            bound_exact=True,
            timings=state.timings,
        )
    t0 = time.monotonic()
    locks = hold_locks(state)
    if locks is None:
        return _infeasible(state)
    state.timed("fixed", t0)

    state.clock.check()
    relaxed = relax(state, locks)
    if relaxed is None:
        return _infeasible(state)
    hubs1, flow1 = relaxed.hubs, relaxed.flow
    a, fixed = locks.a, locks.fixed

    t0 = time.monotonic()
    suggest = np.full(p.n_customers, -1, dtype=np.int64)
    suggest[hubs1.members] = seat(hubs1, flow1.seats, p.n_rms)
    state.timed("seat", t0)
    outcome = Outcome(
        a, bound=relaxed.bound, bound_exact=relaxed.exact, moves_bound=relaxed.moves_bound
    )
    outcome.timings = state.timings

    if state.units.n == 0:
        # no side rules: the bound flow is the final flow
        a = a.copy()
        a[hubs1.members] = round_flow(state, hubs1, flow1, a)
        outcome.assignment = a
        if state.proven:  # the repair solved the whole problem: its optimum is proven
            key = state.lex_key(a)
            outcome.bound, outcome.bound_exact, outcome.moves_bound = -key[0], True, key[1]
        state.report(a)
        return _finish(state, outcome, fixed)

    t0 = time.monotonic()
    decided = decide(state, hubs1, flow1, locks)
    state.timed("side", t0)
    # a valid plan right away (the final flow improves on it when there is time)
    t0 = time.monotonic()
    outcome.assignment = from_suggestion(state, suggest, a, fixed, decided, hubs1)
    state.report(outcome.assignment)
    state.timed("repair", t0)
    try:
        state.clock.check()
        if state.clock.left() < 1.5 * flow1.seconds + 0.5:
            raise Stopped("time_limit")
        outcome.assignment = final_flow(state, outcome.assignment, a, fixed, decided)
        state.report(outcome.assignment)
    except Stopped as why:
        outcome.stopped = str(why)
        return _finish(state, outcome, fixed, balanced=False)
    return _finish(state, outcome, fixed)


def _infeasible(state: FlowState) -> Outcome:
    """The locks alone, or the required customers in the LP, break a hard rule."""
    empty = np.full(state.problem.n_customers, -1, dtype=np.int64)
    return Outcome(empty, infeasible=True, timings=state.timings)


def _finish(state: FlowState, outcome: Outcome, fixed: Bools, balanced: bool = True) -> Outcome:
    """The balance phase when the objective has it and nothing stopped the solve."""
    if balanced and state.balance and not outcome.stopped:
        try:
            state.clock.check()
            t0 = time.monotonic()
            outcome.assignment = balance(state, outcome.assignment, fixed)
            state.timed("balance", t0)
        except Stopped as why:
            outcome.stopped = str(why)
    return outcome
