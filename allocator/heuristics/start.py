"""Where a solve starts: today's book, made feasible, before any solver runs.

Banks rarely allocate from scratch: each quarter starts from the last. :func:`book_start` keeps
every customer with today's RM where that is still allowed, removes what breaks a hard rule --
a group split over RMs, a key customer sharing its dedicated RM, an RM over capacity (its least
valuable customers leave first) -- and fills the rest greedily. The result is valid and moves
(almost) nobody, so every backend can start from it, and the pipeline can promise never to hand
out a plan that is lexicographically worse than it.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from allocator.heuristics.greedy import greedy_assignment
from allocator.problem import Problem

Ints = npt.NDArray[np.int64]


def kept_book(problem: Problem, book: npt.NDArray[np.integer] | None = None) -> Ints:
    """``book`` (today's keepable RMs by default) with every hard-rule breach removed, so the
    result is a valid partial plan: groups on one RM, dedicated RMs serving one unit, RMs within
    capacity. Required customers (held locks) are never removed."""
    p = problem
    a = np.asarray(p.current if book is None else book, dtype=np.int64).copy()
    assigned, idx = p.chosen_pairs(a)
    a[assigned[idx < 0]] = -1  # not a pair any more
    value = np.zeros(p.n_customers, dtype=np.int64)
    on, idx = p.chosen_pairs(a)
    value[on] = p.pair_value[idx]
    a = _one_rm_per_group(p, a)
    a = _dedicated_rms_serve_one_unit(p, a, value)
    a = within_move_caps(p, a, value)
    return _within_capacity(p, a, value)


def book_start(problem: Problem, book: npt.NDArray[np.integer] | None = None) -> Ints:
    """Today's book made feasible (:func:`kept_book`), then filled greedily: a valid plan."""
    a = kept_book(problem, book)
    filled = greedy_assignment(problem, prefer=problem.current, start=a)
    return filled if not problem.violations(filled) else a


def warm_start(problem: Problem, warm: bool = True) -> Ints | None:
    """A valid starting plan for a backend, or ``None`` when none is found.

    With ``warm``, the hint (today's book, or a previous plan) made feasible and filled
    (:func:`book_start`); without, the greedy plan from nothing.
    """
    start = book_start(problem, problem.hint) if warm else greedy_assignment(problem)
    if not problem.violations(start):
        return start
    held = np.where(problem.required, problem.current, -1).astype(np.int64)
    return held if not problem.violations(held) else None


def within_move_caps(p: Problem, a: Ints, value: Ints | None = None) -> Ints:
    """``a`` with no RM losing more of today's customers than its move cap: the least valuable
    moved customers beyond a cap lose their new RM (a group or one-to-one rule cannot break:
    a customer without an RM breaks neither)."""
    if not p.has_move_caps:
        return a
    assert p.move_cap is not None
    out = a.copy()
    if value is None:
        value = np.zeros(p.n_customers, dtype=np.int64)
        on, idx = p.chosen_pairs(out)
        value[on] = p.pair_value[idx]
    moved = np.flatnonzero((p.current >= 0) & (out >= 0) & (out != p.current))
    frm = p.current[moved].astype(np.int64)
    order = np.lexsort((moved, -value[moved], frm))
    moved, frm = moved[order], frm[order]
    rank = np.arange(moved.size) - np.searchsorted(frm, frm)
    cap = p.move_cap[frm]
    out[moved[(cap >= 0) & (rank >= cap)]] = -1
    return out


def _one_rm_per_group(p: Problem, a: Ints) -> Ints:
    """Members of a group on different RMs: keep those on the RM holding most of them (a
    required member's RM first), the others lose theirs."""
    members = np.flatnonzero((p.group >= 0) & (a >= 0))
    if members.size == 0:
        return a
    ones = np.ones(members.size, dtype=np.int64)
    return _keep_best(p, a, members, p.group[members].astype(np.int64), a[members], ones)


def _dedicated_rms_serve_one_unit(p: Problem, a: Ints, value: Ints) -> Ints:
    """An RM serving a one-to-one customer serves that customer's unit only: the unit with a
    required member, else the most valuable one, stays; the other units lose the RM."""
    excl = np.flatnonzero(p.exclusive & (a >= 0))
    if excl.size == 0:
        return a
    busy = np.unique(a[excl])
    on = np.flatnonzero(np.isin(a, busy))
    unit = np.where(p.group[on] >= 0, p.group[on].astype(np.int64), -1 - on)
    return _keep_best(p, a, on, a[on], unit, value[on])


def _keep_best(p: Problem, a: Ints, rows: Ints, key: Ints, choice: Ints, score: Ints) -> Ints:
    """For each ``key``, keep one ``choice``: one with a required row, else the highest total
    ``score``, else the smallest; the ``rows`` on another choice lose their RM (required rows
    keep theirs).

    A group keeps the RM that serves most of its members (``key`` the group, ``choice`` the
    RM, ``score`` one a member); a dedicated RM keeps its most valuable unit (``key`` the RM,
    ``choice`` the unit, ``score`` the value).
    """
    frame = pd.DataFrame({"k": key, "c": choice, "s": score, "req": p.required[rows].astype(int)})
    best = frame.groupby(["k", "c"]).agg(s=("s", "sum"), req=("req", "max")).reset_index()
    best = best.sort_values(["k", "req", "s", "c"], ascending=[True, False, False, True])
    keep = best.drop_duplicates("k").set_index("k")["c"]
    lose = rows[frame["c"].to_numpy() != keep.reindex(frame["k"]).to_numpy()]
    a[lose[~p.required[lose]]] = -1
    return a


def _within_capacity(p: Problem, a: Ints, value: Ints) -> Ints:
    """RMs over capacity keep their most valuable customers (required ones first; the lighter
    on ties), the rest lose the RM until the load fits."""
    on, idx = p.chosen_pairs(a)
    if on.size == 0:
        return a
    w = p.pair_weight[idx]
    load = np.bincount(a[on], weights=w, minlength=p.n_rms)
    over = load > p.capacity
    if not over.any():
        return a
    sel = over[a[on]]
    c, r, w = on[sel], a[on][sel], w[sel]
    # keep order within each RM: required first, then by value, then lighter first
    order = np.lexsort((w, -value[c], ~p.required[c], r))
    c, r, w = c[order], r[order], w[order]
    cum = np.cumsum(w)
    first = np.searchsorted(r, r)
    running = cum - (cum - w)[first]  # load of the RM up to and including this customer
    drop = (running > p.capacity[r]) & ~p.required[c]
    a[c[drop]] = -1
    return a
