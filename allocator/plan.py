"""The plan: one row per customer with its RM, tier, status and reason, plus KPIs and
explanations.

Statuses (DATA_CONTRACT.md): ``kept`` (today's RM), ``moved`` (today's RM is active and eligible,
the plan gives another), ``reassigned`` (today's RM left, is inactive or no longer eligible),
``new`` (no RM today), ``unassigned`` (should have one, could not: the reason says why), ``pooled``
(a tier not served individually).
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from allocator.compile import LOCK_BROKEN, LOCK_HELD, Compiled
from allocator.contract import PLAN_COLUMNS as PLAN_COLUMNS
from allocator.instance import Instance
from allocator.kpis import compute_kpis
from allocator.policy import Policy
from allocator.reasons import (
    RmState,
    assignment_loads,
    funnel_reason,
    pair_reason,
    solve_reason,
)
from allocator.solution import Solution, SolutionStatus


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
    """

    assignments: pd.DataFrame
    kpis: dict[str, Any]
    solution: Solution
    compiled: Compiled = field(repr=False)

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
        """Write the plan as CSV to ``path``, or return the text when no path is given."""
        if path is None:
            buf = io.StringIO()
            self.assignments.to_csv(buf, index=False)
            return buf.getvalue()
        self.assignments.to_csv(path, index=False)
        return None

    def to_json(self) -> dict[str, Any]:
        """Plan rows and KPIs as one JSON-able dict."""
        return {"kpis": self.kpis, "assignments": self.assignments.to_dict(orient="records")}

    def kpis_json(self) -> str:
        return json.dumps(self.kpis, indent=2, sort_keys=False)

    def explain(self, customer_id: str) -> dict[str, Any]:
        """Why this customer landed with this RM, or nowhere.

        Returns the row of the plan, the tier and its requirements, the lock, the eligibility
        funnel (RMs left after each rule), and the alternatives: every eligible RM with its final
        load and room, and the nearest ineligible RMs with the rule each breaks.

        Raises
        ------
        KeyError
            For an unknown customer id.
        """
        from allocator.analysis import explain

        return explain(self.compiled, self.assignments, self.solution.assignment, customer_id)

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

    reason = np.full(n, "", dtype=object)
    code = np.full(n, "", dtype=object)
    reason[pooled] = "pooled tier: served by pools and channels"
    code[pooled] = "pooled"

    cls_of = compiled.classes.class_of
    counts = np.diff(p.customer_ptr)
    optimal = solution.status == SolutionStatus.OPTIMAL
    need = np.flatnonzero((status == "unassigned") & ~pooled)
    no_pairs = need[counts[need] == 0]
    funnel_cache: dict[int, tuple[str, str]] = {}
    for c in no_pairs:
        k = int(cls_of[c])
        if k not in funnel_cache:
            funnel_cache[k] = funnel_reason(compiled, k)
        code[c], reason[c] = funnel_cache[k]
    with_pairs = need[counts[need] > 0]
    if with_pairs.size:
        state = RmState(p, a)
        for c in with_pairs:
            code[c], reason[c] = solve_reason(compiled, int(c), state, optimal)

    _reassign_reasons(compiled, status, reason)
    _lock_reasons(compiled, reason)
    _move_reasons(compiled, a, status, reason)

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
    kpis = compute_kpis(compiled, table, solution, table["reason_code"])
    return Plan(assignments=table, kpis=kpis, solution=solution, compiled=compiled)


def _reassign_reasons(compiled: Compiled, status: np.ndarray, reason: np.ndarray) -> None:
    """Say why today's RM could not be kept: it left, is inactive or is no longer eligible."""
    cur = compiled.current_rm
    inst = compiled.instance
    current_id = inst.customers["current_rm_id"].to_numpy(dtype=object)
    for c in np.flatnonzero(
        ((status == "reassigned") | (status == "unassigned")) & (current_id != "")
    ):
        if compiled.problem.current[c] >= 0:
            continue
        r = int(cur[c])
        if r < 0:
            why = f"today's RM {current_id[c]} is no longer on the RM list"
        else:
            text = pair_reason(compiled, int(c), r)
            why = f"today's RM {current_id[c]} {text}" if text else ""
        if why:
            reason[c] = f"{reason[c]}; {why}" if reason[c] else why


def _lock_reasons(compiled: Compiled, reason: np.ndarray) -> None:
    for c in np.flatnonzero(compiled.lock_state == LOCK_HELD):
        reason[c] = reason[c] or "locked to today's RM"
    for c in np.flatnonzero(compiled.lock_state == LOCK_BROKEN):
        note = "lock cannot hold"
        reason[c] = f"{note}; {reason[c]}" if reason[c] else note


def _move_reasons(
    compiled: Compiled, a: np.ndarray, status: np.ndarray, reason: np.ndarray
) -> None:
    """Moves are the least wanted outcome; say what forced each one."""
    p = compiled.problem
    moved = np.flatnonzero(status == "moved")
    if moved.size == 0:
        return
    loads = assignment_loads(p, a)
    dedicated = np.zeros(p.n_rms, dtype=bool)
    excl = np.flatnonzero(p.exclusive & (a >= 0))
    dedicated[a[excl]] = True
    for c in moved:
        r = int(p.current[c])
        if p.group[c] >= 0:
            why = "moved with its group to one RM"
        elif dedicated[r] and not p.exclusive[c]:
            why = f"today's RM {p.rm_ids[r]} is now dedicated one-to-one to a key customer"
        elif loads[r] >= p.capacity[r] * 0.95:
            why = f"today's RM {p.rm_ids[r]} is at capacity with customers of higher priority"
        else:
            why = "moved to balance workload"
        reason[c] = reason[c] or why
