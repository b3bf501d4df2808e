"""The large-scale solve: side rules settled around a transportation LP, whole customers out.

Phases, each a module of functions over one :class:`~allocator.flow.state.FlowState` (each
checks the deadline and the stop flag before it starts; a flow solve itself cannot be
interrupted -- OR-Tools holds the GIL -- but none takes more than a few seconds at 10^6):

0. **Start** -- today's book made feasible and filled
   (:func:`allocator.heuristics.start.book_start`; the hint's book when it differs from today's):
   a valid plan before any flow runs. The solve never returns a plan lexicographically worse
   than it, and an unchanged book that is already optimal comes back as it is.
1. **Locks** (:mod:`allocator.flow.locks`) -- held locks (required customers with one pair) are
   assigned first and their load comes off the capacities.
2. **Bound** (:mod:`allocator.flow.lp`) -- the LP relaxation of everything else as a min-cost
   flow (:func:`~allocator.flow.transport.solve_transport`), one-to-one workloads strengthened
   and gated; the smaller optimum of two such LPs is the reported upper bound of the cover
   value. Customers with a keepable RM today sit in keep nodes that keep it at no cost, so the
   LP's optimum among the best covers moves as few as the LP can.
3. **Side decisions** (:mod:`allocator.flow.sides`) -- one-to-one units get RMs by a weighted
   matching, each group the RM where its members are worth most net of what they would
   displace (today's RM on ties). Decisions are fixed, and a valid plan is made at once from the
   first LP's seating (:func:`allocator.flow.place.from_suggestion`).
4. **Final flow** (:func:`allocator.flow.place.final_flow`) -- the same network without the
   one-to-one units (their RMs dedicated), group members pinned to their group's RM; rounded to
   whole customers, then the exact repair (:mod:`allocator.flow.rounding`) and a greedy fill.
   Skipped when the time left would not cover it (the plan of phase 3 stands, and the solution
   says ``time_limit``).
5. **Continuity** -- moved and dropped customers back on today's RM where that costs no cover
   (:mod:`allocator.flow.restore`); move caps enforced (:mod:`allocator.flow.caps`); needless
   moves taken back (:mod:`allocator.heuristics.moveback`); the better of this plan and the
   start is kept.
6. **Balance** (:mod:`allocator.flow.balance`, when the objective has it and time allows) -- the
   customers free to change RM without changing cover value or moves are re-seated by a flow
   whose RM arcs cost more as utilisation rises. Accepted only when the lexicographic objective
   is no worse.
7. **Continuity bound** (:mod:`allocator.flow.continuity`) -- a proven lower bound on the moves
   of every plan covering at least the returned plan's value, from the first LP's Lagrangian.

Without side rules phases 3 and 4 fall away: the bound flow, rounded, is the final flow.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

from allocator.flow.balance import balance
from allocator.flow.caps import within_caps
from allocator.flow.continuity import MovesBound, moves_lower_bound, zero_weight_value
from allocator.flow.locks import hold_locks
from allocator.flow.lp import Relaxed, relax
from allocator.flow.place import final_flow, from_suggestion, zero_weight
from allocator.flow.reseat import reseat
from allocator.flow.restore import restore
from allocator.flow.rounding import round_flow
from allocator.flow.seating import seat
from allocator.flow.sides import decide
from allocator.flow.state import Bools, Clock, FlowState, Ints, Stopped
from allocator.heuristics.moveback import take_back
from allocator.heuristics.start import book_start
from allocator.problem import Problem, trivial_bound


@dataclass
class Outcome:
    """What :func:`solve_flow` found.

    Attributes
    ----------
    assignment : numpy.ndarray of int64
        RM per customer (-1: none); valid for the problem's hard rules.
    bound : float or None
        Proven upper bound of the cover value (None when no valid plan was found).
    bound_exact : bool
        The bound is the LP optimum itself (not widened by a rounded value scale).
    moves_bound : int
        Proven lower bound on the moves of every plan whose cover value is at least the
        returned plan's (0 when none is proven).
    moves_bound_exact : bool
        ``moves_bound`` is the LP optimum of that question itself, rounded up.
    moves_how : str
        How the moves bound was proven (:class:`~allocator.flow.continuity.MovesBound`), or
        ``"exact_repair"`` when the exact repair solved the whole problem.
    infeasible : bool
        The hard rules cannot all hold (locked customers over capacity or in conflict).
    stopped : str
        "" when every phase ran, else "time_limit" or "interrupted".
    source : str
        Which plan was returned: ``"flow"`` or ``"start"`` (the start was no worse).
    timings : dict
        Seconds per phase (for the benchmark and the log).
    key : tuple
        (-cover value, moves, dropped, max utilisation) of ``assignment``, computed with the
        fast pair lookup (``Problem.cover_value`` scans every pair).
    start_key : tuple or None
        The same key of the start plan (None when it was not valid).
    """

    assignment: Ints
    bound: float | None = None
    bound_exact: bool = False
    moves_bound: int = 0
    moves_bound_exact: bool = False
    moves_how: str = "none"
    infeasible: bool = False
    stopped: str = ""
    source: str = "flow"
    timings: dict[str, float] = field(default_factory=dict)
    key: tuple[int, int, int, float] | None = None
    start_key: tuple[int, int, int, float] | None = None


def solve_flow(
    problem: Problem,
    deadline: float,
    stop: threading.Event,
    report: Callable[[str, float, float], None],
    *,
    seed: int = 0,
    workers: int = 1,
    warm: bool = True,
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
    warm : bool
        Start from the hint's book when it differs from today's (else today's book).

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
    start: Ints | None = None
    try:
        state.clock.check()  # stopped before it began: no plan at all
        t0 = time.monotonic()
        start = starting_plan(state, warm)
        if start is not None and not (problem.current >= 0).any():
            state.anchor = start  # a first allocation: anchor the flows on the start
        state.timed("start", t0)
        out = _run(state, start)
    except Stopped as why:
        out = Outcome(np.full(problem.n_customers, -1, dtype=np.int64), stopped=str(why))
        out.timings = state.timings
        if start is not None:  # the start is valid: better than nothing
            out.assignment, out.source = start, "start"
            out.bound = trivial_bound(problem, "cover_value")
    if out.bound is not None and not out.infeasible:
        out.key = state.lex_key(out.assignment)
        out.start_key = state.lex_key(start) if start is not None else None
    return out


def starting_plan(state: FlowState, warm: bool = True) -> Ints | None:
    """Today's book made feasible and filled (with ``warm``, the hint's when it differs from
    today's); None when that is no valid plan (a required customer it could not place)."""
    p = state.problem
    book = p.hint if warm and not np.array_equal(p.hint, p.current) else None
    start = book_start(p, book).astype(np.int64)
    return None if state.violations(start) else start


