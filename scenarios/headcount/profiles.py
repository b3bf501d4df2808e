"""Candidate hires: every RM profile the planner may hire, priced from the salary table.

A profile is ``line, grade, certifications, branch_id, unit``; the model decides how many of each
to hire. The grid of profiles is where the staffing rules' hiring options become concrete rows,
so it is built here once and the model only prices and prunes what it is given.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from allocator.contract import LINES, UNITS
from allocator.instance import Instance
from allocator.policy import Policy
from scenarios.compare import profile_costs
from scenarios.headcount.bank import active_rms, branch_levels, holds_any
from scenarios.headcount.checks import busy_corporate_outlets
from scenarios.headcount.rules import StaffingRules

#: what a hire is
PROFILE_COLUMNS: tuple[str, ...] = ("line", "grade", "certifications", "branch_id", "unit")
#: a plan's hires (HIRES.csv): profiles with how many and their annual cost (count x salary)
HIRE_COLUMNS: tuple[str, ...] = (*PROFILE_COLUMNS, "count", "cost")

Profile = tuple[str, str, str, str, str]


def candidate_profiles(
    instance: Instance,
    policy: Policy,
    rules: StaffingRules,
    salaries: pd.DataFrame,
    enforce: Iterable[str] = (),
) -> pd.DataFrame:
    """Every hireable profile, priced: ``line, grade, certifications, branch_id, unit, cost``.

    Coverage profiles come from ``hire_grades`` x ``hire_certifications`` x ``line_units`` at the
    branches ``candidate_branches`` allows; wealth centre hires always hold a wealth centre
    certification. Rules in ``enforce`` add the profiles they may need where the coverage grid
    has none (a corporate RM at a busy outlet, an assistant at a branch with RMs, ...). Profiles
    without a salary row are dropped: a plan cannot price them.
    """
    levels = branch_levels(instance)
    active = active_rms(instance)
    hosts = {u: set(active.loc[active["unit"] == u, "branch_id"]) for u in UNITS}
    rows: list[Profile] = []
    for line, units in rules.line_units.items():
        for unit in units:
            where = rules.candidate_branches.get(unit)
            if where is None:
                continue
            at = [
                b for b, lv in levels.items() if not instance.branches_given or lv in where.levels
            ]
            if where.where_unit_exists and hosts[unit]:
                at = [b for b in at if b in hosts[unit]]
            for branch in at:
                for grade in rules.hire_grades:
                    for cert in rules.hire_certifications:
                        if unit == "wealth_center" and not holds_any(
                            cert, rules.wealth_center_certifications, policy
                        ):
                            continue
                        rows.append((line, grade, cert, branch, unit))
    rows += rule_profiles(instance, policy, rules, set(enforce), levels, hosts)
    frame = pd.DataFrame(list(dict.fromkeys(rows)), columns=list(PROFILE_COLUMNS))
    frame["cost"] = profile_costs(frame, salaries, policy).to_numpy()
    return frame[frame["cost"].notna()].reset_index(drop=True)


def rule_profiles(
    instance: Instance,
    policy: Policy,
    rules: StaffingRules,
    enforce: set[str],
    levels: dict[str, str],
    hosts: dict[str, set[str]],
) -> list[Profile]:
    """Profiles the enforced staffing rules may need, at the branches they concern.

    The coverage grid is deliberately narrow (it prices what serves customers); a rule may need
    a profile outside it -- any non-assistant grade in an existing centre, a corporate RM at a
    busy outlet, an assistant anywhere there are RMs -- or no set of hires could satisfy it.

    Parameters
    ----------
    enforce
        The rules to make profiles for (others add none).
    levels, hosts
        Branch id -> level, and unit -> branches hosting active RMs of the unit (as
        :func:`candidate_profiles` computed them).
    """
    low = set(policy.branch_levels[:2])  # outlet, subbranch: the "outlet" unit; above: marketing

    def unit_at(b: str) -> str:
        return "outlet" if levels.get(b, policy.branch_levels[0]) in low else "marketing"

    certs = [c for c in rules.hire_certifications if c]
    rows: list[Profile] = []
    grades = [g for g in policy.grades if g != rules.assistant_grade]
    if "wealth_center" in enforce:
        for b in sorted(hosts["wealth_center"]):
            rows += [
                ("retail", g, c, b, "wealth_center")
                for g in grades
                for c in rules.wealth_center_certifications
            ]
    if "vip_center" in enforce:
        for b in sorted(hosts["vip_center"]):
            rows += [("retail", g, c, b, "vip_center") for g in grades for c in ["", *certs]]
    if "corporate_outlet" in enforce:
        for b in busy_corporate_outlets(instance, policy, rules)["branch_id"]:
            rows += [("corporate", g, "", b, unit_at(b)) for g in grades]
    if "rm_share" in enforce or "assistants" in enforce:
        where = set(instance.rms["branch_id"]) | set(levels)
        for b in sorted(where):
            for line in LINES:
                rows += [(line, g, "", b, unit_at(b)) for g in policy.grades]
    return rows


#: what a candidate can do for the staffing rules (:func:`profile_roles`)
ROLE_COLUMNS: tuple[str, ...] = ("wc_cert", "vip_cert", "assistant")


def profile_roles(profiles: pd.DataFrame, policy: Policy, rules: StaffingRules) -> pd.DataFrame:
    """Per profile, the roles it can fill for the staffing rules: ``wc_cert`` and ``vip_cert``
    (holds a certification the wealth / VIP centre rule asks for) and ``assistant``.

    Two candidates that differ in a role are not interchangeable even when they serve the same
    customers, so the model prunes on these too; the rule constraints select hires by them.
    """
    certs = profiles["certifications"]
    return pd.DataFrame(
        {
            "wc_cert": [holds_any(x, rules.wealth_center_certifications, policy) for x in certs],
            "vip_cert": [holds_any(x, rules.vip_center_certifications, policy) for x in certs],
            "assistant": (profiles["grade"] == rules.assistant_grade).to_numpy(),
        }
    )
