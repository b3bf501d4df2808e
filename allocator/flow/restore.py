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
3. a whole group on its best RM: the one where the members who fit are worth most, then move
   fewest, then drop fewest (today's RM, or another with room the group's decision could not
   know of).

Nothing here touches a held lock, a one-to-one customer, or an RM another unit has to itself;
the result is checked before it is returned, and the plan passed in comes back unchanged if
anything is amiss.
"""

from __future__ import annotations

import numpy as np

from allocator.flow.state import Bools, FlowState, Ints

#: passes over the candidates (each pass may free room for the next)
PASSES = 3


def restore(state: FlowState, a: Ints, fixed: Bools) -> Ints:
    """``a`` with moved and dropped customers back on today's RM where that costs no cover
    (module docstring); ``a`` itself when nothing improves."""
    p = state.problem
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
        if slack[r0] < w and not _make_room(
            state, a, slack, blocked, movers, r0, w, (int(a[c]), w)
        ):
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
    leaving: tuple[int, int] = (-1, 0),
) -> bool:
    """Free ``need`` units on ``r0`` by sending its movers (:func:`_movers`) to another RM
    with room, at no lower value and without a new move; in place, and only all or nothing.
    Whoever wants ``r0`` leaves ``leaving`` = (RM or -1, units): room there for the movers
    too (a swap)."""
    p = state.problem
    free = [n for n in movers.get(r0, []) if a[n] == r0]
    if slack[r0] + int(state.weight[free].sum()) < need:
        return False
    plan: list[tuple[int, int]] = []
    freed = int(slack[r0])
    taken: dict[int, int] = {leaving[0]: -leaving[1]} if leaving[0] >= 0 else {}
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
    """Step 3 of the module docstring (in place): each group on its best RM.

    For every RM a member may have (and no other unit has to itself), the members that fit
    there -- the most valuable first, today's customers of that RM first among equals -- give
    the group's (cover, moves, drops) on it; the group goes to the best RM when that is
    better than where it is. Room counts what the RM's movers (:func:`_movers`) could free by
    going elsewhere at no loss. A group is decided once, before the final flow, from the first
    LP's view; afterwards the room is known exactly, and a group that could not seat all its
    members on its RM often can on another one (or on today's).
    """
    p = state.problem
    units = state.units
    movers = _movers(state, a, fixed, slack, blocked)
    spare = np.zeros(p.n_rms, dtype=np.int64)
    for r, ns in movers.items():
        spare[r] = int(state.weight[ns].sum())
    changed = 0
    for u in range(p.n_groups):
        mem = units.members_of(u)
        mem = mem[state.deg[mem] > 0]
        if mem.size == 0 or fixed[mem].any() or p.exclusive[mem].any():
            continue
        cur = p.current[mem].astype(np.int64)
        now = a[mem]
        here = int(now[now >= 0][0]) if (now >= 0).any() else -1
        _, idx = state.pairs_of(mem)
        rms = np.unique(p.pair_rm[idx].astype(np.int64))
        rms = rms[~blocked[rms] | (rms == here)]
        if rms.size == 0:
            continue
        k, m = mem.shape[0], rms.shape[0]
        vals = _value(state, np.repeat(mem, m), np.tile(rms, k)).reshape(k, m)
        w = state.weight[mem]
        own = int(w[now >= 0].sum())
        best_key = _unit_key(_value(state, mem, now), now, cur)
        best: tuple[Ints, int] | None = None
        base = slack[rms] + np.where(rms == here, own, 0)
        for room in (base, base + spare[rms]):
            seats = _fill(vals, w, cur, rms, room)
            on = seats & (vals >= 0)
            cover = (vals * on).sum(axis=0)
            kept = (cur[:, None] >= 0) & on
            moves = (kept & (cur[:, None] != rms[None, :])).sum(axis=0)
            drops = ((cur[:, None] >= 0) & ~on).sum(axis=0)
            j = int(np.lexsort((rms, drops, moves, -cover))[0])
            key = (-int(cover[j]), int(moves[j]), int(drops[j]))
            if key < best_key:
                best_key = key
                best = (np.where(on[:, j], rms[j], -1).astype(np.int64), int(rms[j]))
        if best is None:
            continue
        seat_r, r = best
        need = int(w[seat_r >= 0].sum()) - (own if r == here else 0)
        if slack[r] < need and not _make_room(
            state, a, slack, blocked, movers, r, need, (here, own) if here != r else (-1, 0)
        ):
            continue
        for c, old in zip(mem.tolist(), now.tolist(), strict=True):
            if old >= 0:
                slack[old] += int(state.weight[c])
        a[mem] = seat_r
        for c, new in zip(mem.tolist(), seat_r.tolist(), strict=True):
            if new >= 0:
                slack[new] -= int(state.weight[c])
        changed += 1
    return changed


def _fill(vals: Ints, w: Ints, cur: Ints, rms: Ints, room: Ints) -> Bools:
    """Per member and candidate RM (columns of ``vals``): seated when the group goes there.

    Within each RM's ``room``, the most valuable members first, today's customers of that RM
    first among equals, then the lighter; a member who does not fit is skipped and the next
    one tried (one vectorised step per member, all candidates at once)."""
    k, m = vals.shape
    none = vals < 0
    rank = np.where(none, np.inf, -vals.astype(np.float64) * 100.0)
    rank = rank + (cur[:, None] != rms[None, :]) * 10.0 + w[:, None]
    order = np.argsort(rank, axis=0, kind="stable")
    left = room.astype(np.int64).copy()
    seats = np.zeros((k, m), dtype=bool)
    cols = np.arange(m)
    for pos in range(k):
        who = order[pos]
        wt = w[who]
        ok = ~none[who, cols] & (wt <= left)
        seats[who[ok], cols[ok]] = True
        left -= np.where(ok, wt, 0)
    return seats


def _unit_key(value: Ints, rm: Ints, cur: Ints) -> tuple[int, int, int]:
    """(-cover, moves, drops) of one unit's members seated on ``rm``."""
    seated = rm >= 0
    cover = int(value[seated].sum())
    moves = int(((cur >= 0) & seated & (rm != cur)).sum())
    drops = int(((cur >= 0) & ~seated).sum())
    return (-cover, moves, drops)
