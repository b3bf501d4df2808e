"""Why a customer who should have an RM has none: the first of :data:`~.codes.UNASSIGNED` whose
claim holds, vectorised over the customers' eligible pairs."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from allocator.compile import Compiled
from allocator.reasons.facts import NO_OWNER, Facts
from allocator.reasons.words import funnel_reason, pair_reason
from allocator.solution import Termination

Ints = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]


def unassigned_reasons(compiled: Compiled, facts: Facts, rows: Ints) -> list[tuple[str, str]]:
    """(code, text) for each customer of ``rows`` (customers without an RM who should have one)."""
    p = compiled.problem
    out: list[tuple[str, str]] = [("", "")] * rows.size
    counts = np.diff(p.customer_ptr)[rows]
    cls_of = compiled.classes.class_of
    funnel_cache: dict[int, tuple[str, str]] = {}
    for i in np.flatnonzero(counts == 0):
        c = int(rows[i])
        k = int(cls_of[c])
        if k >= 0 and compiled.class_pairs.first_empty[k] == "":
            out[i] = ("all_forbidden", "every eligible RM is forbidden for this customer")
            continue
        if k not in funnel_cache:
            funnel_cache[k] = funnel_reason(compiled, k)
        out[i] = funnel_cache[k]
    has = np.flatnonzero(counts > 0)
    if has.size == 0:
        return out
    cust = rows[has]
    room_any, room_free, excl_ok, n_pairs, any_dedicated = _pair_state(compiled, facts, cust)
    tiers = compiled.tiers["tier"].to_numpy(dtype=object)
    only_on_departure = set(compiled.policy.continuity.move_only_on_departure)
    cap = p.move_cap
    for j, c in enumerate(cust.tolist()):
        cur = int(p.current[c])
        cur_full = cur >= 0 and not _has_room(compiled, facts, c, cur)
        # today's RM cannot take it back: full, or dedicated one-to-one to another customer
        cur_closed = cur_full or (
            cur >= 0 and facts.owner[cur] != NO_OWNER and facts.owner[cur] != facts.unit[c]
        )
        text = _group_reason(compiled, facts, c)
        if cur_full and tiers[c] in only_on_departure:
            out[has[j]] = (
                "move_only_on_departure",
                f"today's RM {p.rm_ids[cur]} is full, and {tiers[c]} customers change RM only "
                "when theirs leaves",
            )
        elif text:
            out[has[j]] = ("group", text)
        elif p.exclusive[c] and not excl_ok[j]:
            out[has[j]] = (
                "one_to_one",
                "every eligible RM with room already serves other customers "
                "(a one-to-one customer needs a dedicated RM)",
            )
        elif room_any[j] and not room_free[j]:
            out[has[j]] = (
                "dedicated",
                "the eligible RMs with room are dedicated one-to-one to key customers",
            )
        elif cur_closed and cap is not None and 0 <= cap[cur] <= facts.moved_out[cur]:
            why = "is full" if cur_full else "is dedicated one-to-one to a key customer"
            out[has[j]] = (
                "move_cap",
                f"today's RM {p.rm_ids[cur]} {why} and has lost as many customers as the move "
                f"cap allows ({int(cap[cur])})",
            )
        elif not room_free[j]:
            n = int(n_pairs[j])
            full = "full or dedicated one-to-one to key customers" if any_dedicated[j] else "full"
            text = (
                f"all {n} eligible RMs are {full}" if n > 1 else f"the only eligible RM is {full}"
            )
            out[has[j]] = ("capacity", text)
        elif not facts.cover_optimal and facts.termination in (
            Termination.TIME_LIMIT,
            Termination.INTERRUPTED,
        ):
            out[has[j]] = (
                "time_limit",
                "not placed before the time limit (the plan is not proven optimal)",
            )
        elif not facts.cover_optimal:
            out[has[j]] = ("not_proven", "not placed: the plan is not proven optimal")
        else:
            out[has[j]] = ("unexplained", "no reason found for a plan proven optimal")
    return out


def _pair_state(
    compiled: Compiled, facts: Facts, cust: Ints
) -> tuple[Bools, Bools, Bools, Ints, Bools]:
    """Per customer of ``cust``: whether an eligible RM has room; whether one has room and is not
    dedicated to another unit; whether some such RM serves nobody else; how many eligible RMs;
    and whether one of them is dedicated to another unit."""
    p = compiled.problem
    ptr = p.customer_ptr
    counts = ptr[cust + 1] - ptr[cust]
    owner = np.repeat(np.arange(cust.size), counts)
    q = np.repeat(ptr[cust] - np.cumsum(counts) + counts, counts) + np.arange(int(counts.sum()))
    r = p.pair_rm[q]
    c = cust[owner]
    room = facts.load[r] + p.pair_weight[q] <= p.capacity[r]
    dedicated = (facts.owner[r] != NO_OWNER) & (facts.owner[r] != facts.unit[c])
    g = p.group[c]
    mine = (g >= 0) & (facts.group_rm[np.maximum(g, 0)] == r) if p.n_groups else np.zeros_like(room)
    serves_other = (facts.units_on[r] - mine.astype(np.int64)) > 0
    free = room & ~dedicated
    n = cust.size
    room_free = np.bincount(owner, weights=free, minlength=n) > 0
    excl_ok = np.bincount(owner, weights=free & ~serves_other, minlength=n) > 0
    any_dedicated = np.bincount(owner, weights=dedicated, minlength=n) > 0
    room_any = np.bincount(owner, weights=room, minlength=n) > 0
    return room_any, room_free, excl_ok, counts, any_dedicated


def _has_room(compiled: Compiled, facts: Facts, c: int, r: int) -> bool:
    p = compiled.problem
    sl = p.pairs_of(c)
    hit = np.flatnonzero(p.pair_rm[sl] == r)
    if hit.size == 0:
        return False
    w = int(p.pair_weight[sl][hit[0]])
    return bool(facts.load[r] + w <= p.capacity[r])


def _group_reason(compiled: Compiled, facts: Facts, c: int) -> str:
    """The group reason's text when it holds: a member of the group has an RM that cannot take
    this customer ("" otherwise)."""
    p = compiled.problem
    g = int(p.group[c])
    if g < 0 or facts.group_rm[g] < 0:
        return ""
    r = int(facts.group_rm[g])
    gid = str(compiled.instance.customers["group_id"].iat[c])
    rm = p.rm_ids[r]
    if r not in p.pair_rm[p.pairs_of(c)]:
        tier = str(compiled.tiers["tier"].iat[c])
        if p.current[c] >= 0 and tier in compiled.policy.continuity.move_only_on_departure:
            return (
                f"group {gid} is served by RM {rm}, and {tier} customers change RM only when "
                "theirs leaves"
            )
        why = pair_reason(compiled, c, r) or "is not eligible for this member"
        return f"group {gid} is served by RM {rm}, which {why}"
    if not _has_room(compiled, facts, c, r):
        return f"group {gid} is served by RM {rm}, which has no room for this member"
    return ""