def _run(state: FlowState, start: Ints | None) -> Outcome:
    """The phases in order; :class:`Stopped` before the first valid plan propagates."""
    p = state.problem
    if p.n_pairs == 0:
        return Outcome(
            np.full(p.n_customers, -1, dtype=np.int64),
            bound=0.0,
            bound_exact=True,
            moves_bound_exact=True,
            moves_how="nothing_to_move",
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
    outcome = Outcome(a, bound=relaxed.bound, bound_exact=relaxed.exact)
    outcome.timings = state.timings

    if state.units.n == 0:
        # no side rules: the bound flow is the final flow
        a = a.copy()
        a[hubs1.members] = round_flow(state, hubs1, flow1, a)
        zero_weight(state, a, fixed, np.zeros(0, dtype=np.int64))
        outcome.assignment = a
        state.report(a)
        return _finish(state, outcome, relaxed, fixed, start)

    t0 = time.monotonic()
    decided = decide(state, hubs1, flow1, locks, suggest)
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
    return _finish(state, outcome, relaxed, fixed, start)


def _infeasible(state: FlowState) -> Outcome:
    """The locks alone, or the required customers in the LP, break a hard rule."""
    empty = np.full(state.problem.n_customers, -1, dtype=np.int64)
    return Outcome(empty, infeasible=True, timings=state.timings)


def _finish(
    state: FlowState, outcome: Outcome, relaxed: Relaxed, fixed: Bools, start: Ints | None
) -> Outcome:
    """Continuity restored, move caps, the start compared, balance, and the moves bound."""
    t0 = time.monotonic()
    a = outcome.assignment
    if not outcome.stopped:
        a = reseat(state, a, fixed, state.clock.deadline)
    a = restore(state, a, fixed)
    capped = within_caps(state, a)
    if capped is not a and capped is not None:
        capped = restore(state, capped, fixed)
    if capped is None or state.violations(capped):  # e.g. caps unreachable from this plan
        capped = outcome.assignment if not state.violations(outcome.assignment) else None
    if capped is None:
        capped = start if start is not None else outcome.assignment
        outcome.source = "start" if start is not None else outcome.source
    a = capped
    if state.continuity:
        a = take_back(state.problem, a)  # needless moves back, before the start is compared
    if start is not None and state.lex_key(start) <= state.lex_key(a):
        a, outcome.source = start, "start"
    outcome.assignment = a
    state.timed("continuity", t0)
    if state.balance and not outcome.stopped:
        try:
            state.clock.check()
            t0 = time.monotonic()
            outcome.assignment = balance(state, outcome.assignment, fixed)
            state.timed("balance", t0)
        except Stopped as why:
            outcome.stopped = str(why)
    if state.continuity:
        t0 = time.monotonic()
        _bound_moves(state, outcome, relaxed)
        state.timed("moves_bound", t0)
    return outcome


def _bound_moves(state: FlowState, outcome: Outcome, relaxed: Relaxed) -> None:
    """The proven lower bound on moves at the returned plan's cover (in place)."""
    p = state.problem
    key = state.lex_key(outcome.assignment)
    zero_weight_pairs = bool(((state.weight == 0) & (state.deg > 0)).any())
    if state.proven and state.units.n == 0 and not zero_weight_pairs:
        # the exact repair solved the whole problem (customers of workload 0 aside, which are
        # seated by a rule, not solved): cover and moves are proven optima
        outcome.bound, outcome.bound_exact = float(-key[0]), True
        outcome.moves_bound, outcome.moves_bound_exact = key[1], True
        outcome.moves_how = "exact_repair"
        return
    if key[1] == 0:
        outcome.moves_bound, outcome.moves_bound_exact, outcome.moves_how = 0, True, "no_moves"
        return
    if outcome.stopped or not np.array_equal(state.anchor, p.current):
        return  # a first allocation anchors its flows elsewhere, and moves nobody anyway
    fixed = p.required & (state.deg == 1)
    zero = zero_weight_value(state.weight, state.deg, state.best_value, fixed)
    target = Fraction(-key[0] - relaxed.outside - zero)
    found: MovesBound = moves_lower_bound(
        relaxed.hubs, relaxed.capacity, target, state.clock.deadline
    )
    outcome.moves_bound = min(found.moves, key[1])
    outcome.moves_bound_exact = found.exact
    outcome.moves_how = found.how
