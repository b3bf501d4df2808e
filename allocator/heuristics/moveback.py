"""Taking back needless moves: moved customers back on today's RM where that costs no cover.

A plan from a relaxation (rounding, repairs, greedy fills) may move a customer away from an RM
that still has it as an eligible pair, although putting it back would cost nothing. Such a move
is *needless*: the lexicographic objective (cover value, then moves) prefers the plan without
it. :func:`take_back` removes them with two kinds of step, each of which keeps the cover value
no lower and lowers the moves by at least one (nobody is dropped):

1. **back** -- a moved customer ``c`` returns to today's RM ``r0`` when ``r0`` has room for it
   and ``c`` is worth no less there than where the plan put it;
2. **eject, then back** (a chain of length two) -- when ``r0`` lacks room, customers on ``r0``
   that are *free* (not on a keepable RM of their own today: newcomers, leavers' customers,
   customers the plan moved in) go to another RM with room, each worth no less there, until
   ``c`` fits; the room ``c`` leaves behind counts. A customer moved in goes home when there is
   room there (one more move taken back), else it stays moved, just on another RM. All or
   nothing: when the room cannot be made, nothing changes;
3. **a unit home** -- a group (or a one-to-one customer) moved whole goes back, whole, to the
   one RM its members had today, when all are worth no less there and it has room (and, for a
   one-to-one unit, serves nobody else): :func:`_units_pass`.

Steps run in customer-index order and repeat until none applies (a fixpoint), so the result is
deterministic. Steps 1 and 2 touch *lone* customers only: not in a group (a group shares one
RM and moves whole, step 3), not one-to-one, and never onto an RM that serves a one-to-one
customer (it is dedicated to that customer's unit). Move caps hold: a customer going home only
lowers its old RM's moved-out count, and an ejected customer is moved away from the same RM as
before, or from none.

The pass is solver-free and works on any valid plan of a :class:`~allocator.problem.Problem`
(the ``flow`` backend applies it to its final plan). The result is checked with
:meth:`Problem.violations` and :meth:`Problem.lex_key`; the plan passed in comes back unchanged
if anything is amiss. The cost is one vectorised sweep per pass plus a Python loop over the
moved customers only (tens to a few thousand even at 10^6 customers).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from allocator.problem import Problem

Ints = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]

#: the most passes over the moved customers (each pass may free room for the next)
MAX_PASSES = 10


def take_back(problem: Problem, assignment: npt.ArrayLike) -> Ints:
    """``assignment`` with needless moves taken back (module docstring).

    Parameters
    ----------
    problem : Problem
    assignment : array_like of int
        A valid plan (RM per customer, -1 for none).

    Returns
    -------
    numpy.ndarray of int64
        A valid plan with cover value no lower and strictly fewer moves, or a copy of
        ``assignment`` when no step applies.
    """
    p = problem
    a0 = np.asarray(assignment, dtype=np.int64)
    a = a0.copy()
    if p.n_pairs == 0 or not (p.current >= 0).any():
        return a
    lone = (p.group < 0) & ~p.exclusive
    slack = p.capacity - p.loads(a)
    for _ in range(MAX_PASSES):
        changed = _units_pass(p, a, slack)
        changed += _one_pass(p, a, slack, _dedicated(p, a), lone)
        if not changed:
            break
    if np.array_equal(a, a0) or p.violations(a):
        return a0.copy()
    key0, key1 = p.lex_key(a0), p.lex_key(a)
    better = key1[0] <= key0[0] and p.moves(a) < p.moves(a0)
    return a if better else a0.copy()


def _units_pass(p: Problem, a: Ints, slack: Ints) -> int:
    """Step 3 of the module docstring (in place): whole units home; how many went.

    A unit (a group, or a one-to-one customer alone) with a moved member goes, with all its
    assigned members and nobody else, to the one RM its members had today, when every one of
    them is eligible there and worth no less, the RM has room for them all, and -- for a unit
    with a one-to-one member -- the RM serves nobody, else it serves no one-to-one customer.
    Members without an RM stay without. Under move caps a unit whose member would leave its own
    RM today is skipped.
    """
    cur = p.current
    unit = np.where(
        p.group >= 0,
        p.group.astype(np.int64),
        np.where(p.exclusive, p.n_groups + np.arange(p.n_customers), -1),
    )
    moved = (cur >= 0) & (a >= 0) & (a != cur) & (unit >= 0)
    if not moved.any():
        return 0
    cand = np.unique(unit[moved])
    rows = np.flatnonzero(np.isin(unit, cand))
    rows = rows[np.argsort(unit[rows], kind="stable")]
    bounds = np.flatnonzero(np.diff(unit[rows])) + 1
    serving = np.bincount(a[a >= 0], minlength=p.n_rms)
    blocked = _dedicated(p, a)
    changed = 0
    for mem in np.split(rows, bounds):
        on = mem[a[mem] >= 0]
        homes = np.unique(cur[mem][cur[mem] >= 0])
        here = np.unique(a[on])
        if on.size == 0 or homes.size != 1 or here.size != 1:
            continue
        r0, r1 = int(homes[0]), int(here[0])
        if r0 == r1 or r0 < 0:
            continue
        i0 = p.lookup_pairs(on, np.full(on.size, r0))
        if (i0 < 0).any():
            continue
        i1 = p.lookup_pairs(on, a[on])
        if (p.pair_value[i0] < p.pair_value[i1]).any():
            continue
        before = int(((cur[on] >= 0) & (cur[on] != r1)).sum())
        after = int(((cur[on] >= 0) & (cur[on] != r0)).sum())
        if after >= before or (p.has_move_caps and after > 0):
            continue
        need = int(p.pair_weight[i0].sum())
        if slack[r0] < need:
            continue
        if p.exclusive[mem].any() and serving[r0] > 0:
            continue
        if blocked[r0]:
            continue
        a[on] = r0
        slack[r1] += int(p.pair_weight[i1].sum())
        slack[r0] -= need
        serving[r1] -= on.size
        serving[r0] += on.size
        if p.exclusive[mem].any():
            blocked[r1], blocked[r0] = False, True
        changed += 1
    return changed


def _dedicated(p: Problem, a: Ints) -> Bools:
    """RMs serving a one-to-one customer: nobody else may join them."""
    blocked = np.zeros(p.n_rms, dtype=bool)
    ex = np.flatnonzero(p.exclusive & (a >= 0))
    blocked[a[ex]] = True
    return blocked


def _pair(p: Problem, c: int, r: int) -> int:
    """Index of the pair (c, r), -1 when there is none (a bisection in ``c``'s slice)."""
    if r < 0:
        return -1
    lo, hi = int(p.customer_ptr[c]), int(p.customer_ptr[c + 1])
    j = lo + int(np.searchsorted(p.pair_rm[lo:hi], r))
    return j if j < hi and int(p.pair_rm[j]) == r else -1


def _one_pass(p: Problem, a: Ints, slack: Ints, blocked: Bools, lone: Bools) -> int:
    """One sweep of the two steps over the moved lone customers, in index order (in place);
    how many were taken back."""
    cur = p.current
    moved = np.flatnonzero(lone & (cur >= 0) & (a >= 0) & (a != cur) & ~blocked[cur])
    if moved.size == 0:
        return 0
    # free lone customers per RM (candidates for ejection), in index order
    free = np.flatnonzero(lone & (a >= 0) & (cur != a))
    free = free[np.argsort(a[free], kind="stable")]
    starts = np.searchsorted(a[free], np.arange(p.n_rms + 1))
    changed = 0
    for c in moved.tolist():
        r0, r1 = int(cur[c]), int(a[c])
        i0, i1 = _pair(p, c, r0), _pair(p, c, r1)
        if i0 < 0 or i1 < 0 or p.pair_value[i0] < p.pair_value[i1]:
            continue
        need = int(p.pair_weight[i0])
        leave = int(p.pair_weight[i1])
        if slack[r0] < need:
            ejected = _make_room(p, a, slack, blocked, free[starts[r0] : starts[r0 + 1]], r0, need)
            if ejected is None:
                # room freed on r1 by c leaving may be what an ejected customer needs
                slack[r1] += leave
                ejected = _make_room(
                    p, a, slack, blocked, free[starts[r0] : starts[r0 + 1]], r0, need
                )
                slack[r1] -= leave
                if ejected is None:
                    continue
            for b, r, w_old, w_new in ejected:
                a[b] = r
                slack[r0] += w_old
                slack[r] -= w_new
        a[c] = r0
        slack[r1] += leave
        slack[r0] -= need
        changed += 1
    return changed


def _make_room(
    p: Problem, a: Ints, slack: Ints, blocked: Bools, free: Ints, r0: int, need: int
) -> list[tuple[int, int, int, int]] | None:
    """Ejections (customer, new RM, weight on ``r0``, weight there) that leave ``need`` units
    free on ``r0``: free customers still on ``r0``, in index order, each to the eligible RM
    where it is worth no less and fits (not dedicated) -- its own RM today if that is one, else
    the one with most room; None when they cannot free enough (nothing is changed)."""
    freed = int(slack[r0])
    taken: dict[int, int] = {}
    plan: list[tuple[int, int, int, int]] = []
    for b in free.tolist():
        if freed >= need:
            break
        if a[b] != r0:
            continue
        lo, hi = int(p.customer_ptr[b]), int(p.customer_ptr[b + 1])
        rms = p.pair_rm[lo:hi].astype(np.int64)
        vals = p.pair_value[lo:hi]
        wts = p.pair_weight[lo:hi]
        k = int(np.searchsorted(rms, r0))
        here, w_here = int(vals[k]), int(wts[k])
        room = slack[rms] - np.asarray([taken.get(int(r), 0) for r in rms.tolist()], dtype=np.int64)
        fit = (rms != r0) & (room >= wts) & (vals >= here) & ~blocked[rms]
        if not fit.any():
            continue
        home = fit & (rms == int(p.current[b]))
        j = int(np.argmax(home)) if home.any() else int(np.argmax(np.where(fit, room, -1)))
        r = int(rms[j])
        plan.append((b, r, w_here, int(wts[j])))
        taken[r] = taken.get(r, 0) + int(wts[j])
        freed += w_here
    return plan if freed >= need else None
