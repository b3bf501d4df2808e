"""A greedy rule: what a planner with a spreadsheet would do, and a safety net.

Customers are taken by priority (highest first; held locks before everything), and each goes to
the eligible RM with the most room left, honouring groups, one-to-one RMs and move caps. It is
fast, always feasible (except for required customers it cannot place), and serves four purposes:
the baseline the benchmarks compare against, a warm start for the exact backends, the fill after
today's book is kept (:mod:`allocator.heuristics.start`), and the fallback plan when a backend
finds nothing in its time.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from allocator.problem import Problem

Ints = npt.NDArray[np.int64]


class Seats:
    """What the RMs hold so far: load, the units (groups, or lone customers) each serves, which
    RMs are dedicated one-to-one and to whom, each group's RM, and moves out of each RM."""

    def __init__(self, problem: Problem, a: Ints):
        p = self.p = problem
        placed = np.flatnonzero(a >= 0)
        self.load = p.loads(a) if placed.size else np.zeros(p.n_rms, dtype=np.int64)
        g = p.group
        lone = placed[g[placed] < 0]
        self.units = np.bincount(a[lone], minlength=p.n_rms).astype(np.int64)
        members = placed[g[placed] >= 0]
        pairs = {(int(x), int(r)) for x, r in zip(g[members], a[members], strict=True)}
        self.group_on = pairs
        self.group_rm = {x: r for x, r in pairs}
        for _, r in pairs:
            self.units[r] += 1
        self.owner = np.full(p.n_rms, -(p.n_customers + 2), dtype=np.int64)  # none
        excl = placed[p.exclusive[placed]]
        self.owner[a[excl]] = self.unit_of(excl)
        self.moved = p.moved_out(a)
        cap = p.move_cap if p.move_cap is not None else np.full(p.n_rms, -1, dtype=np.int64)
        self.move_cap = cap

    def unit_of(self, c: Ints | int) -> Ints:
        g = self.p.group[c]
        return np.where(g >= 0, g, -1 - np.asarray(c, dtype=np.int64))

    def fits(self, c: int, rms: npt.NDArray[np.integer], w: Ints) -> npt.NDArray[np.bool_]:
        """Which of ``rms`` (customer ``c``'s pair RMs, workloads ``w``) can take ``c`` now."""
        p = self.p
        g = int(p.group[c])
        unit = int(self.unit_of(c))
        ok = self.load[rms] + w <= p.capacity[rms]
        if g >= 0 and g in self.group_rm:
            ok &= rms == self.group_rm[g]
        # a dedicated RM takes only its own unit; a one-to-one customer needs an RM that serves
        # no other unit
        ok &= (self.owner[rms] == unit) | (self.owner[rms] == -(p.n_customers + 2))
        if p.exclusive[c]:
            mine = np.array([(g, int(r)) in self.group_on for r in rms]) if g >= 0 else 0
            ok &= (self.units[rms] - mine) == 0
        cur = int(p.current[c])
        if cur >= 0 and self.move_cap[cur] >= 0 and self.moved[cur] >= self.move_cap[cur]:
            ok &= rms == cur  # its RM has lost all the customers it may lose
        return ok

    def unseat(self, c: int, r: int, w: int) -> None:
        """Take customer ``c`` (workload ``w``) off RM ``r``: the inverse of :meth:`seat` for a
        customer outside a group (a group member's unit may stay on the RM)."""
        p = self.p
        assert p.group[c] < 0, "group members move with their group"
        self.load[r] -= w
        self.units[r] -= 1
        if p.exclusive[c]:
            self.owner[r] = -(p.n_customers + 2)
        cur = int(p.current[c])
        if 0 <= cur != r:
            self.moved[cur] -= 1

    def seat(self, c: int, r: int, w: int) -> None:
        p = self.p
        g = int(p.group[c])
        self.load[r] += w
        if g < 0:
            self.units[r] += 1
        elif (g, r) not in self.group_on:
            self.group_on.add((g, r))
            self.group_rm.setdefault(g, r)
            self.units[r] += 1
        if p.exclusive[c]:
            self.owner[r] = int(self.unit_of(c))
        cur = int(p.current[c])
        if 0 <= cur != r:
            self.moved[cur] += 1


def greedy_assignment(
    problem: Problem,
    prefer: npt.NDArray[np.integer] | None = None,
    start: Ints | None = None,
) -> Ints:
    """A feasible assignment built greedily.

    Parameters
    ----------
    problem
        The problem.
    prefer
        Optional RM index per customer (e.g. today's RM) tried first when it fits, so that the
        greedy plan also keeps moves low (``problem.hint`` when not given).
    start
        A valid partial assignment to keep and fill (e.g. today's book made feasible); only the
        customers it leaves without an RM are placed.

    Returns
    -------
    numpy.ndarray of int64
        RM index per customer, -1 for none.
    """
    n = problem.n_customers
    out = np.full(n, -1, dtype=np.int64) if start is None else start.astype(np.int64).copy()
    seats = Seats(problem, out)
    ptr = problem.customer_ptr
    best_value = np.zeros(n, dtype=np.int64)
    has = ptr[1:] > ptr[:-1]
    if problem.n_pairs:
        best_value[has] = np.maximum.reduceat(problem.pair_value, ptr[:-1][has])
    todo = np.flatnonzero((out < 0) & has)
    order = todo[np.lexsort((todo, -best_value[todo], ~problem.required[todo]))]
    pref = prefer if prefer is not None else problem.hint
    cap = problem.capacity
    for c in order.tolist():
        s, e = int(ptr[c]), int(ptr[c + 1])
        rms = problem.pair_rm[s:e]
        w = problem.pair_weight[s:e]
        fits = seats.fits(c, rms, w)
        if not fits.any():
            continue
        cand = np.flatnonzero(fits)
        p = int(pref[c]) if pref is not None else -1
        hit = cand[rms[cand] == p] if p >= 0 else cand[:0]
        if hit.size:
            j = int(hit[0])
        else:
            room = (cap[rms[cand]] - seats.load[rms[cand]]) / np.maximum(cap[rms[cand]], 1)
            j = int(cand[np.argmax(room)])
        out[c] = int(rms[j])
        seats.seat(c, int(rms[j]), int(w[j]))
    return out
