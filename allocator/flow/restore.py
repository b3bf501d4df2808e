"""Continuity restored: customers a plan moved or dropped go back to today's RM where that costs
no cover.

The flow keeps today's RM wherever the LP does, but whole customers come out of rounding, the
exact repair's neighbourhoods and the greedy fill, and those see continuity only hub by hub. A
customer moved or dropped there may well fit back on today's RM: room freed by someone else, or
room held by a newcomer who is worth as much on another RM with room. :func:`restore` makes
those changes, each one lexicographically better (cover no lower, then fewer moves, then fewer
drops), until none is left:

1. a lone customer (no group, not one-to-one) back to today's RM when it has room and the value
   there is no lower;
2. the same when today's RM lacks room but *free* customers on it (new ones, or ones moved in)
   can go to another RM with room at no lower value -- a chain of length two;
3. a whole group back to the RM that serves most of its members today, when it fits there and
   is worth no less.

Nothing here touches a held lock, a one-to-one customer, or an RM another unit has to itself;
the result is checked before it is returned, and the plan passed in comes back unchanged if
anything is amiss.
"""

from __future__ import annotations

import numpy as np

from allocator.flow.state import Bools, FlowState, Ints

#: passes over the candidates (each pass may free room for the next)
PASSES = 4


def restore(state: FlowState, a: Ints, fixed: Bools) -> Ints:
    """``a`` with moved and dropped customers back on today's RM where that costs no cover
    (module docstring); ``a`` itself when nothing improves."""
    p = state.problem
    if not (p.current >= 0).any():
        return a
    out = a.copy()
    slack = p.capacity - state.loads(out)
    blocked = _dedicated(state, out)
    for _ in range(PASSES):
        changed = _lone(state, out, fixed, slack, blocked)
        changed += _groups(state, out, fixed, slack, blocked)
        if not changed:
            break
    if np.array_equal(out, a) or state.violations(out):
        return a
    return out if state.lex_key(out) <= state.lex_key(a) else a


def _dedicated(state: FlowState, a: Ints) -> Bools:
    """RMs serving a one-to-one customer: nobody else may join them."""
    p = state.problem
    blocked = np.zeros(p.n_rms, dtype=bool)
    ex = np.flatnonzero(p.exclusive & (a >= 0))
    blocked[a[ex]] = True
    return blocked | state.dedicated


def _value(state: FlowState, c: Ints, r: Ints) -> Ints:
    """Value of each (customer, RM); 0 where the RM is -1, int64 min where there is no pair."""
    idx = state.lookup(c, np.maximum(r, 0))
    out = np.where(idx >= 0, state.problem.pair_value[np.maximum(idx, 0)], np.iinfo(np.int64).min)
    return np.where(r < 0, 0, out)


def _lone(state: FlowState, a: Ints, fixed: Bools, slack: Ints, blocked: Bools) -> int:
    """Steps 1 and 2 of the module docstring for customers outside side rules (in place)."""
    p = state.problem
    cur = p.current
    cand = np.flatnonzero(
        (cur >= 0) & (a != cur) & ~fixed & (state.units.of < 0) & (state.weight > 0)
    )
    if cand.size == 0:
        return 0
    back = _value(state, cand, cur[cand].astype(np.int64))
    now = _value(state, cand, a[cand])
    ok = (back >= now) & ~blocked[cur[cand]]
    cand, back = cand[ok], back[ok]
    # the most valuable first: each takes room another might want
    cand = cand[np.lexsort((cand, -back))]
    # room as it may be once the candidates have left (a swap frees what it needs)
    leaving = cand[a[cand] >= 0]
    hopeful = slack + np.bincount(a[leaving], weights=state.weight[leaving], minlength=p.n_rms)
    movers = _movers(state, a, fixed, hopeful.astype(np.int64), blocked)
    changed = 0
    for c in cand.tolist():
        r0 = int(cur[c])
        w = int(state.weight[c])
        if slack[r0] < w and not _make_room(state, a, slack, blocked, movers, r0, w, int(a[c])):
            continue
        if a[c] >= 0:
            slack[a[c]] += w
        a[c] = r0
        slack[r0] -= w
        changed += 1
    return changed


def _movers(
    state: FlowState, a: Ints, fixed: Bools, slack: Ints, blocked: Bools
) -> dict[int, list[int]]:
    """Per RM, its *free* customers (new ones, or ones moved in from elsewhere; outside side
    rules and locks) who have another RM with room (``slack``) at no lower value, heaviest
    first: the only ones :func:`_make_room` need look at (found for all at once, so a pass
    costs one sweep over their pairs rather than one per customer who wants back in)."""
    p = state.problem
    on = a >= 0
    free = np.flatnonzero(
        on & (p.current != a) & ~fixed & (state.units.of < 0) & (state.weight > 0)
    )
    if free.size == 0:
        return {}
    here = _value(state, free, a[free])
    owner, idx = state.pairs_of(free)
    rms = p.pair_rm[idx].astype(np.int64)
    fit = (rms != a[free][owner]) & (slack[rms] >= state.weight[free][owner])
    fit &= (p.pair_value[idx] >= here[owner]) & ~blocked[rms]
    movable = free[np.bincount(owner[fit], minlength=free.shape[0]) > 0]
    order = np.lexsort((movable, -state.weight[movable], a[movable]))
    out: dict[int, list[int]] = {}
    for n in movable[order].tolist():
        out.setdefault(int(a[n]), []).append(n)
    return out


