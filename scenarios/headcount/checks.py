"""The staffing rules of DOMAIN.md, one function per rule, each giving its requirements.

Each function reads the bank and its roster (RMs and other staff) and says, per branch it
concerns, who is counted and how many are required (:class:`~scenarios.headcount.requirement.
Requirement`). :func:`staffing_checks` evaluates them on a roster -- before the plan, and after it
on the roster with the plan's actions -- and the planner imposes the same objects as
constraints, so a rule is written once. Every number comes from the staffing rules (data).
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import pandas as pd

from allocator.instance import Instance
from allocator.policy import Policy
from scenarios.headcount.bank import branch_levels
from scenarios.headcount.requirement import CHECK_COLUMNS, Requirement, Who, evaluate
from scenarios.headcount.roster import Roster
from scenarios.headcount.rules import StaffingRules

__all__ = ["CHECK_COLUMNS", "busy_corporate_outlets", "staffing_checks", "staffing_requirements"]


def deposits_source(instance: Instance) -> str:
    """``deposits`` when the bank gives corporate deposits (contract v1.1), else
    ``annual_contribution``: a v1 bank has none, and contribution is the only proxy."""
    cust = instance.customers
    corp = cust["segment"] == "corporate"
    given = "deposits" in cust.columns and bool((cust.loc[corp, "deposits"] > 0).any())
    return "deposits" if given else "annual_contribution"


def busy_corporate_outlets(
    instance: Instance, policy: Policy, rules: StaffingRules
) -> pd.DataFrame:
    """City sub-branches and outlets that must have a corporate RM: ``branch_id, deposits,
    corporate_customers`` (of the corporate customers whose home branch it is).

    Busy: deposits >= ``corporate_outlet_min_deposits`` or corporate customers >=
    ``corporate_outlet_min_customers``, at a level of ``corporate_outlet_levels`` (without a
    branch tree every branch is an outlet).
    """
    cust = instance.customers
    corp = cust[cust["segment"] == "corporate"]
    amount = pd.to_numeric(corp[deposits_source(instance)], errors="coerce").fillna(0.0)
    stats = (
        pd.DataFrame({"branch_id": corp["branch_id"], "deposits": amount})
        .groupby("branch_id", sort=True)
        .agg(deposits=("deposits", "sum"), corporate_customers=("deposits", "size"))
        .reset_index()
    )
    levels = branch_levels(instance)
    at_level = stats["branch_id"].map(levels).isin(rules.corporate_outlet_levels)
    if not instance.branches_given:
        at_level[:] = True
    busy = (stats["deposits"] >= rules.corporate_outlet_min_deposits) | (
        stats["corporate_customers"] >= rules.corporate_outlet_min_customers
    )
    return stats[busy & at_level].reset_index(drop=True)


def rm_share_requirements(roster: Roster, rules: StaffingRules) -> list[Requirement]:
    """RMs >= ``rm_share_min`` of all staff, per branch of the staff table.

    RMs are the people in position ``rm`` (executives and assistant posts are staff, not RMs).
    """
    if not roster.staff_given:
        return []
    frame = roster.frame
    staffed = sorted(set(frame.loc[frame["rm_id"] == "", "branch_id"]))
    share = rules.rm_share_min
    return [
        Requirement(
            "rm_share",
            "rm_share",
            b,
            Who(b, rm_roles=("rm",)),
            per=((share, Who(b)),),
            needs_staff=True,
            note=f"RMs >= {share:.0%} of all staff",
        )
        for b in staffed
    ]


def centres(roster: Roster, unit: str) -> list[str]:
    """Branches where the unit has people today (a centre is where its people are)."""
    frame = roster.frame
    return sorted(set(frame.loc[(frame["unit"] == unit) & (frame["count"] > 0), "branch_id"]))


def wealth_center_requirements(roster: Roster, rules: StaffingRules) -> list[Requirement]:
    """Each wealth centre: >= ``wealth_center_min_staff`` marketing/wealth/lobby managers, all
    holding a recognised qualification (``wealth_center_certifications``)."""
    roles = tuple(rules.wealth_center_roles)
    quals = tuple(rules.wealth_center_certifications)
    out: list[Requirement] = []
    for b in centres(roster, "wealth_center"):
        managers = Who(b, units=("wealth_center",), roles=roles)
        certified = Who(b, units=("wealth_center",), roles=roles, certified=quals)
        out.append(
            Requirement(
                "wealth_center.staff",
                "wealth_center",
                b,
                managers,
                at_least=float(rules.wealth_center_min_staff),
                needs_staff=True,
                note=f"at least {rules.wealth_center_min_staff} {'/'.join(roles)}",
            )
        )
        out.append(
            Requirement(
                "wealth_center.certified",
                "wealth_center",
                b,
                certified,
                per=((1.0, managers),),
                needs_staff=True,
                note=f"all of them holding {'/'.join(quals)}",
            )
        )
    return out


def vip_center_requirements(roster: Roster, rules: StaffingRules) -> list[Requirement]:
    """Each VIP centre: >= ``vip_center_min_staff`` staff, the role minima (2 marketing and 2
    wealth managers), and >= ``vip_center_min_certified`` holding AFP/CFP."""
    certs = tuple(rules.vip_center_certifications)
    out: list[Requirement] = []
    for b in centres(roster, "vip_center"):
        unit = ("vip_center",)
        out.append(
            Requirement(
                "vip_center.staff",
                "vip_center",
                b,
                Who(b, units=unit),
                at_least=float(rules.vip_center_min_staff),
                needs_staff=True,
                note=f"at least {rules.vip_center_min_staff} staff",
            )
        )
        for role, n in sorted(rules.vip_center_min_roles.items()):
            out.append(
                Requirement(
                    f"vip_center.{role}",
                    "vip_center",
                    b,
                    Who(b, units=unit, roles=(role,)),
                    at_least=float(n),
                    needs_staff=True,
                    note=f"at least {n} {role}",
                )
            )
        out.append(
            Requirement(
                "vip_center.certified",
                "vip_center",
                b,
                Who(b, units=unit, certified=certs),
                at_least=float(rules.vip_center_min_certified),
                needs_staff=True,
                note=f"at least {rules.vip_center_min_certified} holding {'/'.join(certs)}",
            )
        )
    return out


def corporate_outlet_requirements(
    instance: Instance, policy: Policy, rules: StaffingRules
) -> list[Requirement]:
    """A corporate RM at each busy city sub-branch and outlet (:func:`busy_corporate_outlets`);
    an RM of line ``both`` counts."""
    busy = busy_corporate_outlets(instance, policy, rules)
    source = deposits_source(instance)
    label = "deposits" if source == "deposits" else "annual_contribution (proxy: no deposits)"
    return [
        Requirement(
            "corporate_outlet",
            "corporate_outlet",
            b,
            Who(b, rm_roles=("rm",), lines=("corporate", "both")),
            at_least=1.0,
            note=f"{n} corporate customers, {label} {dep:,.0f}",
        )
        for b, dep, n in zip(
            busy["branch_id"], busy["deposits"], busy["corporate_customers"], strict=True
        )
    ]


def lobby_manager_requirements(instance: Instance, rules: StaffingRules) -> list[Requirement]:
    """``lobby_managers_per_outlet`` lobby managers at every outlet."""
    levels = branch_levels(instance)
    outlets = sorted(
        b
        for b, lv in levels.items()
        if not instance.branches_given or lv in rules.lobby_manager_levels
    )
    n = rules.lobby_managers_per_outlet
    return [
        Requirement(
            "lobby_manager",
            "lobby_manager",
            b,
            Who(b, roles=("lobby_manager",)),
            at_least=float(n),
            needs_staff=True,
            note=f"{n} lobby manager(s) per outlet",
        )
        for b in outlets
        if n > 0
    ]


def assistant_requirements(
    roster: Roster, rules: StaffingRules, extra: Iterable[str] = ()
) -> list[Requirement]:
    """ "N+1": assistant posts >= floor(RMs / N) per branch, ``N = assistants_per``.

    Written ``N x assistants >= RMs - (N - 1)``; the branches are those with RMs today and
    ``extra`` (where a plan may add RMs, which may call for an assistant too).
    """
    n = rules.assistants_per
    frame = roster.frame
    where = sorted(set(frame.loc[frame["role"] == "rm", "branch_id"]) | set(extra))
    return [
        Requirement(
            "assistants",
            "assistants",
            b,
            Who(b, rm_roles=("assistant_post",)),
            at_least=-(n - 1) / n,
            per=((1.0 / n, Who(b, rm_roles=("rm",))),),
            needs_staff=True,
            note=f"one assistant post per {n} RMs",
        )
        for b in where
    ]


def staffing_requirements(
    instance: Instance,
    policy: Policy,
    rules: StaffingRules,
    roster: Roster,
    extra_branches: Iterable[str] = (),
) -> list[Requirement]:
    """Every staffing rule's requirements, in :data:`~scenarios.headcount.rules.RULE_NAMES`
    order (a fixed order keeps the checks table and the model the same from run to run)."""
    return [
        *rm_share_requirements(roster, rules),
        *wealth_center_requirements(roster, rules),
        *vip_center_requirements(roster, rules),
        *corporate_outlet_requirements(instance, policy, rules),
        *lobby_manager_requirements(instance, rules),
        *assistant_requirements(roster, rules, extra_branches),
    ]


def staffing_checks(
    requirements: list[Requirement], roster: Roster, policy: Policy
) -> pd.DataFrame:
    """Each requirement on ``roster``: ``rule, branch_id, required, actual, ok, note``.

    Without a staff table the RM share cannot be checked at all: one row says so (``ok`` None)
    rather than the rule passing silently.
    """
    table = evaluate(requirements, roster.frame, policy, roster.staff_given)
    if not roster.staff_given:
        row = pd.DataFrame(
            [
                (
                    "rm_share",
                    "",
                    math.nan,
                    math.nan,
                    None,
                    "no staff table: not checked (give staff.csv)",
                )
            ],
            columns=list(CHECK_COLUMNS),
        )
        table = pd.concat([row, table], ignore_index=True) if len(table) else row
    return table
