"""Reading a solved model: the actions it takes, and what each is for.

Each action row says the rule or tier it serves (``rule``), read off the solution rather than
guessed: a serving decision serves the tiers its supply node's flows reach (a certification only
the tiers it opens), and a decision serves an enforced staffing rule where it counts towards the
rule and the rule was short today or is tight in the plan. A row serving nothing would be a hire
of no use; :func:`purposes` leaves its ``rule`` empty, which the audit flags.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from scenarios.headcount.actions import ACTION_COLUMNS, ACTIONS, empty_actions
from scenarios.headcount.constraints import RuleRow
from scenarios.headcount.model import ModelResult
from scenarios.headcount.options import Catalogue
from scenarios.headcount.supply import Supply


def tiers_served(d: int, cat: Catalogue, supply: Supply, result: ModelResult) -> list[str]:
    """The tiers decision ``d``'s RMs serve in the solution (a certification: only classes the
    certified RMs could not serve before)."""
    flows = result.flows.get(("d", d), {})
    kind = cat.decisions["kind"].iloc[d]
    before: set[int] = set()
    if kind == "certify_rm":
        before = set(supply.classes_of.get(int(cat.decisions["group"].iloc[d]), ()))
    tiers = {str(supply.class_tier[k]) for k, v in flows.items() if v > 1e-6 and k not in before}
    return sorted(tiers, key=lambda t: -supply.tier_priority.get(t, 0))


def rules_served(d: int, branch: str, rows: list[RuleRow], values: Mapping[int, int]) -> list[str]:
    """The enforced staffing rules at ``branch`` (where decision ``d`` puts its person) that it
    counts towards, where the rule was short today or would break with one fewer of it.

    Only the rules where the person lands: an RM moved away also "helps" its old branch need
    fewer assistants, but that is not what the move is for.
    """
    out: list[str] = []
    for row in rows:
        if row.coef[d] <= 1e-12 or row.requirement.branch_id != branch:
            continue
        slack = sum(row.coef[i] * v for i, v in values.items()) - row.rhs
        if row.short_today or slack - row.coef[d] < -1e-9:  # one fewer would break it
            out.append(row.requirement.rule)
    return list(dict.fromkeys(out))


def purposes(
    d: int, cat: Catalogue, supply: Supply, result: ModelResult, rows: list[RuleRow]
) -> str:
    """The ``rule`` cell of decision ``d``: ``tier:<t>`` and ``rule:<r>`` items, then
    ``redeploy:<source>`` for a redeployment."""
    items = [f"tier:{t}" for t in tiers_served(d, cat, supply, result)]
    branch = str(cat.decisions["branch_id"].iloc[d])
    items += [f"rule:{r}" for r in rules_served(d, branch, rows, result.values)]
    if items and cat.decisions["kind"].iloc[d] == "redeploy":
        items.append(f"redeploy:{cat.decisions['source'].iloc[d]}")
    return "; ".join(items)


def read_actions(
    cat: Catalogue, supply: Supply, result: ModelResult, rows: list[RuleRow]
) -> pd.DataFrame:
    """The solution's actions (:data:`~scenarios.headcount.actions.ACTION_COLUMNS`).

    Certifications and transfers are one row per RM, picked from the group's members in order
    (smallest book first: the fewest customers disturbed), transfers first.
    """
    dec = cat.decisions
    taken: dict[int, int] = {}  # group -> members already picked
    records: list[dict[str, object]] = []
    chosen = sorted(
        (d for d, v in result.values.items() if v > 0),
        key=lambda d: (dec["kind"].iloc[d] != "transfer", d),
    )
    for d in chosen:
        n = int(result.values[d])
        x = dec.iloc[d]
        rule = purposes(d, cat, supply, result, rows)
        base = {
            "rm_id": "",
            "branch_id": x["branch_id"],
            "unit": x["unit"],
            "line": x["line"],
            "grade": x["grade"],
            "certifications": x["certifications"],
            "count": n,
            "annual_cost": float(x["cost"]) * n,
            "rule": rule,
            "role": x["role"],
            "source": x["source"],
            "lead_quarters": int(x["lead_quarters"]),
        }
        kind = x["kind"]
        if kind in ("hire_rm", "hire_staff", "redeploy"):
            records.append({"action": "hire", **base})
        elif kind == "certify_staff":
            records.append({"action": "certify", **base, "certifications": x["added"]})
        else:
            g = int(x["group"])
            members = cat.groups["rm_ids"].iloc[g]
            start = taken.get(g, 0)
            taken[g] = start + n
            for rm_id in members[start : start + n]:
                one = {**base, "rm_id": rm_id, "count": 1, "annual_cost": float(x["cost"])}
                if kind == "certify_rm":
                    group = cat.groups.iloc[g]
                    one.update(branch_id=group["branch_id"], unit=group["unit"])
                    records.append({"action": "certify", **one, "certifications": x["added"]})
                else:
                    records.append({"action": "transfer", **one})
    if not records:
        return empty_actions()
    out = pd.DataFrame(records)[list(ACTION_COLUMNS)]
    out["_order"] = out["action"].map({a: i for i, a in enumerate(ACTIONS)})
    out = out.sort_values(
        ["_order", "branch_id", "unit", "role", "line", "grade", "certifications", "rm_id"],
        kind="stable",
    )
    return out.drop(columns="_order").reset_index(drop=True)
