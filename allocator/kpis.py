"""Key figures of a plan: coverage by tier, cover value, churn, utilisation, reasons.

Computed from the plan table and the compiled problem; JSON-able (plain ints, floats, dicts) so
the CLI, the API and the scenario comparison all read the same numbers.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from allocator.compile import Compiled
from allocator.contract import LINES, STATUSES
from allocator.solution import Solution

#: utilisation at or above this is "overloaded" (near full), below UNDER is "underloaded"
OVER, UNDER = 0.95, 0.5


def compute_kpis(
    compiled: Compiled, assignments: pd.DataFrame, solution: Solution, codes: pd.Series
) -> dict[str, Any]:
    """KPIs of a plan.

    Parameters
    ----------
    compiled
        The compiled problem the plan solves.
    assignments
        The plan table (customer_id, rm_id, tier, status, reason).
    solution
        The backend's solution (for the solve section).
    codes
        Reason code per customer ("" when none).
    """
    p = compiled.problem
    tiers = compiled.tiers
    assigned = assignments["rm_id"].to_numpy(dtype=object) != ""
    pooled = tiers["pooled"].to_numpy(dtype=bool)
    priority = tiers["priority"].to_numpy(dtype=np.int64)

    by_tier: dict[str, dict[str, float]] = {}
    frame = pd.DataFrame({"tier": tiers["tier"].to_numpy(dtype=object), "assigned": assigned})
    frame = frame[~pooled]
    for tier in compiled.policy.all_tier_names():
        part = frame[frame["tier"] == tier]
        if len(part) == 0:
            continue
        k = int(part["assigned"].sum())
        by_tier[tier] = {"customers": len(part), "assigned": k, "share": k / len(part)}

    status_counts = {s: int((assignments["status"] == s).sum()) for s in STATUSES}
    a = _assignment_index(compiled, assignments)
    loads = p.loads(a) / p.weight_scale
    cap = p.capacity / p.weight_scale
    util: dict[str, dict[str, float]] = {}
    over = under = 0
    for line in LINES:
        sel = (compiled.rms.line == line) & (cap > 0)
        if not sel.any():
            continue
        u = loads[sel] / cap[sel]
        util[line] = {
            "rms": int(sel.sum()),
            "min": float(u.min()),
            "p50": float(np.percentile(u, 50)),
            "p95": float(np.percentile(u, 95)),
            "max": float(u.max()),
        }
        over += int((u >= OVER).sum())
        under += int((u < UNDER).sum())
    reasons = unassigned_codes(codes, assignments["status"]).value_counts()
    return {
        "customers": len(assignments),
        "individual": int((~pooled).sum()),
        "assigned": int(assigned.sum()),
        "cover_value": int(priority[assigned].sum()),
        "cover_value_max": int(priority[~pooled].sum()),
        "coverage_by_tier": by_tier,
        "status_counts": status_counts,
        "moved": status_counts["moved"],
        "utilisation": util,
        "overloaded_rms": over,
        "underloaded_rms": under,
        "unassigned_reasons": {str(k): int(v) for k, v in reasons.items()},
        "locks": {
            "held": int((compiled.lock_state == 1).sum()),
            "cannot_hold": int((compiled.lock_state == 2).sum()),
        },
        "solve": solve_summary(solution),
    }


def coverage_by_role(coverage: pd.DataFrame) -> dict[str, dict[str, int]]:
    """Per coverage role: how many times it applies and how many are filled."""
    out: dict[str, dict[str, int]] = {}
    for role, part in coverage.groupby("role", sort=False):
        out[str(role)] = {"applies": len(part), "filled": int((part["rm_id"] != "").sum())}
    return out


def unassigned_codes(codes: pd.Series, status: pd.Series) -> pd.Series:
    """Why each unassigned customer has no RM: the code of its reason that says so (a row's
    codes also say what became of today's RM, or that a lock could not hold)."""
    from allocator.reasons import UNASSIGNED

    rows = codes[(status == "unassigned").to_numpy()]
    main = [next((k for k in str(v).split(";") if k in UNASSIGNED), "") for v in rows]
    return pd.Series(main, dtype=object)[lambda s: s != ""]


def solve_summary(solution: Solution) -> dict[str, Any]:
    """The solve section of the KPIs: backend, status, why it stopped, stages with bound and gap."""
    return {
        "backend": solution.backend,
        "status": solution.status.value,
        "termination": solution.termination.value,
        "seconds": round(solution.seconds, 3),
        "stages": [
            {
                "name": s.name,
                "objective": s.objective,
                "bound": s.bound,
                "gap": s.gap,
                "status": s.status.value,
                "seconds": round(s.seconds, 3),
            }
            for s in solution.stages
        ],
    }


def _assignment_index(compiled: Compiled, assignments: pd.DataFrame) -> np.ndarray:
    index = compiled.rms.index
    return np.array([index.get(r, -1) if r else -1 for r in assignments["rm_id"]], dtype=np.int64)


def kpi_table(kpis: dict[str, Any]) -> list[tuple[str, str]]:
    """The KPIs as (label, value) rows for a terminal table."""
    rows: list[tuple[str, str]] = [
        ("customers (individually served tiers)", f"{kpis['customers']} ({kpis['individual']})"),
        ("assigned", str(kpis["assigned"])),
        ("cover value / max", f"{kpis['cover_value']} / {kpis['cover_value_max']}"),
    ]
    for tier, t in kpis["coverage_by_tier"].items():
        rows.append((f"coverage {tier}", f"{t['assigned']}/{t['customers']} ({t['share']:.1%})"))
    for s, v in kpis["status_counts"].items():
        rows.append((f"status {s}", str(v)))
    for line, u in kpis["utilisation"].items():
        rows.append(
            (
                f"utilisation {line} ({u['rms']} RMs)",
                f"min {u['min']:.0%}  p50 {u['p50']:.0%}  p95 {u['p95']:.0%}  max {u['max']:.0%}",
            )
        )
    rows.append(
        (
            f"RMs >= {OVER:.0%} / < {UNDER:.0%} loaded",
            f"{kpis['overloaded_rms']} / {kpis['underloaded_rms']}",
        )
    )
    for role, c in kpis.get("coverage_by_role", {}).items():
        if role != "primary":
            rows.append((f"role {role}", f"{c['filled']}/{c['applies']} filled"))
    for code, v in kpis["unassigned_reasons"].items():
        rows.append((f"unassigned: {code}", str(v)))
    solve = kpis["solve"]
    rows.append(
        (
            "solve",
            f"{solve['backend']} {solve['status']} ({solve['termination']}) {solve['seconds']}s",
        )
    )
    for st in solve["stages"]:
        rows.append(
            (
                f"  stage {st['name']}",
                f"{st['objective']:.6g} (bound {st['bound']:.6g}, "
                f"gap {st['gap']:.2%}, {st['status']})",
            )
        )
    return rows
