"""A proven lower bound on the moves of every plan that covers at least a given value.

The continuity stage asks for the fewest moved customers among plans of the best cover value.
The flow backend returns a plan of cover ``V`` (maybe below the optimum, which is unknown), so
the bound it can honestly report is on ``m(V)``: the fewest moves of any plan whose cover is at
least ``V``. Any such bound is also a bound for the lexicographic optimum, whose cover is at
least ``V`` and ``m`` is non-decreasing.

Why a Lagrangian: the first LP (:mod:`allocator.flow.lp`) is a relaxation in which every plan is
a flow with the same cover value and the same moves (today's RM is kept through a keep node and
its *hold*, :mod:`allocator.flow.transport`). For any ``lambda >= 0``::

    L(lambda) = min over flows of [moves - lambda * (value - V)]
             <= moves(x) - lambda * (value(x) - V) <= moves(x)   for every plan x with value >= V

so ``ceil(L(lambda))`` is a proven lower bound on ``m(V)``, and one min-cost flow with unit costs
``q * moved - p * value`` (``lambda = p / q``, integers, exact) computes it. The best
``lambda`` is found by walking the lower convex hull of the LP's (value, moves) trade-off
(Newton's method on its breakpoints): from a point left of ``V`` (the most value without any
move) and one right of it (the most value, then the fewest moves), the slope between them is
the next ``lambda``; its flow either lies on that line -- then the segment is an edge of the
hull and ``L(lambda)`` is the LP optimum of "fewest moves with value >= V" exactly (Lagrangian
duality) -- or below it, and replaces the endpoint on its side. Everything is computed in exact
rationals from the integral flows, so the bound is proven, not estimated.

What the bound leaves out, soundly: customers outside the LP (held locks, which never move;
customers of workload 0, whose cover is counted at its most and whose moves at 0).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from allocator.flow.network import FlowError, Hubs, Ints, weight_lcm
from allocator.flow.transport import solve_transport, value_gcd

#: flows the hull walk may take at most (it usually ends on an edge in three to six)
MAX_FLOWS = 24


@dataclass(frozen=True)
class MovesBound:
    """A proven lower bound on the moves of every plan covering at least a value.

    Attributes
    ----------
    moves : int
        The bound (0 when nothing better is proven).
    exact : bool
        ``moves`` is the rounded-up optimum of the LP relaxation itself (the hull walk ended on
        an edge), not only some Lagrangian value below it.
    lp : float
        The LP value behind ``moves`` (before rounding up), for reports.
    flows : int
        Min-cost flows solved for it.
    seconds : float
    how : str
        How it was proven: ``"lagrangian"``, ``"no_moves_needed"`` (the LP reaches the value
        without a move), ``"nothing_to_move"`` (no customer has a keepable RM today) or
        ``"none"``.
    """

    moves: int
    exact: bool
    lp: float
    flows: int
    seconds: float
    how: str


@dataclass(frozen=True)
class _Point:
    value: Fraction
    moved: Fraction


def moves_lower_bound(hubs: Hubs, capacity: Ints, target: Fraction, deadline: float) -> MovesBound:
    """The best Lagrangian bound on ``m(target)`` over the LP of ``hubs`` (module docstring).

    Parameters
    ----------
    hubs
        The LP's hubs (the first LP of :func:`allocator.flow.lp.relax`).
    capacity
        Room per RM in that LP.
    target
        The cover value ``V`` in the LP's terms (the plan's cover, less what lies outside the
        LP, plus the required customers' bonus).
    deadline
        ``time.monotonic()`` after which no new flow is started (the best bound so far stands).
    """
    t0 = time.monotonic()
    if not (hubs.member_current >= 0).any():
        return MovesBound(0, True, 0.0, 0, 0.0, "nothing_to_move")
    scale = weight_lcm(hubs.weight)
    if not scale:
        return MovesBound(0, False, 0.0, 0, 0.0, "none")
    g = value_gcd(hubs.arc_value)
    flows = 0

    def done(best: Fraction, exact: bool, how: str) -> MovesBound:
        lp = max(best, Fraction(0))
        return MovesBound(math.ceil(lp), exact, float(lp), flows, time.monotonic() - t0, how)

    def point(lam: Fraction | None, moves: bool = True) -> _Point | None:
        nonlocal flows
        if time.monotonic() >= deadline:
            return None
        trade = None if lam is None else (lam.numerator, lam.denominator)
        try:
            flow = solve_transport(hubs, capacity, continuity=False, trade=trade, moves=moves)
        except FlowError:
            return None
        flows += 1
        if flow.value_exact is None or flow.moved_exact is None or not flow.exact:
            return None
        return _Point(flow.value_exact, flow.moved_exact)

    # left: the most value without a move; right: the most value, then the fewest moves
    left = point(None, moves=False)
    if left is None:
        return done(Fraction(0), False, "none")
    if target <= left.value:
        return done(Fraction(0), True, "no_moves_needed")
    # a value step between two integral flows is at least 1 / scale (in units of g), a moves
    # step at most the keepable customers: this slope makes value come first, exactly
    keepable = int((hubs.member_current >= 0).sum())
    right = point(Fraction(keepable * scale + 1))
    if right is None or target > right.value:
        return done(Fraction(0), False, "none")
    best = Fraction(0)
    while flows < MAX_FLOWS:
        if right.value == left.value:
            return done(max(best, left.moved), True, "lagrangian")
        slope = (right.moved - left.moved) / (right.value - left.value)
        lam_g = _limited(slope * g)  # moves per g value points, as the flow's costs take it
        lam = lam_g / g
        mid = point(lam_g)
        if mid is None:
            break
        value_at = mid.moved - lam * (mid.value - target)
        best = max(best, value_at)
        # no better than the endpoints at this slope: left and right both minimise, so the
        # segment is an edge of the hull and value_at is the LP optimum at the target
        if mid.moved - lam * mid.value >= left.moved - lam * left.value:
            return done(value_at, lam == slope, "lagrangian")
        if mid.value >= target:
            right = mid
        else:
            left = mid
    return done(best, False, "lagrangian")


def _limited(lam: Fraction) -> Fraction:
    """``lam`` itself, or the nearest fraction with a denominator small enough for the flow's
    integer costs (any ``lambda`` gives a valid bound; only the best one needs the exact
    slope)."""
    return lam if lam.denominator <= 10**6 else lam.limit_denominator(10**6)


def zero_weight_value(state_weight: Ints, deg: Ints, best_value: Ints, fixed: np.ndarray) -> int:
    """The most cover the customers of workload 0 (outside every flow) can add."""
    zero = (state_weight == 0) & (deg > 0) & ~fixed
    return int(np.maximum(best_value[zero], 0).sum())
