"""The options beside hiring: redeploying staff, certifying people, moving RMs.

Each returns decision rows of :data:`~scenarios.headcount.options.DECISION_COLUMNS` and, where
the options draw on a limited number of people, the *pools* they share: a branch's counter staff
can be redeployed only so far (``max_share``), a centre's uncertified managers certified only
once each. What each costs and how long it takes is :mod:`scenarios.headcount.levers` (data).
"""

from __future__ import annotations

import math
from collections.abc import Set
from typing import Any

import pandas as pd

from allocator.contract import certification_list, format_certifications
from allocator.instance import Instance
from allocator.policy import Policy
from scenarios.compare import profile_costs
from scenarios.headcount.bank import branch_levels
from scenarios.headcount.levers import Levers
from scenarios.headcount.profiles import can_serve, grid_branches
from scenarios.headcount.roster import Roster, main_group
from scenarios.headcount.rules import StaffingRules

Row = dict[str, object]


def redeploy_options(
    instance: Instance,
    policy: Policy,
    rules: StaffingRules,
    levers: Levers,
    roster: Roster,
    salaries: pd.DataFrame,
    enforce: Set[str],
) -> tuple[list[Row], dict[str, int]]:
    """Counter and back-office people into an RM post (the entry grade, a unit the line hires
    into at their own branch) or, with ``assistants`` enforced, the assistant post."""
    r = levers.redeploy
    if not (r.enabled and roster.staff_given):
        return [], {}
    rows: list[Row] = []
    pools: dict[str, int] = {}
    f = roster.frame
    for b in sorted(set(f.loc[f["role"].isin(r.from_roles), "branch_id"])):
        for source in r.from_roles:
            _, _, n = main_group(roster, b, source)
            cap = math.floor(r.max_share * n + 1e-9)
            if cap < 1:
                continue
            pool = f"staff:{b}:{source}"
            pools[pool] = cap
            own = levers.role_salaries.get(source, 0.0)  # type: ignore[call-overload]
            posts: list[tuple[str, Any, Any]] = []  # role, line, unit
            if "rm" in r.into:
                for line in r.lines:
                    units = [
                        u for u in rules.line_units.get(line, []) if u in ("outlet", "marketing")
                    ]
                    unit = next((u for u in units if b in grid_branches(instance, rules, u)), None)
                    if unit is not None:
                        posts.append(("rm", line, unit))
            if "assistant_post" in r.into and "assistants" in enforce:
                posts.append(("assistant_post", "", "outlet"))
            for role, line, unit in posts:
                if role == "rm":
                    probe = pd.DataFrame(
                        [{"line": line, "grade": r.grade, "certifications": "", "unit": unit}]
                    )
                    salary = float(profile_costs(probe, salaries, policy).iloc[0])
                    if math.isnan(salary):
                        continue
                else:
                    salary = float(levers.role_salaries.get("assistant_post", own))
                rows.append(
                    {
                        "kind": "redeploy",
                        "role": role,
                        "source": source,
                        "branch_id": b,
                        "unit": unit,
                        "line": line,
                        "grade": r.grade if role == "rm" else "",
                        "certifications": "",
                        "added": "",
                        "group": -1,
                        "pool": pool,
                        "cost": r.retraining_cost + max(salary - own, 0.0),
                        "lead_quarters": r.lead_quarters,
                    }
                )
    return rows, pools


def certify_rm_options(
    groups: pd.DataFrame, policy: Policy, levers: Levers, salaries: pd.DataFrame
) -> list[Row]:
    """RMs of a group gain one certification (retail and composite RMs: the certifications are
    retail ones); the cost is the course plus the certified salary's premium."""
    c = levers.certify
    if not c.enabled:
        return []
    rows: list[Row] = []
    for g, grp in groups.iterrows():
        if grp["line"] not in ("retail", "both"):
            continue
        held = policy.expand_certifications(set(certification_list(grp["certifications"])))
        for cert, option in sorted(c.certifications.items()):
            if cert in held:
                continue
            after = format_certifications({*certification_list(grp["certifications"]), cert})
            probe = pd.DataFrame(
                [
                    {
                        "line": grp["line"],
                        "grade": grp["grade"],
                        "certifications": x,
                        "unit": grp["unit"],
                    }
                    for x in (grp["certifications"], after)
                ]
            )
            before_cost, after_cost = profile_costs(probe, salaries, policy).fillna(0.0)
            rows.append(
                {
                    "kind": "certify_rm",
                    "role": "rm",
                    "source": "",
                    **{k: grp[k] for k in ("branch_id", "unit", "line", "grade")},
                    "certifications": after,
                    "added": cert,
                    "group": int(g),  # type: ignore[call-overload]
                    "pool": f"rm:{g}",
                    "cost": option.cost + max(after_cost - before_cost, 0.0),
                    "lead_quarters": option.lead_quarters,
                }
            )
    return rows


