"""Compare any two plans of one bank: baseline vs scenario, last quarter vs this.

:mod:`scenarios.compare` compares a scenario with the baseline it was derived from, metric by
metric. Planners also ask the plainer question of any two plans they hold -- two files, two jobs
-- "what differs, where, for whom": the headline figures side by side, the customers whose RM
differs between them, and both by branch and by tier. Everything here is computed from the plan
tables themselves (so two CSV files compare as well as two stored jobs); with the bank given, it
adds the figures that need it (the customers' branches, cover value, RM load against capacity).

Column names follow the contract's plan (``customer_id, rm_id, tier, status``); side ``a`` is
the first plan, ``b`` the second, and every delta is ``b - a``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from allocator.instance import Instance
from allocator.policy import Policy
from allocator.rules import assign_tiers

#: statuses that mean a customer's RM changes against today's book
CHANGING = ("moved", "reassigned", "new")
#: the headline figures, in the order a table shows them, with words for people
HEADLINES = {
    "customers": "customers",
    "individual": "customers to serve one-to-one",
    "assigned": "customers with an RM",
    "assigned_share": "share of them with an RM",
    "unassigned": "customers left without an RM",
    "changing": "customers changing RM (moved, reassigned, new)",
    "status.kept": "kept their RM",
    "status.moved": "moved to another RM",
    "status.reassigned": "reassigned (their RM left or no longer fits)",
    "status.new": "given a first RM",
    "cover_value": "value of customers with an RM (priority points)",
    "utilisation.max": "busiest RM's load (share of capacity)",
    "utilisation.p50": "median RM's load (share of capacity)",
    "rms_over_capacity": "RMs over capacity",
}


@dataclass(frozen=True)
class BankFacts:
    """What a comparison needs from the bank beyond the plans (all optional in use).

    Attributes
    ----------
    branch : pandas.Series
        customer id -> home branch.
    workload, priority : pandas.Series
        customer id -> workload points, priority (from the policy's tiers).
    capacity : pandas.Series
        RM id -> capacity in workload points.
    """

    branch: pd.Series
    workload: pd.Series
    priority: pd.Series
    capacity: pd.Series

    @classmethod
    def of(cls, instance: Instance, policy: Policy) -> BankFacts:
        """The facts of a validated bank under ``policy``."""
        customers = instance.customers
        ids = customers["customer_id"].astype(str).to_numpy()
        tiers = assign_tiers(customers, policy)
        rms = instance.rms
        default = rms["line"].map(lambda line: policy.default_capacity.get(line, math.nan))
        capacity = rms["capacity"].astype(float).fillna(default.astype(float))
        return cls(
            branch=pd.Series(customers["branch_id"].astype(str).to_numpy(), index=ids),
            workload=pd.Series(tiers["workload"].to_numpy(dtype=float), index=ids),
            priority=pd.Series(tiers["priority"].to_numpy(dtype=float), index=ids),
            capacity=pd.Series(capacity.to_numpy(dtype=float), index=rms["rm_id"].astype(str)),
        )


@dataclass(frozen=True)
class PlanComparison:
    """Two plans side by side.

    Attributes
    ----------
    headline : pandas.DataFrame
        ``metric, label, a, b, delta``.
    by_branch, by_tier : pandas.DataFrame
        ``branch_id`` (or ``tier``), ``customers, assigned_a, assigned_b, assigned_delta,
        changing_a, changing_b, differ``: ``differ`` counts customers whose RM differs between
        the plans.
    differ : pandas.DataFrame
        One row per customer whose RM differs: ``customer_id, branch_id, tier_a, tier_b,
        rm_a, rm_b, status_a, status_b``.
    only_a, only_b : int
        Customers in one plan only (compared plans of different banks).
    """

    headline: pd.DataFrame
    by_branch: pd.DataFrame
    by_tier: pd.DataFrame
    differ: pd.DataFrame
    only_a: int = 0
    only_b: int = 0
    notes: list[str] = field(default_factory=list)


def _frame(plan: pd.DataFrame) -> pd.DataFrame:
    out = pd.DataFrame(
        {
            "customer_id": plan["customer_id"].astype(str).to_numpy(),
            "rm_id": plan["rm_id"].fillna("").astype(str).to_numpy(),
            "tier": plan["tier"].fillna("").astype(str).to_numpy(),
            "status": plan["status"].fillna("").astype(str).to_numpy(),
        }
    )
    return out.drop_duplicates("customer_id").set_index("customer_id")


def plan_figures(plan: pd.DataFrame, facts: BankFacts | None = None) -> dict[str, float]:
    """The headline figures of one plan (see :data:`HEADLINES`)."""
    p = _frame(plan)
    individual = p["status"] != "pooled"
    assigned = individual & (p["rm_id"] != "")
    out: dict[str, float] = {
        "customers": float(len(p)),
        "individual": float(individual.sum()),
        "assigned": float(assigned.sum()),
        "assigned_share": float(assigned.sum() / individual.sum())
        if individual.any()
        else math.nan,
        "unassigned": float((p["status"] == "unassigned").sum()),
        "changing": float(p["status"].isin(CHANGING).sum()),
    }
    for status in ("kept", "moved", "reassigned", "new"):
        out[f"status.{status}"] = float((p["status"] == status).sum())
    if facts is not None:
        served = p.index[assigned.to_numpy()]
        out["cover_value"] = float(facts.priority.reindex(served).fillna(0).sum())
        load = facts.workload.reindex(p.index).fillna(0).groupby(p["rm_id"]).sum()
        load = load[load.index != ""]
        share = (load / facts.capacity.reindex(load.index)).replace([np.inf], np.nan).dropna()
        full = share.reindex(facts.capacity.index).fillna(0.0)
        out["utilisation.max"] = float(full.max()) if len(full) else 0.0
        out["utilisation.p50"] = float(full.median()) if len(full) else 0.0
        out["rms_over_capacity"] = float((full > 1 + 1e-9).sum())
    return out


def _grouped(
    key: pd.Series, a: pd.DataFrame, b: pd.DataFrame, differ: pd.Series, name: str
) -> pd.DataFrame:
    assigned_a = (a["rm_id"] != "") & (a["status"] != "pooled")
    assigned_b = (b["rm_id"] != "") & (b["status"] != "pooled")
    frame = pd.DataFrame(
        {
            name: key.to_numpy(),
            "customers": 1,
            "assigned_a": assigned_a.to_numpy().astype(int),
            "assigned_b": assigned_b.to_numpy().astype(int),
            "changing_a": a["status"].isin(CHANGING).to_numpy().astype(int),
            "changing_b": b["status"].isin(CHANGING).to_numpy().astype(int),
            "differ": differ.to_numpy().astype(int),
        }
    )
    out = frame.groupby(name, as_index=False).sum()
    out.insert(4, "assigned_delta", out["assigned_b"] - out["assigned_a"])
    return out.sort_values([*(["differ"] if len(out) else []), name], ascending=[False, True])


def compare_plans(
    a: pd.DataFrame, b: pd.DataFrame, facts: BankFacts | None = None
) -> PlanComparison:
    """Compare plan ``a`` with plan ``b`` (see the module docstring).

    Customers in one plan only are counted (``only_a``, ``only_b``) and left out of the rows.
    """
    pa, pb = _frame(a), _frame(b)
    common = pa.index.intersection(pb.index, sort=False)
    ca, cb = pa.loc[common], pb.loc[common]
    differ = ca["rm_id"] != cb["rm_id"]
    branch = (
        facts.branch.reindex(common).fillna("").astype(str)
        if facts is not None
        else pd.Series("", index=common)
    )
    fig_a, fig_b = plan_figures(a, facts), plan_figures(b, facts)
    names = [m for m in HEADLINES if m in fig_a or m in fig_b]
    headline = pd.DataFrame(
        {
            "metric": names,
            "label": [HEADLINES[m] for m in names],
            "a": [fig_a.get(m, math.nan) for m in names],
            "b": [fig_b.get(m, math.nan) for m in names],
        }
    )
    headline["delta"] = headline["b"] - headline["a"]
    headline = pd.concat(
        [
            headline,
            pd.DataFrame(
                [
                    {
                        "metric": "differ",
                        "label": "customers whose RM differs between the plans",
                        "a": math.nan,
                        "b": math.nan,
                        "delta": float(differ.sum()),
                    }
                ]
            ),
        ],
        ignore_index=True,
    )
    rows = common[differ.to_numpy()]
    moved = pd.DataFrame(
        {
            "customer_id": rows,
            "branch_id": branch.loc[rows].to_numpy(),
            "tier_a": ca.loc[rows, "tier"].to_numpy(),
            "tier_b": cb.loc[rows, "tier"].to_numpy(),
            "rm_a": ca.loc[rows, "rm_id"].to_numpy(),
            "rm_b": cb.loc[rows, "rm_id"].to_numpy(),
            "status_a": ca.loc[rows, "status"].to_numpy(),
            "status_b": cb.loc[rows, "status"].to_numpy(),
        }
    )
    notes = []
    only_a, only_b = len(pa.index.difference(common)), len(pb.index.difference(common))
    if only_a or only_b:
        notes.append(
            f"{only_a} customer(s) only in plan a and {only_b} only in plan b are left out"
        )
    return PlanComparison(
        headline=headline,
        by_branch=_grouped(branch, ca, cb, differ, "branch_id"),
        by_tier=_grouped(cb["tier"].where(cb["tier"] != "", ca["tier"]), ca, cb, differ, "tier"),
        differ=moved,
        only_a=only_a,
        only_b=only_b,
        notes=notes,
    )


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as JSON-able dicts (NaN as ``None``)."""
    clean = frame.astype(object).where(frame.notna(), None)
    return [{str(k): v for k, v in row.items()} for row in clean.to_dict(orient="records")]
