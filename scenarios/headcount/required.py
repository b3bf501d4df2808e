"""Each branch's required RMs, derived from the plan's actions: one answer, never two.

The practitioners' remedy is to *compute* each outlet's required RM count from service capacity;
the planner does, network-wide (RMs of ancestors serve an outlet too) and with every lever. So
the required count here is read off the plan itself -- today's RMs at the branch plus the hires,
redeployments and transfers in, less the transfers out -- and a branch's ``gap`` is exactly what
hires.csv does there: the two cannot disagree branch by branch.
"""

from __future__ import annotations

import pandas as pd

from allocator.instance import Instance
from scenarios.headcount.actions import REDEPLOY_SOURCES, is_rm_hire, normalise_actions
from scenarios.headcount.bank import active_rms, branch_levels

#: columns of :func:`required_rms`
REQUIRED_COLUMNS = (
    "branch_id",
    "level",
    "line",
    "current_rms",
    "hired",
    "redeployed",
    "transferred_in",
    "transferred_out",
    "required_rms",
    "gap",
)


def required_rms(instance: Instance, actions: pd.DataFrame) -> pd.DataFrame:
    """Per branch and RM line: today's active RMs in position ``rm``, what the plan adds and
    takes away there, the RMs the plan requires and the ``gap`` (required - today).

    Rows for every (branch, line) with RMs today or an action; sorted by branch and line.
    """
    rms = active_rms(instance)
    if "position" in rms.columns:
        rms = rms[rms["position"].isin(["rm", ""])]
    acts = normalise_actions(actions)
    today = rms.groupby(["branch_id", "line"]).size()
    hires = acts[is_rm_hire(acts)]
    redeployed = hires["source"].isin(REDEPLOY_SOURCES)
    moved = acts[acts["action"] == "transfer"]
    origin = rms.set_index("rm_id")["branch_id"]
    out_from = moved["rm_id"].map(origin).fillna(moved["source"])

    def per(frame: pd.DataFrame, branch: pd.Series, counts: pd.Series) -> pd.Series:
        return (
            pd.DataFrame(
                {"b": branch.to_numpy(), "l": frame["line"].to_numpy(), "n": counts.to_numpy()}
            )
            .groupby(["b", "l"])["n"]
            .sum()
        )

    parts = {
        "current_rms": today,
        "hired": per(
            hires[~redeployed], hires.loc[~redeployed, "branch_id"], hires.loc[~redeployed, "count"]
        ),
        "redeployed": per(
            hires[redeployed], hires.loc[redeployed, "branch_id"], hires.loc[redeployed, "count"]
        ),
        "transferred_in": per(moved, moved["branch_id"], moved["count"]),
        "transferred_out": per(moved, out_from, moved["count"]),
    }
    keys = sorted(set().union(*(set(p.index) for p in parts.values())))
    table = pd.DataFrame(keys, columns=["branch_id", "line"])
    for name, series in parts.items():
        table[name] = [int(series.get(k, 0)) for k in keys]
    table["required_rms"] = (
        table["current_rms"]
        + table["hired"]
        + table["redeployed"]
        + table["transferred_in"]
        - table["transferred_out"]
    )
    table["gap"] = table["required_rms"] - table["current_rms"]
    table.insert(1, "level", table["branch_id"].map(branch_levels(instance)).fillna(""))
    return table[list(REQUIRED_COLUMNS)]
