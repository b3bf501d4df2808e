"""Words a branch head understands: units, the eligibility funnel, why one RM cannot serve one
customer."""

from __future__ import annotations

from allocator.compile import Compiled
from allocator.rules import failed_rule

UNIT_NAMES = {
    "outlet": "outlet",
    "vip_center": "VIP centre",
    "wealth_center": "wealth centre",
    "marketing": "marketing department",
}

FUNNEL_CODE = {
    "scope": "no_rm_in_scope",
    "active": "no_active_rm",
    "unit": "no_rm_in_unit",
    "certification": "no_certified_rm",
    "grade": "no_rm_of_grade",
    "branch_level": "no_rm_at_level",
}


def units_text(units: frozenset[str] | None) -> str:
    """'wealth or VIP centres' for {wealth_center, vip_center}."""
    if not units:
        return ""
    names = sorted(UNIT_NAMES.get(u, u) for u in units)
    if len(names) == 1:
        return names[0] + "s"
    heads = [n.rsplit(" ", 1) for n in names]
    if all(len(h) == 2 for h in heads) and len({h[1] for h in heads}) == 1:
        return " or ".join(h[0] for h in heads) + " " + heads[0][1] + "s"
    return " or ".join(names)


def funnel_reason(compiled: Compiled, k: int) -> tuple[str, str]:
    """(code, text) for customers of class ``k`` left with no eligible RM."""
    cls = compiled.classes
    stage = str(compiled.class_pairs.first_empty[k])
    branch = compiled.branches.ids[cls.branch[k]] if cls.branch[k] >= 0 else "?"
    line = str(cls.line[k])
    units = units_text(cls.units[k])
    in_units = f" in the {units}" if units else ""
    policy = compiled.policy
    if stage == "scope":
        text = f"no {line} RM at {branch} or above"
    elif stage == "active":
        text = f"no active {line} RM at {branch} or above"
    elif stage == "unit":
        text = f"no active {line} RM{in_units} at {branch} or above"
    elif stage == "certification":
        certs = " and ".join(cls.certs[k])
        where = f"the {units}" if units else f"the {line} RMs"
        text = f"no {certs} holder in {where} above {branch}"
    elif stage == "grade":
        grade = policy.grades[int(cls.min_grade[k])]
        text = f"no {grade} or higher {line} RM{in_units} at {branch} or above"
    elif stage == "branch_level":
        level = policy.branch_levels[int(cls.min_level[k])].replace("_", " ")
        text = f"no eligible {line} RM at {level} level or above for {branch}"
    else:
        text = "no eligible RM"
    return FUNNEL_CODE.get(stage, "no_rm_in_scope"), text


def pair_reason(compiled: Compiled, c: int, r: int) -> str:
    """Why RM ``r`` cannot serve customer ``c`` ("" when it can, as far as pairwise rules go)."""
    k = int(compiled.classes.class_of[c])
    rms, cls, br, policy = compiled.rms, compiled.classes, compiled.branches, compiled.policy
    if k < 0:
        return "the customer's tier is pooled (served by pools and channels, not one RM)"
    rule = failed_rule(k, r, cls, rms, br, policy)
    rm_branch = br.ids[rms.branch[r]] if rms.branch[r] >= 0 else "?"
    if rule == "":
        return ""
    if rule == "line":
        return f"serves the {rms.line[r]} line"
    if rule == "scope":
        return f"sits at {rm_branch}, not at the customer's branch {br.ids[cls.branch[k]]} or above"
    if rule == "active":
        return "is inactive (left or on leave)"
    if rule == "unit":
        return (
            f"works in the {UNIT_NAMES.get(rms.unit[r], rms.unit[r])}, "
            f"not the {units_text(cls.units[k])}"
        )
    if rule == "certification":
        held = {name for name, bit in rms.cert_bits.items() if rms.cert_mask[r] & bit}
        missing = [x for x in cls.certs[k] if x not in held]
        return f"does not hold {' and '.join(missing)}"
    if rule == "grade":
        have = policy.grades[int(rms.grade_rank[r])] if rms.grade_rank[r] >= 0 else "?"
        need = policy.grades[int(cls.min_grade[k])]
        return f"is {have}, below {need}"
    if rule == "branch_level":
        level = policy.branch_levels[int(br.level_rank[rms.branch[r]])]
        need = policy.branch_levels[int(cls.min_level[k])]
        return f"sits at {level} level, below {need.replace('_', ' ')}"
    return f"breaks rule {rule}"
