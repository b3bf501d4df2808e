"""Every reason code, with what it claims: the predicate the independent reason checker
(:mod:`allocator.checker.reasons`) verifies against the plan.

A plan row's ``reason_code`` is one or more codes joined by ``;``, the main one first; each must
hold. One false reason and a branch head stops trusting every plan, so no code is written unless
its claim is true of the plan as handed out.
"""

from __future__ import annotations

#: code -> the claim, in words; the checker holds one predicate per code
CODES: dict[str, str] = {
    # why a customer has no RM
    "no_rm_in_scope": "no RM of the customer's line sits at its branch or above",
    "no_active_rm": "RMs in scope, but none active",
    "no_rm_in_unit": "active RMs in scope, but none in a unit the tier asks for",
    "no_certified_rm": "RMs in the right units, but none holds the certifications",
    "no_rm_of_grade": "certified RMs, but none of the grade the band asks for",
    "no_rm_at_level": "RMs of the grade, but none at the branch level the list asks for",
    "all_forbidden": "every RM that passes the rules is named in the customer's forbid_rm_ids",
    "move_only_on_departure": "its tier never moves, today's RM is still its own and has no room",
    "group": "a member of its group is served by an RM that cannot take this customer",
    "one_to_one": "one-to-one, and every eligible RM with room serves other customers",
    "dedicated": "every eligible RM with room is dedicated one-to-one to another customer",
    "move_cap": "today's RM cannot take it (no room, or dedicated to another customer) and has "
    "lost as many customers as its move cap allows",
    "capacity": "every eligible RM has no room for it or is dedicated to another key customer",
    "time_limit": "the solve stopped on its time limit (or a stop) before proving the cover",
    "not_proven": "the plan's cover value is not proven optimal",
    "unexplained": "none of the above holds: a defect the reason checker reports",
    "pooled": "a pooled tier: served by pools and channels",
    # why a customer has today's RM no more
    "rm_left": "today's RM is not on the RM list (the RM has left)",
    "rm_inactive": "today's RM is inactive",
    "rm_forbidden": "the customer forbids today's RM",
    "rm_ineligible": "today's RM breaks a rule for the customer (its tier or the RM changed)",
    # why a customer was moved (today's RM is still its own)
    "moved_group": "its group is served by the RM it moved to",
    "moved_dedicated": "today's RM is now dedicated one-to-one to another customer",
    "moved_over_capacity": "today's RM was over capacity with today's book",
    "moved_for_priority": "today's RM took a new customer of higher priority",
    "moved_for_cover": "the plan is proven to move as few as the cover value allows",
    "moved_not_proven": "the plan is not proven to move as few as possible",
    # locks and tiers
    "lock_held": "locked, and kept with today's RM",
    "lock_broken": "locked, but today's RM cannot be kept",
    "hysteresis": "kept in its previous tier: below the line for fewer months than the wait",
}

#: codes that say why a customer has no RM, in the order they are tried
UNASSIGNED = (
    "no_rm_in_scope",
    "no_active_rm",
    "no_rm_in_unit",
    "no_certified_rm",
    "no_rm_of_grade",
    "no_rm_at_level",
    "all_forbidden",
    "move_only_on_departure",
    "group",
    "one_to_one",
    "dedicated",
    "move_cap",
    "capacity",
    "time_limit",
    "not_proven",
    "unexplained",
)
#: codes that say why a customer was moved, in the order they are tried
MOVED = (
    "moved_group",
    "moved_dedicated",
    "moved_over_capacity",
    "moved_for_priority",
    "moved_for_cover",
    "moved_not_proven",
)