def certify_staff_options(
    rules: StaffingRules, levers: Levers, roster: Roster, enforce: Set[str]
) -> tuple[list[Row], dict[str, int]]:
    """Uncertified managers of a centre whose enforced rule counts certified people gain the
    cheapest certification that rule recognises."""
    c = levers.certify
    if not (c.enabled and roster.staff_given):
        return [], {}
    wanted = {
        "wealth_center": rules.wealth_center_certifications,
        "vip_center": rules.vip_center_certifications,
    }
    f = roster.frame
    rows: list[Row] = []
    pools: dict[str, int] = {}
    people = f[(f["rm_id"] == "") & (f["certifications"] == "") & (f["count"] > 0)]
    for unit in sorted(wanted):
        if unit not in enforce:
            continue
        options = [(c.certifications[x].cost, x) for x in wanted[unit] if x in c.certifications]
        if not options:
            continue
        cost, cert = min(options)
        here = people[people["unit"] == unit].sort_values(["branch_id", "role"])
        for _, p in here.iterrows():
            pool = f"cert:{p['branch_id']}:{unit}:{p['role']}"
            pools[pool] = pools.get(pool, 0) + int(p["count"])
            rows.append(
                {
                    "kind": "certify_staff",
                    "role": p["role"],
                    "source": "",
                    "branch_id": p["branch_id"],
                    "unit": unit,
                    "line": "",
                    "grade": "",
                    "certifications": cert,
                    "added": cert,
                    "group": -1,
                    "pool": pool,
                    "cost": cost + levers.certified_premium,
                    "lead_quarters": c.certifications[cert].lead_quarters,
                }
            )
    return list({r["pool"]: r for r in rows}.values()), pools


def scope_of(instance: Instance, level: str) -> dict[str, str]:
    """Branch -> its ancestor (or itself) at ``level``; branches above that level have none."""
    parent = dict(zip(instance.branches["branch_id"], instance.branches["parent_id"], strict=True))
    levels = branch_levels(instance)
    out: dict[str, str] = {}
    for b in parent:
        at, seen = b, 0
        while at and levels.get(at) != level and seen <= len(parent):
            at, seen = parent.get(at, ""), seen + 1
        if at and levels.get(at) == level:
            out[b] = at
    return out


def transfer_options(
    instance: Instance,
    policy: Policy,
    rules: StaffingRules,
    levers: Levers,
    groups: pd.DataFrame,
) -> list[Row]:
    """An RM of a group moves to another branch or unit its line hires into, within the same
    ``scope_level`` branch (a city): line, grade and certifications go with the RM."""
    t = levers.transfer
    if not t.enabled or not instance.branches_given:
        return []
    scope = scope_of(instance, t.scope_level)
    targets = {
        line: [(b, u) for u in units for b in grid_branches(instance, rules, u)]
        for line, units in sorted(rules.line_units.items())
    }
    rows: list[Row] = []
    for g, grp in groups.iterrows():
        home = scope.get(str(grp["branch_id"]))
        if home is None or grp["line"] not in targets:
            continue
        for b, u in targets[grp["line"]]:
            if scope.get(b) != home or (b, u) == (grp["branch_id"], grp["unit"]):
                continue
            if not can_serve(
                str(grp["line"]), str(grp["grade"]), str(grp["certifications"]), u, policy
            ):
                continue  # an RM moved where it may serve nobody would be filler
            rows.append(
                {
                    "kind": "transfer",
                    "role": "rm",
                    "source": grp["branch_id"],
                    "branch_id": b,
                    "unit": u,
                    "line": grp["line"],
                    "grade": grp["grade"],
                    "certifications": grp["certifications"],
                    "added": "",
                    "group": int(g),  # type: ignore[call-overload]
                    "pool": f"rm:{g}",
                    "cost": t.cost,
                    "lead_quarters": t.lead_quarters,
                }
            )
    return rows
