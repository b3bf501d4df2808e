"""Reasons about today's RM and the tier: why a customer lost today's RM (it left, is inactive,
is forbidden, no longer eligible), why it was moved although its RM is still its own, locks, and
the tier the hysteresis keeps."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from allocator.compile import LOCK_BROKEN, LOCK_HELD, Compiled
from allocator.contract import parse_id_list
from allocator.reasons.facts import NO_OWNER, Facts
from allocator.reasons.words import pair_reason

Ints = npt.NDArray[np.int64]
Reason = tuple[str, str]


def lost_rm_reason(compiled: Compiled, c: int) -> Reason | None:
    """Why customer ``c`` cannot keep today's RM (``None`` when it has none, or could keep it)."""
    p = compiled.problem
    named = str(compiled.instance.customers["current_rm_id"].iat[c])
    if not named or p.current[c] >= 0:
        return None
    r = int(compiled.current_rm[c])
    if r < 0:
        return "rm_left", f"today's RM {named} has left"
    if not compiled.rms.active[r]:
        return "rm_inactive", f"today's RM {named} is inactive (left or on leave)"
    forbid = compiled.instance.customers.get("forbid_rm_ids")
    if forbid is not None and named in parse_id_list(forbid.iat[c]):
        return "rm_forbidden", f"the customer forbids today's RM {named}"
    text = pair_reason(compiled, c, r)
    return "rm_ineligible", f"today's RM {named} {text or 'is no longer eligible'}"


def moved_reason(compiled: Compiled, facts: Facts, c: int) -> Reason:
    """Why customer ``c`` was moved: the first claim of :data:`~.codes.MOVED` that holds."""
    p = compiled.problem
    x = int(p.current[c])
    xid = p.rm_ids[x]
    g = int(p.group[c])
    if g >= 0 and facts.group_served[g] >= 2 and facts.group_rm[g] == facts.a[c]:
        gid = compiled.instance.customers["group_id"].iat[c]
        return "moved_group", f"moved with its group {gid} to RM {p.rm_ids[facts.a[c]]}"
    if facts.owner[x] != NO_OWNER and facts.owner[x] != facts.unit[c]:
        return "moved_dedicated", f"today's RM {xid} is now dedicated one-to-one to a key customer"
    if facts.book_load[x] > p.capacity[x]:
        scale = p.weight_scale
        return (
            "moved_over_capacity",
            f"today's RM {xid} was over capacity "
            f"({facts.book_load[x] / scale:g} of {p.capacity[x] / scale:g} workload points)",
        )
    if facts.newcomer_value[x] > facts.value[c]:
        return "moved_for_priority", f"today's RM {xid} took a customer of higher priority"
    if facts.continuity_optimal:
        return (
            "moved_for_cover",
            "moved so that more customers, or more valuable ones, have an RM "
            "(the plan keeps as many as it can)",
        )
    return "moved_not_proven", "moved in a plan not proven to keep the most customers"


def lock_reason(compiled: Compiled, c: int) -> Reason | None:
    """The lock's part of the reason (``None`` for an unlocked customer)."""
    state = int(compiled.lock_state[c])
    if state == LOCK_HELD:
        return "lock_held", "locked to today's RM"
    if state == LOCK_BROKEN:
        return "lock_broken", "lock cannot hold"
    return None


def hysteresis_reason(compiled: Compiled, c: int) -> Reason | None:
    """The hysteresis' part of the reason (``None`` when it keeps no tier)."""
    held = str(compiled.tiers["held"].iat[c])
    if not held:
        return None
    months = int(compiled.instance.customers["months_below"].to_numpy()[c])
    wait = compiled.policy.hysteresis.wait(held)
    return "hysteresis", f"kept in tier {held}: below the line for {months} of {wait} months"
