"""Phase 4: whole customers placed around the side decisions -- a valid plan, then a better one.

Once every unit has its RM (:mod:`allocator.flow.sides`), two plans are made:

- :func:`from_suggestion`, at once: the first LP's seating kept where the decisions allow, units
  seated per decision, the rest repaired greedily -- so a valid plan exists even if time runs
  out before the final flow;
- :func:`final_flow`: the network again without the one-to-one units (their RMs dedicated),
  group members pinned to their group's RM, rounded and repaired
  (:func:`allocator.flow.rounding.round_flow`); then units the flow left out get what is still
  free (:func:`dedicate_idle`, :func:`regroup`) and customers of workload 0 their RM
  (:func:`zero_weight`). It replaces the first plan only when the lexicographic objective is
  better.

The placing helpers work in place on a plan ``a`` and the ``slack`` per RM, which they keep
current as they seat customers.
"""

from __future__ import annotations

import time

import numpy as np

from allocator.flow.hubs import PINNED, POOLED, REQUIRED, build_hubs
from allocator.flow.network import Hubs
from allocator.flow.rounding import round_flow
from allocator.flow.seating import fill_greedy
from allocator.flow.state import Bools, FlowState, Ints
from allocator.flow.transport import solve_transport


def place_units(
    state: FlowState, a: Ints, fixed: Bools, decided: Ints, slack: Ints, shared: bool
) -> None:
    """Seat unit members on their unit's RM (in place), by value per unit while they fit.

    One-to-one members go only where the RM is dedicated to the unit. ``shared``: groups on
    shared RMs as well as one-to-one units on dedicated ones. One lookup for all units.
    """
    p = state.problem
    units = state.units
    chosen = np.flatnonzero((decided >= 0) & (units.exclusive | shared))
    if chosen.size == 0:
        return
    counts = units.members_ptr[chosen + 1] - units.members_ptr[chosen]
    owner = np.repeat(chosen, counts)
    first = np.cumsum(counts) - counts
    mem = units.members[
        np.repeat(units.members_ptr[chosen], counts)
        + np.arange(owner.shape[0], dtype=np.int64)
        - np.repeat(first, counts)
    ]
    r = decided[owner]
    ok = (a[mem] < 0) & ~fixed[mem] & (state.dedicated[r] | ~p.exclusive[mem])
    mem, owner, r = mem[ok], owner[ok], r[ok]
    idx = state.lookup(mem, r)
    ok = idx >= 0
    mem, owner, r, idx = mem[ok], owner[ok], r[ok], idx[ok]
    val = p.pair_value[idx]
    wt = p.pair_weight[idx]
    order = np.lexsort((mem, -val, -val / np.maximum(wt, 1), owner))
    for c, rc, wc, vc in zip(
        mem[order].tolist(),
        r[order].tolist(),
        wt[order].tolist(),
        val[order].tolist(),
        strict=True,
    ):
        if vc > 0 and wc <= slack[rc]:
            a[c] = rc
            slack[rc] -= wc


def place_unit(state: FlowState, a: Ints, fixed: Bools, u: int, r: int, slack: Ints) -> None:
    """:func:`place_units` for the one unit ``u`` on ``r``."""
    decided = np.full(state.units.n, -1, dtype=np.int64)
    decided[u] = r
    place_units(state, a, fixed, decided, slack, shared=True)


def from_suggestion(
    state: FlowState, suggest: Ints, a_fixed: Ints, fixed: Bools, decided: Ints, hubs: Hubs
) -> Ints:
    """A valid plan from the bound flow's seating ``suggest`` (on ``hubs``).

    Customers outside side rules keep their seat unless the RM is now dedicated; units are
    seated per decision; rounding and evictions are repaired greedily.
    """
    a = a_fixed.copy()
    outside = (state.units.of < 0) & ~fixed
    a[outside] = suggest[outside]
    a[outside & (a >= 0) & state.dedicated[np.maximum(a, 0)]] = -1
    slack = state.problem.capacity - state.loads(a)
    place_units(state, a, fixed, decided, slack, shared=True)
    member_rm = a[hubs.members].copy()
    held_out = (state.units.of[hubs.members] >= 0) & (member_rm < 0)
    member_rm[held_out] = -2
    fill_greedy(hubs, member_rm, slack, ~state.dedicated[hubs.arc_rm])
    member_rm[held_out] = -1
    a[hubs.members] = member_rm
    zero_weight(state, a, fixed, decided)
    return a


def zero_weight(state: FlowState, a: Ints, fixed: Bools, decided: Ints) -> None:
    """Seat the customers of workload 0 (in place): no flow carries them, as they take no
    capacity. Today's RM if it may serve them, else the most valuable eligible RM (a group
    member: only its group's RM; a one-to-one customer: none, it would share the RM)."""
    p = state.problem
    zero = np.flatnonzero((state.weight == 0) & (state.deg > 0) & (a < 0) & ~fixed)
    for c in zero.tolist():
        u = int(state.units.of[c])
        if p.exclusive[c]:
            continue
        sl = p.pairs_of(c)
        rms = p.pair_rm[sl].astype(np.int64)
        val = p.pair_value[sl]
        ok = (val > 0) & ~state.dedicated[rms]
        if u >= 0:
            ok &= rms == decided[u]
        if not ok.any():
            continue
        cand = rms[ok]
        r = (
            int(state.anchor[c])
            if int(state.anchor[c]) in cand.tolist()
            else int(cand[np.argmax(val[ok])])
        )
        a[c] = r


