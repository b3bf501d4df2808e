"""The plan: one row per customer with its RM, tier, status and reason, plus KPIs and
explanations.

Statuses (DATA_CONTRACT.md): ``kept`` (today's RM), ``moved`` (today's RM is active and eligible,
the plan gives another), ``reassigned`` (today's RM left, is inactive or no longer eligible),
``new`` (no RM today), ``unassigned`` (should have one, could not: the reason says why), ``pooled``
(a tier not served individually).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from allocator.compile import Compiled
from allocator.contract import PLAN_COLUMNS as PLAN_COLUMNS
from allocator.coverage import assign_coverage
from allocator.instance import Instance
from allocator.io import csv_text_safe, write_csv_safe, write_table
from allocator.kpis import compute_kpis, coverage_by_role
from allocator.policy import Policy
from allocator.reasons import explain_rows
from allocator.solution import Solution


@dataclass
class Plan:
    """A checked-ready plan with its KPIs.

    Attributes
    ----------
    assignments : pandas.DataFrame
        Contract v1 plan: customer_id, rm_id ("" for none), tier, status, reason; plus
        ``reason_code`` (machine-readable) and ``previous_rm_id`` (today's RM).
    kpis : dict
        :func:`allocator.kpis.compute_kpis` of the plan (JSON-able).
    solution : Solution
        What the backend returned (status, termination, stages with bounds).
    compiled : Compiled
        The compiled problem (for explanations).
    coverage : pandas.DataFrame
        coverage.csv (contract v1.1): ``customer_id, role, rm_id, reason``; a ``primary`` row
        per customer with an RM, then each coverage role that applies (filled, or with an
        empty ``rm_id`` and the reason).
    """

    assignments: pd.DataFrame
    kpis: dict[str, Any]
    solution: Solution
    compiled: Compiled = field(repr=False)
    coverage: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)

    @property
    def has_roles(self) -> bool:
        """Whether any coverage role beyond the primary RM applies (then coverage.csv is
        written beside plan.csv)."""
        return bool(len(self.coverage)) and bool((self.coverage["role"] != "primary").any())

    @property
    def instance(self) -> Instance:
        return self.compiled.instance

    @property
    def policy(self) -> Policy:
        return self.compiled.policy

    @property
    def status(self) -> str:
        return self.solution.status.value

    def to_csv(self, path: str | Path | None = None) -> str | None:
        """Write the plan as spreadsheet-safe CSV to ``path`` (atomically), or return the text
        when no path is given: an id or a reason that a spreadsheet would run as a formula
        (``=cmd|' /C calc'!A0``) gets a leading ``'`` (:mod:`allocator.io.safecsv`)."""
        if path is None:
            return csv_text_safe(self.assignments)
        write_csv_safe(self.assignments, path)
        return None

    def write(self, path: str | Path) -> Path:
        """Write the plan in the format the suffix of ``path`` names: ``.csv`` (spreadsheet-
        safe), ``.parquet``/``.pq`` or ``.xlsx``.

        Raises
        ------
        ValueError
            For any other suffix, before anything is written.
        """
        return write_table(self.assignments, path)

    def to_json(self) -> dict[str, Any]:
        """Plan rows and KPIs as one JSON-able dict."""
        return {"kpis": self.kpis, "assignments": self.assignments.to_dict(orient="records")}

    def kpis_json(self) -> str:
        return json.dumps(self.kpis, indent=2, sort_keys=False)

    def explain(self, customer_id: str, limit: int | None = None) -> dict[str, Any]:
        """Why this customer landed with this RM, or nowhere.

        Returns the row of the plan, the tier and its requirements, the lock, the eligibility
        funnel (RMs left after each rule), and the alternatives: every eligible RM with its final
        load and room, and the nearest ineligible RMs with the rule each breaks.

        ``limit`` lists only the closest alternatives (``alternatives_total`` counts them all).

        Raises
        ------
        KeyError
            For an unknown customer id.
        """
        from allocator.analysis import explain

        return explain(
            self.compiled, self.assignments, self.solution.assignment, customer_id, limit=limit
        )

    def summary(self) -> str:
        """A few lines for a terminal or a log (no customer data)."""
        k = self.kpis
        return (
            f"{k['assigned']}/{k['individual']} individually served customers assigned, "
            f"cover value {k['cover_value']}/{k['cover_value_max']}, "
            f"{k['status_counts']['moved']} moved; solve {k['solve']['status']} "
            f"({k['solve']['termination']}, {k['solve']['seconds']}s)"
        )


def build_plan(compiled: Compiled, solution: Solution) -> Plan:
    """Turn a solution into the contract's plan, with statuses, reasons and KPIs."""
    p = compiled.problem
    inst = compiled.instance
    a = np.asarray(solution.assignment, dtype=np.int64)
    n = p.n_customers
    rm_ids = compiled.rms.ids
    tiers = compiled.tiers
    pooled = tiers["pooled"].to_numpy(dtype=bool)
    current_id = inst.customers["current_rm_id"].to_numpy(dtype=object)
    rm_col = np.where(a >= 0, rm_ids[np.maximum(a, 0)] if rm_ids.size else "", "").astype(object)

    status = np.full(n, "unassigned", dtype=object)
    has_rm = a >= 0
    has_current = current_id != ""
    keepable = p.current >= 0
    status[has_rm & ~has_current] = "new"
    status[has_rm & has_current & ~keepable] = "reassigned"
    status[has_rm & keepable & (a != p.current)] = "moved"
    status[has_rm & (rm_col == current_id)] = "kept"
    status[pooled & ~has_rm] = "pooled"

    code, reason = explain_rows(compiled, solution, status)

    table = pd.DataFrame(
        {
            "customer_id": p.customer_ids,
            "rm_id": rm_col,
            "tier": tiers["tier"].to_numpy(dtype=object),
            "status": status,
            "reason": reason,
            "reason_code": code,
            "previous_rm_id": current_id,
        }
    )
    coverage = assign_coverage(compiled, a)
    kpis = compute_kpis(compiled, table, solution, table["reason_code"])
    kpis["coverage_by_role"] = coverage_by_role(coverage)
    return Plan(
        assignments=table, kpis=kpis, solution=solution, compiled=compiled, coverage=coverage
    )
