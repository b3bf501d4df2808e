"""The greedy rule: what a planner with a spreadsheet would do, as a plain function.

Customers are taken by priority (highest first; held locks before everything), and each goes to
the eligible RM with the most room left, honouring groups and one-to-one RMs. It is fast and
always feasible (except for required customers it cannot place), so several solvers start from
it or fall back on it -- the exact backends as a warm start, the LNS as one of its starts, the
allocation as a plan when a solver finds none. It lives here, below the backends, so that none of
them has to import another backend for it (:mod:`allocator.backends.greedy` is the backend that
offers it as a solver of its own).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from allocator.problem import Problem


def greedy_assignment(
    problem: Problem, prefer: npt.NDArray[np.int32] | None = None
) -> npt.NDArray[np.int64]:
    """A feasible assignment built greedily.

    Parameters
    ----------
    problem
        The problem.
    prefer
        Optional RM index per customer (e.g. today's RM) tried first when it fits, so that the
        greedy plan also keeps moves low.

    Returns
    -------
    numpy.ndarray of int64
        RM index per customer, -1 for none.
    """
    n, m = problem.n_customers, problem.n_rms
    ptr = problem.customer_ptr
    best_value = np.zeros(n, dtype=np.int64)
    has = ptr[1:] > ptr[:-1]
    if problem.n_pairs:
        best_value[has] = np.maximum.reduceat(problem.pair_value, ptr[:-1][has])
    order = np.lexsort((np.arange(n), -best_value, ~problem.required))
    load = np.zeros(m, dtype=np.int64)
    cap = problem.capacity
    # a dedicated (one-to-one) RM serves only the unit (group, or lone customer) it is owned by
    dedicated = np.zeros(m, dtype=bool)
    owner = np.zeros(m, dtype=np.int64)
    unit_rm: dict[int, int] = {}  # group -> RM chosen for it
    served_units: list[set[int]] = [set() for _ in range(m)]
    out = np.full(n, -1, dtype=np.int64)
    pref = prefer if prefer is not None else problem.hint
    for c in order:
        s, e = int(ptr[c]), int(ptr[c + 1])
        if s == e:
            continue
        rms = problem.pair_rm[s:e]
        w = problem.pair_weight[s:e]
        g = int(problem.group[c])
        unit = g if g >= 0 else -1 - int(c)
        excl = bool(problem.exclusive[c])
        fits = load[rms] + w <= cap[rms]
        if g >= 0 and g in unit_rm:
            fits &= rms == unit_rm[g]
        # one-to-one: an exclusive customer needs an RM serving no other unit; a dedicated RM
        # takes only its own unit
        dedicated_other = dedicated[rms] & (owner[rms] != unit)
        fits &= ~dedicated_other
        if excl:
            others = np.array([bool(served_units[r] - {unit}) for r in rms], dtype=bool)
            fits &= ~others
        if not fits.any():
            continue
        cand = np.flatnonzero(fits)
        p = int(pref[c]) if pref is not None else -1
        hit = cand[rms[cand] == p] if p >= 0 else cand[:0]
        if hit.size:
            j = int(hit[0])
        else:
            room = (cap[rms[cand]] - load[rms[cand]]) / np.maximum(cap[rms[cand]], 1)
            j = int(cand[np.argmax(room)])
        r = int(rms[j])
        out[c] = r
        load[r] += int(w[j])
        served_units[r].add(unit)
        if excl:
            dedicated[r] = True
            owner[r] = unit
        if g >= 0:
            unit_rm.setdefault(g, r)
    return out


def value_upper_bound(problem: Problem) -> int:
    """Sum over customers of their best pair value: a trivial bound on the cover value."""
    ptr = problem.customer_ptr
    has = ptr[1:] > ptr[:-1]
    if not has.any():
        return 0
    best = np.maximum.reduceat(problem.pair_value, ptr[:-1][has])
    return int(np.maximum(best, 0).sum())
