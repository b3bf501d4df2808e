"""Is each action of the kind its rule needs? A check of a plan's rows, independent of the model.

HR must be able to trust that a hire is what the need asks for: a VIP centre short of certified
staff gets certified people, not uncertified RMs; the RM share is met by RMs of a grade that
serves customers; a hire for the mid tier holds no certification nobody asked for. This module
reads each row of hires.csv and its ``rule`` cell and says what, if anything, does not fit:

- the row serves something (an empty ``rule`` is a hire of no use);
- for each ``tier:<t>``: the person after the action may serve customers of ``t`` (the
  allocator's own eligibility rules, on the bank's customers of that tier);
- for each ``rule:<r>``: the person counts for that rule (certified for a certified rule, the
  role a centre rule counts, a corporate RM at a busy outlet, an assistant post for N+1, a
  customer-serving grade for the RM share);
- a hire's certifications and grade are no more than its purposes need.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from allocator.contract import parse_certifications
from allocator.instance import Instance
from allocator.policy import Policy
from allocator.rules import BranchTable, RmTable, assign_tiers, build_classes, eligible_class_pairs
from scenarios.headcount.actions import normalise_actions
from scenarios.headcount.roster import CENTRE_UNITS
from scenarios.headcount.rules import StaffingRules

#: columns of :func:`audit_actions`
AUDIT_COLUMNS = ("row", "action", "rule", "problem")


def split_rule(cell: str) -> tuple[list[str], list[str]]:
    """The tiers and staffing rules a ``rule`` cell names."""
    items = [i.strip() for i in str(cell).split(";") if i.strip()]
    tiers = [i.split(":", 1)[1] for i in items if i.startswith("tier:")]
    rules = [i.split(":", 1)[1] for i in items if i.startswith("rule:")]
    return tiers, rules


def person_after(acts: pd.DataFrame, instance: Instance) -> pd.DataFrame:
    """Each action's person as an rms-like row (a certification: the RM with what it gained)."""
    rms = instance.rms.set_index("rm_id")
    rows = []
    for r in acts.itertuples(index=False):
        certs: Any = r.certifications
        line: Any = r.line
        grade: Any = r.grade
        if r.rm_id and r.rm_id in rms.index:
            held = rms.loc[str(r.rm_id)]
            line, grade = held["line"], held["grade"]
            if r.action == "certify":
                certs = ";".join(
                    [*parse_certifications(held["certifications"]), *parse_certifications(certs)]
                )
        rows.append((line, grade, certs, r.branch_id, r.unit))
    frame = pd.DataFrame(rows, columns=["line", "grade", "certifications", "branch_id", "unit"])
    frame.insert(0, "rm_id", [f"\0a{i}" for i in range(len(frame))])
    return frame.assign(capacity=np.nan, active=True, position="rm", designated_private=False)


def servable_tiers(people: pd.DataFrame, instance: Instance, policy: Policy) -> list[set[str]]:
    """Per person, the tiers of the bank's customers the allocator would let it serve."""
    br = BranchTable.build(instance.branches, policy)
    rmt = RmTable.build(people, br, policy)
    tiers = assign_tiers(instance.customers, policy)
    classes = build_classes(instance.customers, tiers, br, rmt, policy)
    pairs = eligible_class_pairs(classes, rmt, br, policy)
    label = np.full(classes.n, "", dtype=object)
    open_ = classes.class_of >= 0
    label[classes.class_of[open_]] = tiers["tier"].to_numpy(dtype=object)[open_]
    out: list[set[str]] = [set() for _ in range(len(people))]
    for k, r in zip(pairs.k.tolist(), pairs.r.tolist(), strict=True):
        out[r].add(str(label[k]))
    return out


