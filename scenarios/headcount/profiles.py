"""Candidate RM hires: every RM profile the planner may hire, priced from the salary table.

A profile is ``line, grade, certifications, branch_id, unit``; the model decides how many of each
to hire. The grid of profiles is where the hiring options (``scenarios/data/staffing.yaml``)
become concrete rows, so it is built here once, in a fixed order (sorted, never set order: the
solver's choice among equally cheap plans must not depend on Python's string hashing).

Only grades that serve customers are hired as RMs (``hire_grades``): the junior grade
``assistant`` would meet an RM-share rule on paper while serving no key account, and the N+1
RM assistant is a post (:mod:`scenarios.headcount.options`), not a grade.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from allocator.contract import UNITS, certification_list
from allocator.instance import Instance
from allocator.policy import Policy
from scenarios.compare import profile_costs
from scenarios.headcount.bank import active_rms, branch_levels, holds_any
from scenarios.headcount.checks import busy_corporate_outlets
from scenarios.headcount.rules import StaffingRules

#: what an RM hire is
PROFILE_COLUMNS: tuple[str, ...] = ("line", "grade", "certifications", "branch_id", "unit")

Profile = tuple[str, str, str, str, str]


def unit_hosts(instance: Instance) -> dict[str, set[str]]:
    """Unit -> branches where active RMs of the unit sit today."""
    active = active_rms(instance)
    return {u: set(active.loc[active["unit"] == u, "branch_id"]) for u in UNITS}


def grid_branches(instance: Instance, rules: StaffingRules, unit: str) -> list[str]:
    """The branches where ``unit`` may hire (``candidate_branches``), sorted."""
    where = rules.candidate_branches.get(unit)  # type: ignore[call-overload]
    if where is None:
        return []
    levels = branch_levels(instance)
    at = [b for b, lv in levels.items() if not instance.branches_given or lv in where.levels]
    hosts = unit_hosts(instance)[unit]
    if where.where_unit_exists and hosts:
        at = [b for b in at if b in hosts]
    return sorted(at)


def can_serve(line: str, grade: str, certs: str, unit: str, policy: Policy) -> bool:
    """Whether an RM of this line, grade, certifications and unit meets the requirements of
    some individually served tier or band of its line (units, certifications, grade).

    A VIP centre RM without AFP serves nobody there (its tiers want AFP or CFP): hiring or moving
    one in would be filler for a staffing count, not a person who covers customers.
    """
    held = policy.expand_certifications(set(certification_list(certs)))
    rank = policy.grade_rank(grade) if grade in policy.grades else -1
    for req in [*policy.tiers_of(line).values(), *policy.bands_of(line).values()]:
        if getattr(req, "pooled", False):
            continue
        if req.units is not None and unit not in req.units:
            continue
        if not set(req.certifications) <= held:
            continue
        if req.min_grade and rank < policy.grade_rank(req.min_grade):
            continue
        return True
    return False


def candidate_profiles(
    instance: Instance,
    policy: Policy,
    rules: StaffingRules,
    salaries: pd.DataFrame,
    enforce: Iterable[str] = (),
) -> pd.DataFrame:
    """Every hireable RM profile, priced: ``line, grade, certifications, branch_id, unit, cost``.

    The grid is ``hire_grades`` x ``hire_certifications`` x ``line_units`` at the branches
    ``candidate_branches`` allows, keeping only profiles that may serve some tier there
    (:func:`can_serve`: a VIP centre hire holds AFP or CFP); wealth centre hires always hold a
    wealth centre qualification. With ``corporate_outlet`` enforced, a corporate RM at every
    busy sub-branch or outlet the grid misses. Profiles without a salary row are dropped: a plan
    cannot price them.
    """
    rows: list[Profile] = []
    for line in sorted(rules.line_units):
        for unit in rules.line_units[line]:
            for branch in grid_branches(instance, rules, unit):
                for grade in rules.hire_grades:
                    for cert in rules.hire_certifications:
                        if unit == "wealth_center" and not holds_any(
                            cert, rules.wealth_center_certifications, policy
                        ):
                            continue
                        if not can_serve(line, grade, cert, unit, policy):
                            continue
                        rows.append((line, grade, cert, branch, unit))
    if "corporate_outlet" in set(enforce):
        levels = branch_levels(instance)
        low = set(policy.branch_levels[:2])
        for b in busy_corporate_outlets(instance, policy, rules)["branch_id"]:
            unit = "outlet" if levels.get(b, policy.branch_levels[0]) in low else "marketing"
            rows += [("corporate", g, "", str(b), unit) for g in rules.hire_grades]
    frame = pd.DataFrame(list(dict.fromkeys(rows)), columns=list(PROFILE_COLUMNS))
    frame["cost"] = profile_costs(frame, salaries, policy).to_numpy()
    return frame[frame["cost"].notna()].reset_index(drop=True)
