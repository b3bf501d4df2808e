"""Coverage against headcount: what each budget buys, from nothing to the plan that reaches the
targets.

The same model is solved in mode ``coverage`` under a series of budgets (0 up to the cost of the
plan that covers the most), twice: with every lever (certifying, redeploying and moving people
besides hiring) and with new hires alone -- the latter is the coverage-against-headcount curve
in its plain sense. Each point is the best the bank can do for that money: the
people added, the share of the targeted tiers' customers the plan covers towards the targets
(at most what each target asks; beside it, the share the targets ask for), their cover value
(each customer counts its tier's priority: what the model maximises), and the cost per covered
customer -- the whole RM workforce's annual cost
(today's RMs priced from the salary table, plus the plan) over the customers covered. Points
are the model's estimate (flows net of packing loss), not allocations: cheap enough for a
curve, and the plan itself is verified apart. The staffing rules are left aside (the quota is
kept): the curve answers what money buys in coverage, and the plan what the rules add to it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from scenarios.compare import headcount_metrics
from scenarios.headcount.model import SOLVED, HeadcountModel, ModelResult
from scenarios.headcount.planner import Planner
from scenarios.headcount.solution import read_actions

#: columns of :func:`coverage_curve` (then ``covered.<tier>`` per targeted tier)
CURVE_COLUMNS = (
    "series",
    "budget",
    "annual_cost",
    "people_added",
    "certified",
    "moved",
    "covered",
    "customers",
    "target",
    "coverage",
    "cover_value",
    "cost_per_covered",
)
#: the two series: every lever the planner has, and new hires alone (coverage vs headcount)
SERIES = ("every_lever", "hires_only")
HIRES = ("hire_rm", "hire_staff")


def coverage_curve(planner: Planner, points: int = 6) -> pd.DataFrame:
    """The curve (:data:`CURVE_COLUMNS`): per series, one row per budget, cheapest first.

    Parameters
    ----------
    planner
        The bank's planning problem (:attr:`HeadcountPlan.planner`).
    points
        Budgets per series from 0 to the cost of the most coverage, evenly spaced (>= 2).
    """
    today = headcount_metrics(planner.instance, planner.policy, planner.salaries).get(
        "cost.total", 0.0
    )
    frames = [_series(planner, name, points, today) for name in SERIES]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=CURVE_COLUMNS)


def _series(planner: Planner, name: str, points: int, today: float) -> pd.DataFrame:
    """One series of the curve (see :func:`coverage_curve`)."""
    model = HeadcountModel(
        planner.cat,
        planner.supply,
        planner.planned,
        [],  # the staffing rules aside: the curve shows what money buys in coverage
        planner.model.quota,
        planner.model.weights,
        mode="coverage",
    )
    if name == "hires_only":
        kinds = planner.cat.decisions["kind"].to_numpy()[model.keep]
        model.keep = model.keep[np.isin(kinds, HIRES)]
    limit = planner.params.time_limit

    def solve(budget: float | None) -> tuple[ModelResult, pd.DataFrame]:
        result = model.solve(limit, budget=budget)
        return result, read_actions(planner.cat, planner.supply, result, [])

    top, top_actions = solve(None)
    if top.status not in SOLVED:
        return pd.DataFrame(columns=list(CURVE_COLUMNS))
    most = float(top_actions["annual_cost"].sum()) if len(top_actions) else 0.0
    tiers = list(planner.goal)
    rows = []
    for budget in np.linspace(0.0, most, max(points, 2)):
        result, actions = solve(float(budget) + 1e-6)
        if result.status not in SOLVED:
            continue
        customers = {t: float(result.expected[t][0]) for t in tiers}
        covered = {t: result.covered.get(t, 0.0) for t in tiers}  # counted towards the target
        need = sum(float(result.expected[t][1]) for t in tiers)
        total, whole = sum(covered.values()), sum(customers.values())
        cost = float(actions["annual_cost"].sum()) if len(actions) else 0.0
        by = actions.groupby("action")["count"].sum() if len(actions) else pd.Series(dtype=int)
        rows.append(
            {
                "series": name,
                "budget": float(budget),
                "annual_cost": cost,
                "people_added": int(by.get("hire", 0)),
                "certified": int(by.get("certify", 0)),
                "moved": int(by.get("transfer", 0)),
                "covered": total,
                "customers": whole,
                "target": need / whole if whole else 1.0,
                "coverage": total / whole if whole else 1.0,
                "cover_value": sum(
                    planner.supply.tier_priority.get(t, 1.0) * covered[t] for t in tiers
                ),
                "cost_per_covered": (today + cost) / total if total else float("nan"),
                **{f"covered.{t}": covered[t] for t in tiers},
            }
        )
    return pd.DataFrame(rows)
