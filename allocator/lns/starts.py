"""Starting plans of the LNS: the rounded LP, the caller's plan and the greedy rule, made valid.

Each start may break rules (the caller's plan is yesterday's book under today's rules; the greedy
plan may miss required customers), so each is *sanitised*: broken rules undone by unassigning
customers, leaving at most missing required customers, which the neighbourhood solves then place.
The best start -- fewest missing required customers, then most value -- is where the search
begins.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from allocator.heuristics.greedy import greedy_assignment
from allocator.lns.relaxation import Relaxation
from allocator.lns.settings import LnsSettings
from allocator.problem import Problem

IntArray = npt.NDArray[np.int64]


def sanitise(problem: Problem, assignment: npt.ArrayLike) -> IntArray:
    """``assignment`` with every broken rule undone by unassigning customers.

    Only *missing required customers* may remain afterwards (the repair places them): ineligible
    pairs, overloaded RMs (dropping the customers of least value per unit of weight), split
    groups (keeping the RM most of the group's members have) and one-to-one customers sharing
    their RM are all removed.
    """
    a = np.asarray(assignment, dtype=np.int64).copy()
    if a.shape != (problem.n_customers,):
        return np.full(problem.n_customers, -1, dtype=np.int64)
    a[(a < -1) | (a >= problem.n_rms)] = -1
    assigned = np.flatnonzero(a >= 0)
    idx = problem.pair_index(assigned, a[assigned])
    a[assigned[idx < 0]] = -1
    # groups: the RM most members are on wins
    g = problem.group
    members = np.flatnonzero((g >= 0) & (a >= 0))
    if members.size:
        key = g[members].astype(np.int64) * (problem.n_rms + 1) + a[members]
        uniq, counts = np.unique(key, return_counts=True)
        grp = uniq // (problem.n_rms + 1)
        order = np.lexsort((-counts, grp))
        first = np.ones(order.size, dtype=bool)
        first[1:] = grp[order][1:] != grp[order][:-1]
        keep_rm = np.full(problem.n_groups, -1, dtype=np.int64)
        keep_rm[grp[order][first]] = (uniq % (problem.n_rms + 1))[order][first]
        a[members[a[members] != keep_rm[g[members]]]] = -1
    # one-to-one: an RM serving an exclusive customer and another unit loses its exclusives
    excl = np.flatnonzero(problem.exclusive & (a >= 0))
    if excl.size:
        n = problem.n_customers
        unit = np.where(g >= 0, g, n + np.arange(n))
        served = np.flatnonzero(a >= 0)
        pairs = np.unique(np.stack([a[served], unit[served]], axis=1), axis=0)
        units_per_rm = np.bincount(pairs[:, 0], minlength=problem.n_rms)
        bad = excl[units_per_rm[a[excl]] > 1]
        a[bad] = -1
    # capacity
    assigned = np.flatnonzero(a >= 0)
    if assigned.size:
        idx = problem.pair_index(assigned, a[assigned])
        w = problem.pair_weight[idx]
        loads = np.bincount(a[assigned], weights=w, minlength=problem.n_rms)
        for r in np.flatnonzero(loads > problem.capacity):
            on = np.flatnonzero(a[assigned] == r)
            density = problem.pair_value[idx[on]] / np.maximum(w[on], 1)
            excess = loads[r] - problem.capacity[r]
            for j in on[np.argsort(density, kind="stable")]:
                if excess <= 0:
                    break
                a[assigned[j]] = -1
                excess -= w[j]
    return a


def rounded_lp(problem: Problem, relax: Relaxation) -> IntArray:
    """The integral part of the LP solution: each customer whose LP value is (nearly) 1 on one
    pair gets that RM; the rest stay unassigned."""
    a = np.full(problem.n_customers, -1, dtype=np.int64)
    if not relax.ok:
        return a
    one = np.flatnonzero(relax.x > 1.0 - 1e-6)
    a[problem.pair_customer[one]] = problem.pair_rm[one]
    return a


def rank(problem: Problem, a: IntArray) -> tuple[int, int]:
    """Key of a plan to minimise: (missing required customers, -cover value)."""
    assigned = np.flatnonzero(a >= 0)
    value = int(problem.pair_value[problem.pair_index(assigned, a[assigned])].sum())
    return int((problem.required & (a < 0)).sum()), -value


def best_start(
    problem: Problem,
    relax: Relaxation,
    start: npt.ArrayLike | None,
    settings: LnsSettings,
) -> IntArray:
    """The best of the sanitised starts by :func:`rank` (the first of equals, in the order
    rounded LP, ``start``, greedy).

    The greedy rule runs only up to ``settings.greedy_max_customers`` customers (it loops in
    Python), unless there is no other start.
    """
    candidates: list[IntArray] = []
    if relax.ok:
        candidates.append(sanitise(problem, rounded_lp(problem, relax)))
    if start is not None:
        candidates.append(sanitise(problem, start))
    if problem.n_customers <= settings.greedy_max_customers or not candidates:
        candidates.append(sanitise(problem, greedy_assignment(problem)))
    return min(candidates, key=lambda a: rank(problem, a))