def rule_fits(rule: str, row: pd.Series, certs: set[str], rules: StaffingRules) -> str:
    """Why ``row`` (its person after the action) does not count for ``rule``; "" when it does."""
    role = str(row["role"])
    centre_role = rules.center_rm_role if role == "rm" and row["unit"] in CENTRE_UNITS else role
    family, _, part = rule.partition(".")
    if family == "rm_share" and role != "rm":
        return "the RM share needs RMs"
    if family == "rm_share" and row["action"] == "hire" and row["grade"] not in rules.hire_grades:
        return "the RM share needs RMs hired at a grade that serves customers, not filler"
    if family == "corporate_outlet" and not (role == "rm" and row["line"] in ("corporate", "both")):
        return "a busy outlet needs a corporate RM"
    if family == "lobby_manager" and role != "lobby_manager":
        return "the rule needs a lobby manager"
    if family == "assistants" and role != "assistant_post":
        return "N+1 needs the assistant post, not an RM grade"
    if family == "wealth_center":
        if centre_role not in rules.wealth_center_roles:
            return "a wealth centre counts its marketing, wealth and lobby managers"
        if not certs & set(rules.wealth_center_certifications):
            return "a wealth centre's managers must all hold a recognised qualification"
    if family == "vip_center":
        if row["unit"] != "vip_center":
            return "the person is not in the VIP centre"
        if part == "certified" and not certs & set(rules.vip_center_certifications):
            return "the VIP centre is short of certified staff: the person must hold AFP/CFP"
        if part in rules.vip_center_min_roles and centre_role != part:
            return f"the VIP centre is short of {part}s"
    return ""


def audit_actions(
    actions: pd.DataFrame, instance: Instance, policy: Policy, rules: StaffingRules
) -> pd.DataFrame:
    """Every row whose kind its ``rule`` does not need: ``row, action, rule, problem`` (empty
    when every row fits)."""
    acts = normalise_actions(actions)
    if acts.empty:
        return pd.DataFrame(columns=list(AUDIT_COLUMNS))
    people = person_after(acts, instance)
    is_rm = (acts["role"] == "rm").to_numpy()
    servable = servable_tiers(people[is_rm].reset_index(drop=True), instance, policy)
    serve_of = dict(zip(np.flatnonzero(is_rm).tolist(), servable, strict=True))
    problems: list[tuple[int, str, str, str]] = []
    for pos, (_, row) in enumerate(acts.iterrows()):
        i = int(pos)
        tiers, named = split_rule(row["rule"])
        certs = policy.expand_certifications(
            set(parse_certifications(people.loc[i, "certifications"]))
        )
        found: list[str] = []
        say = found.append
        if not tiers and not named:
            say("serves no tier and no staffing rule")
        for t in tiers:
            if t not in serve_of.get(int(i), set()):
                say(f"may not serve tier {t}")
        if row["role"] == "rm" and row["action"] != "certify" and not serve_of.get(int(i)):
            say("an RM who may serve no customer of the bank where it sits: filler")
        for r in named:
            if why := rule_fits(r, row, certs, rules):
                say(f"{r}: {why}")
        if row["action"] == "hire" and row["role"] == "rm":
            found += hire_kind_problems(row, tiers, named, policy, rules)
        problems += [(int(i), row["action"], row["rule"], text) for text in found]
    return pd.DataFrame(problems, columns=list(AUDIT_COLUMNS))


def hire_kind_problems(
    row: pd.Series, tiers: list[str], named: list[str], policy: Policy, rules: StaffingRules
) -> list[str]:
    """Why an RM hire is more than its purposes need: a grade no customer is targeted for, a
    certification none asks for, a grade above the highest its tiers ask for."""
    found: list[str] = []
    say = found.append
    grade_rank = {g: i for i, g in enumerate(policy.grades)}
    if row["grade"] not in rules.hire_grades:
        say(f"grade {row['grade']} serves no customer the plan targets")
    need_cert = any(r.endswith("certified") or r.startswith("wealth_center") for r in named)
    need_cert |= any(_tier_certs(t, policy) for t in tiers)
    if parse_certifications(row["certifications"]) and not need_cert:
        say("holds a certification none of its purposes needs")
    floor = max([grade_rank.get(rules.hire_grades[0], 0), *(_tier_grade(t, policy) for t in tiers)])
    if grade_rank.get(row["grade"], 0) > floor:  # no staffing rule asks for a grade
        say(f"grade {row['grade']} is above what its purposes need")
    return found


def _tier_certs(tier: str, policy: Policy) -> list[str]:
    if tier in policy.tiers:
        return list(policy.tiers[tier].certifications)
    return list(policy.bands[tier].certifications) if tier in policy.bands else []


def _tier_grade(tier: str, policy: Policy) -> int:
    req = policy.tiers.get(tier) or policy.bands.get(tier)
    return policy.grade_rank(req.min_grade) if req is not None and req.min_grade else 0
