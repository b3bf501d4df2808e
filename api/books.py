"""Books under a plan: each RM's customers today and in the plan, and each branch's totals.

What a branch head asks of a plan is not "what is the objective" but "whose customers change,
is anyone overloaded, who joins my RM's book and who leaves it". These are frames over a rebuilt
plan (its compiled problem gives each customer's workload and each RM's capacity); today's RM of
a customer is the plan's ``previous_rm_id`` (a re-solve's plan is stated against the real book).
Pure functions over frames: no database, no HTTP.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from allocator.plan import Plan
from api.scope import subtree


def _text(series: pd.Series) -> pd.Series:
    return series.fillna("").astype(str)


def customer_frame(plan: Plan) -> pd.DataFrame:
    """One row per customer: branch, tier, status, workload, today's RM and the plan's RM."""
    table = plan.assignments
    compiled = plan.compiled
    customers = plan.instance.customers
    branch = customers.set_index("customer_id")["branch_id"]
    workload = pd.Series(
        compiled.tiers["workload"].to_numpy(dtype=float),
        index=compiled.problem.customer_ids.astype(str),
    )
    ids = table["customer_id"].astype(str)
    return pd.DataFrame(
        {
            "customer_id": ids.to_numpy(),
            "branch_id": _text(ids.map(branch)).to_numpy(),
            "tier": _text(table["tier"]).to_numpy(),
            "status": _text(table["status"]).to_numpy(),
            "reason": _text(table["reason"]).to_numpy(),
            "workload": ids.map(workload).fillna(0.0).to_numpy(dtype=float),
            "today": _text(table["previous_rm_id"]).to_numpy(),
            "plan": _text(table["rm_id"]).to_numpy(),
        }
    )


def rm_loads(plan: Plan, frame: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every RM with its load today and in the plan, against its capacity, and how many of
    its customers join and leave."""
    frame = customer_frame(plan) if frame is None else frame
    compiled = plan.compiled
    scale = compiled.problem.weight_scale
    capacity = pd.Series(
        compiled.problem.capacity / scale, index=compiled.rms.ids.astype(str), dtype=float
    )
    rms = plan.instance.rms.set_index("rm_id")
    moving = frame["today"] != frame["plan"]

    def per(column: str, mask: Any = None) -> tuple[pd.Series, pd.Series]:
        part = frame if mask is None else frame[mask]
        grouped = part.groupby(column)
        return grouped["workload"].sum(), grouped.size()

    load_today, n_today = per("today")
    load_plan, n_plan = per("plan")
    _, joins = per("plan", moving)
    _, leaves = per("today", moving)
    ids = rms.index.astype(str)
    out = pd.DataFrame(
        {
            "rm_id": ids,
            "branch_id": _text(rms["branch_id"]).to_numpy(),
            "line": _text(rms["line"]).to_numpy(),
            "unit": _text(rms["unit"]).to_numpy(),
            "grade": _text(rms["grade"]).to_numpy(),
            "active": rms["active"].to_numpy(dtype=bool),
            "capacity": capacity.reindex(ids).fillna(0.0).to_numpy(),
            "load_today": load_today.reindex(ids).fillna(0.0).to_numpy(),
            "load_plan": load_plan.reindex(ids).fillna(0.0).to_numpy(),
            "customers_today": n_today.reindex(ids).fillna(0).astype(int).to_numpy(),
            "customers_plan": n_plan.reindex(ids).fillna(0).astype(int).to_numpy(),
            "joins": joins.reindex(ids).fillna(0).astype(int).to_numpy(),
            "leaves": leaves.reindex(ids).fillna(0).astype(int).to_numpy(),
        }
    )
    return out


def rm_book(frame: pd.DataFrame, rm_id: str) -> pd.DataFrame:
    """An RM's book: customers who stay, join (from where) and leave (to whom)."""
    stays = frame[(frame["today"] == rm_id) & (frame["plan"] == rm_id)]
    joins = frame[(frame["plan"] == rm_id) & (frame["today"] != rm_id)]
    leaves = frame[(frame["today"] == rm_id) & (frame["plan"] != rm_id)]
    parts = []
    for change, part, other in (
        ("joins", joins, "today"),
        ("leaves", leaves, "plan"),
        ("stays", stays, "plan"),
    ):
        parts.append(
            pd.DataFrame(
                {
                    "customer_id": part["customer_id"].to_numpy(),
                    "branch_id": part["branch_id"].to_numpy(),
                    "tier": part["tier"].to_numpy(),
                    "status": part["status"].to_numpy(),
                    "workload": part["workload"].to_numpy(),
                    "change": change,
                    "other_rm_id": part[other].to_numpy() if change != "stays" else "",
                    "reason": part["reason"].to_numpy(),
                }
            )
        )
    return pd.concat(parts, ignore_index=True)


def branch_rows(
    plan: Plan,
    frame: pd.DataFrame,
    loads: pd.DataFrame,
    decisions: pd.Series,
    branches: frozenset[str] | None = None,
) -> list[dict[str, Any]]:
    """Per branch (its whole subtree): customers, with an RM, moves and decisions, RMs and
    their load against capacity. ``decisions`` is each row of ``frame``'s decision (``""``
    for none); ``branches`` limits the rows (a scoped caller's subtree)."""
    tree = plan.instance.branches
    moving = (frame["today"] != frame["plan"]).to_numpy()
    individual = (frame["status"] != "pooled").to_numpy()
    with_rm = (frame["plan"] != "").to_numpy() & individual
    decided = decisions.to_numpy(dtype=object)
    out = []
    for branch, level in zip(tree["branch_id"].astype(str), tree["level"].astype(str), strict=True):
        if branches is not None and branch not in branches:
            continue
        below = subtree(tree, branch)
        c = frame["branch_id"].isin(below).to_numpy()
        r = loads["branch_id"].isin(below).to_numpy()
        out.append(
            {
                "branch_id": branch,
                "level": level,
                "customers": int(c.sum()),
                "individual": int((c & individual).sum()),
                "with_rm": int((c & with_rm).sum()),
                "moves": int((c & moving).sum()),
                "accepted": int((c & (decided == "accept")).sum()),
                "rejected": int((c & (decided == "reject")).sum()),
                "rms": int(r.sum()),
                "load": float(loads.loc[r, "load_plan"].sum()),
                "capacity": float(loads.loc[r, "capacity"].sum()),
            }
        )
    return out


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as JSON-able dicts."""
    clean = frame.replace([np.inf, -np.inf], np.nan).astype(object)
    clean = clean.where(clean.notna(), None)
    return [{str(k): v for k, v in row.items()} for row in clean.to_dict(orient="records")]