def final_flow(
    state: FlowState, incumbent: Ints, a_fixed: Ints, fixed: Bools, decided: Ints
) -> Ints:
    """The final flow around the side decisions (module docstring); returns the better of its
    plan and ``incumbent``."""
    p = state.problem
    units = state.units
    t0 = time.monotonic()
    a = a_fixed.copy()
    slack = p.capacity - state.loads(a)
    place_units(state, a, fixed, decided, slack, shared=False)  # one-to-one units, fixed
    reserved = np.where(state.dedicated, 0, -1).astype(np.int64)
    open_ = (a < 0) & ~fixed & (state.deg > 0) & (state.weight > 0)
    of = units.of
    in_unit = of >= 0
    unit_r = np.r_[decided, -1][np.where(in_unit, of, units.n)]
    # unit members left: pinned to their unit's RM (shared); one-to-one members wait
    open_ &= ~in_unit | ((unit_r >= 0) & ~state.dedicated[np.maximum(unit_r, 0)])
    open_ &= ~p.exclusive
    cust = np.flatnonzero(open_)
    kind = np.where(in_unit[cust], PINNED, POOLED).astype(np.int64)
    kind[p.required[cust] & ~in_unit[cust]] = REQUIRED
    pin = np.where(in_unit[cust], unit_r[cust], -1).astype(np.int64)
    busy = np.zeros(p.n_rms, dtype=bool)
    hubs = build_hubs(state, cust, kind, state.weight[cust], pin, reserved, busy, state.bonus)
    state.timed("build", t0)
    t0 = time.monotonic()
    flow = solve_transport(
        hubs,
        np.maximum(slack, 0),
        continuity=state.continuity,
        holds=False,
        move_cap=state.moves_left(a),
    )
    state.timed("final_flow", t0)
    a[hubs.members] = round_flow(state, hubs, flow, a)
    t0 = time.monotonic()
    slack = p.capacity - state.loads(a)
    dedicate_idle(state, a, fixed, slack)
    regroup(state, a, fixed, slack)
    zero_weight(state, a, fixed, decided)
    state.timed("repair", t0)
    better = state.lex_key(a) < state.lex_key(incumbent)
    return a if better else incumbent


def regroup(state: FlowState, a: Ints, fixed: Bools, slack: Ints) -> None:
    """Group members the final flow left out, reseated where the group may still go.

    A group's RM is decided before the final flow from the first LP's room; customers
    displaced by the one-to-one decisions may fill it in the final flow, and the group's
    members (of no higher value) lose the tie. Afterwards: members of a group seated on
    ``r`` join it while ``r`` has room; a group with nobody seated takes the eligible RM with
    room that serves most of its members today, else the one with most room (in place).
    """
    p = state.problem
    units = state.units
    n_groups = p.n_groups
    waiting = np.flatnonzero((p.group >= 0) & (a < 0) & ~fixed & (state.deg > 0) & ~p.exclusive)
    if waiting.size == 0:
        return
    for g in np.unique(p.group[waiting]).tolist():
        if g >= n_groups:
            continue
        mem = units.members_of(g)
        on = a[mem][a[mem] >= 0]
        out = mem[(a[mem] < 0) & ~fixed[mem] & (state.deg[mem] > 0) & ~p.exclusive[mem]]
        if on.size:
            cand = [int(on[0])]
        else:
            cur = state.anchor[out]
            sl = [p.pairs_of(int(c)) for c in out.tolist()]
            rms = np.unique(np.concatenate([p.pair_rm[x] for x in sl]).astype(np.int64))
            rms = rms[~state.dedicated[rms] & (slack[rms] > 0)]
            if rms.size == 0:
                continue
            today = np.array([(cur == r).sum() for r in rms.tolist()])
            order = np.lexsort((rms, -slack[rms], -today))
            cand = [int(rms[order[0]])]
        r = cand[0]
        idx = state.lookup(out, np.full(out.shape[0], r))
        ok = idx >= 0
        out, idx = out[ok], idx[ok]
        val = p.pair_value[idx]
        wt = p.pair_weight[idx]
        for i in np.lexsort((out, -val / np.maximum(wt, 1))).tolist():
            if val[i] > 0 and wt[i] <= slack[r]:
                a[out[i]] = r
                slack[r] -= int(wt[i])


def dedicate_idle(state: FlowState, a: Ints, fixed: Bools, slack: Ints) -> None:
    """One-to-one units still without an RM take an eligible RM nobody uses, if any (in place;
    the RM joins ``state.dedicated``).

    The matching chose from the first LP's view; after the final flow some RMs may have been
    left with nobody, and a waiting unit may have one of those to itself at no cost to anyone.
    """
    p = state.problem
    units = state.units
    count = np.bincount(a[a >= 0], minlength=p.n_rms)
    waiting = [
        u
        for u in np.flatnonzero(units.exclusive).tolist()
        if not (a[units.members_of(u)] >= 0).any()
    ]
    for u in waiting:
        mem = units.members_of(u)
        ex = mem[p.exclusive[mem] & (state.deg[mem] > 0) & ~fixed[mem]]
        best: tuple[int, int] | None = None
        for c in ex.tolist():
            sl = p.pairs_of(c)
            for r, v, w in zip(
                p.pair_rm[sl].tolist(),
                p.pair_value[sl].tolist(),
                p.pair_weight[sl].tolist(),
                strict=True,
            ):
                free = count[r] == 0 and not state.dedicated[r]
                if free and v > 0 and w <= slack[r] and (best is None or v > best[0]):
                    best = (v, r)
        if best is None:
            continue
        r = best[1]
        state.dedicated[r] = True
        before = slack[r]
        place_unit(state, a, fixed, u, r, slack)
        count[r] += int(before != slack[r])