def _make_room(
    state: FlowState,
    a: Ints,
    slack: Ints,
    blocked: Bools,
    movers: dict[int, list[int]],
    r0: int,
    need: int,
    leaving: int,
) -> bool:
    """Free ``need`` units on ``r0`` by sending its movers (:func:`_movers`) to another RM
    with room, at no lower value and without a new move; in place, and only all or nothing.
    The customer who wants ``r0`` back leaves ``leaving`` (an RM or -1), so its ``need``
    units there count as room (a swap)."""
    p = state.problem
    free = [n for n in movers.get(r0, []) if a[n] == r0]
    if slack[r0] + int(state.weight[free].sum()) < need:
        return False
    plan: list[tuple[int, int]] = []
    freed = int(slack[r0])
    taken: dict[int, int] = {leaving: -need} if leaving >= 0 else {}
    for n in free:
        if freed >= need:
            break
        w = int(state.weight[n])
        sl = p.pairs_of(n)
        rms = p.pair_rm[sl].astype(np.int64)
        vals = p.pair_value[sl]
        here = int(vals[rms == r0][0])
        room = slack[rms] - np.asarray([taken.get(int(r), 0) for r in rms.tolist()])
        fit = (rms != r0) & (room >= w) & (vals >= here) & ~blocked[rms]
        if not fit.any():
            continue
        today = fit & (rms == int(p.current[n]))
        j = int(np.argmax(today)) if today.any() else int(np.argmax(np.where(fit, room, -1)))
        r = int(rms[j])
        plan.append((n, r))
        taken[r] = taken.get(r, 0) + w
        freed += w
    if freed < need:
        return False
    for n, r in plan:
        w = int(state.weight[n])
        a[n] = r
        slack[r] -= w
        slack[r0] += w
    return True


def _groups(state: FlowState, a: Ints, fixed: Bools, slack: Ints, blocked: Bools) -> int:
    """Step 3 of the module docstring (in place)."""
    p = state.problem
    units = state.units
    n_groups = p.n_groups
    changed = 0
    for u in range(n_groups):
        mem = units.members_of(u)
        if fixed[mem].any() or p.exclusive[mem].any():
            continue
        cur = p.current[mem].astype(np.int64)
        keepable = cur[cur >= 0]
        if keepable.size == 0:
            continue
        r0 = int(np.bincount(keepable).argmax())
        if blocked[r0]:
            continue
        on = a[mem] >= 0
        if on.any() and int(a[mem][on][0]) == r0 and not ((a[mem] < 0) & (cur == r0)).any():
            continue
        # the members that would sit on r0: everyone seated now, and the dropped ones with a
        # pair there (most valuable first, while they fit)
        to_r0 = _value(state, mem, np.full(mem.shape[0], r0, dtype=np.int64))
        seated_now = on
        if (to_r0[seated_now] == np.iinfo(np.int64).min).any():
            continue  # a seated member cannot go to r0
        now_value = _value(state, mem, a[mem])
        moving = seated_now & (a[mem] != r0)
        room = int(slack[r0]) - int(state.weight[mem][moving].sum())
        if room < 0:
            continue
        joins = np.zeros(mem.shape[0], dtype=bool)
        for i in np.argsort(-to_r0, kind="stable").tolist():
            wi = int(state.weight[mem[i]])
            if not seated_now[i] and to_r0[i] >= 0 and wi <= room and state.deg[mem[i]] > 0:
                joins[i] = True
                room -= wi
        after = np.where(seated_now | joins, r0, -1)
        before_key = _unit_key(now_value, a[mem], cur)
        after_key = _unit_key(np.where(after >= 0, to_r0, 0), after, cur)
        if after_key >= before_key:
            continue
        for c, r in zip(mem.tolist(), a[mem].tolist(), strict=True):
            if r >= 0:
                slack[r] += int(state.weight[c])
        a[mem] = after
        for c in mem[after >= 0].tolist():
            slack[r0] -= int(state.weight[c])
        changed += 1
    return changed


def _unit_key(value: Ints, rm: Ints, cur: Ints) -> tuple[int, int, int]:
    """(-cover, moves, drops) of one unit's members seated on ``rm``."""
    seated = rm >= 0
    cover = int(value[seated].sum())
    moves = int(((cur >= 0) & seated & (rm != cur)).sum())
    drops = int(((cur >= 0) & ~seated).sum())
    return (-cover, moves, drops)
