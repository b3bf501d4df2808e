"""The quarter report: what a re-allocation did to the book, for branch heads and HR.

Four tables and one chart, from a plan alone (no solver):

- ``moves_by_rm``: per RM, its customers today who could stay, how many it kept, lost to other
  RMs (``moved_out``) or to nobody (``dropped``), and who joined it (moved in, reassigned from
  leavers, new);
- ``moves_by_branch``: the same per branch;
- ``leavers``: per departed RM (left the roster, or inactive), its customers and where they
  went: to an RM of the leaver's own branch, elsewhere, or nowhere;
- ``hysteresis``: customers whose tier the hysteresis kept, with the months below the line and
  the wait;
- ``chart.png``: moves per branch (moved out, reassigned in, dropped), the branches with the most
  change first.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from allocator.io import write_csv_safe

if TYPE_CHECKING:
    from allocator.plan import Plan

LEAVER_COLUMNS = [
    "leaver_rm_id",
    "leaver_branch_id",
    "customers",
    "same_branch",
    "elsewhere",
    "unassigned",
]
#: the most branches the chart shows (the busiest)
CHART_BRANCHES = 25


def quarter_report(plan: Plan) -> dict[str, pd.DataFrame]:
    """The report's tables (see the module docstring), keyed by name."""
    compiled = plan.compiled
    t = plan.assignments
    rms = compiled.instance.rms.set_index("rm_id")
    today = t["previous_rm_id"].astype(str)
    now = t["rm_id"].astype(str)
    status = t["status"].astype(str)
    could_stay = pd.Series(compiled.problem.current >= 0, index=t.index)

    def per(key: pd.Series, mask: pd.Series, name: str) -> pd.Series:
        return key[mask].value_counts().rename(name)

    columns = [
        per(today, could_stay, "customers_today"),
        per(today, could_stay & (status == "kept"), "kept"),
        per(today, status == "moved", "moved_out"),
        per(today, could_stay & (status == "unassigned"), "dropped"),
        per(now, status == "moved", "moved_in"),
        per(now, status == "reassigned", "reassigned_in"),
        per(now, status == "new", "new_in"),
    ]
    by_rm = pd.concat(columns, axis=1).fillna(0).astype(int)
    by_rm = by_rm[by_rm.index.isin(rms.index)]
    by_rm.index.name = "rm_id"
    by_rm.insert(0, "branch_id", rms["branch_id"].reindex(by_rm.index).to_numpy())
    by_rm = by_rm.reset_index().sort_values(["branch_id", "rm_id"], kind="stable")
    by_branch = by_rm.drop(columns="rm_id").groupby("branch_id", as_index=False).sum()
    return {
        "moves_by_rm": by_rm.reset_index(drop=True),
        "moves_by_branch": by_branch,
        "leavers": _leavers(plan),
        "hysteresis": _held(plan),
    }


def _leavers(plan: Plan) -> pd.DataFrame:
    compiled = plan.compiled
    t = plan.assignments
    departed = compiled.departed
    if not departed.any():
        return pd.DataFrame(columns=LEAVER_COLUMNS)
    rms = compiled.instance.rms.set_index("rm_id")
    cust = compiled.instance.customers
    leaver = t["previous_rm_id"].astype(str)[departed]
    leaver_branch = leaver.map(rms["branch_id"]).fillna("")
    home = leaver_branch.where(leaver_branch != "", cust["branch_id"][departed])
    rm_branch = t["rm_id"].astype(str)[departed].map(rms["branch_id"]).fillna("")
    frame = pd.DataFrame(
        {
            "leaver_rm_id": leaver,
            "leaver_branch_id": leaver_branch,
            "customers": 1,
            "same_branch": (rm_branch == home).astype(int),
            "elsewhere": ((rm_branch != home) & (rm_branch != "")).astype(int),
            "unassigned": (rm_branch == "").astype(int),
        }
    )
    return (
        frame.groupby(["leaver_rm_id", "leaver_branch_id"], as_index=False)
        .sum()
        .sort_values("customers", ascending=False, kind="stable")
        .reset_index(drop=True)
    )


def _held(plan: Plan) -> pd.DataFrame:
    compiled = plan.compiled
    tiers = compiled.tiers
    held = tiers["held"].to_numpy(dtype=object) != ""
    cust = compiled.instance.customers
    wait = [compiled.policy.hysteresis.wait(h) for h in tiers["held"][held]]
    return pd.DataFrame(
        {
            "customer_id": cust["customer_id"][held].to_numpy(),
            "branch_id": cust["branch_id"][held].to_numpy(),
            "tier_kept": tiers["held"][held].to_numpy(),
            "tier_by_value": tiers["value_tier"][held].to_numpy(),
            "months_below": cust["months_below"][held].to_numpy(),
            "wait_months": np.asarray(wait, dtype=np.int64),
        }
    )


def chart_png(report: dict[str, pd.DataFrame]) -> bytes:
    """The moves-per-branch chart as PNG bytes."""
    import io

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cols = ["moved_out", "reassigned_in", "dropped"]
    data = report["moves_by_branch"].set_index("branch_id")[cols]
    data = data[data.sum(axis=1) > 0]
    data = data.loc[data.sum(axis=1).sort_values(ascending=False).index[:CHART_BRANCHES]]
    fig, ax = plt.subplots(figsize=(9, 0.35 * max(len(data), 4) + 1.2))
    left = np.zeros(len(data))
    labels = {
        "moved_out": "moved to another RM",
        "reassigned_in": "reassigned from a leaver",
        "dropped": "lost their RM",
    }
    for col, color in zip(data.columns, ("#4C72B0", "#55A868", "#C44E52"), strict=True):
        ax.barh(data.index, data[col], left=left, color=color, label=labels[col])
        left += data[col].to_numpy()
    ax.invert_yaxis()
    ax.set_xlabel("customers")
    ax.set_title("Changes of RM this quarter, by branch")
    ax.legend(loc="lower right", fontsize="small")
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    plt.close(fig)
    return buf.getvalue()


def write_quarter_report(plan: Plan, out_dir: str | Path) -> dict[str, Path]:
    """Write the report's tables as spreadsheet-safe CSV and the chart as PNG into ``out_dir``
    (created)."""
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    report = quarter_report(plan)
    written: dict[str, Path] = {}
    for name, table in report.items():
        path = folder / f"{name}.csv"
        write_csv_safe(table, path)
        written[name] = path
    chart = folder / "chart.png"
    chart.write_bytes(chart_png(report))
    written["chart"] = chart
    return written
