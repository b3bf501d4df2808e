"""Hires made real: add them to the bank, allocate, and see whether the targets are met.

The model plans on aggregate classes and fractional flows; the allocator serves whole customers,
keeps groups on one RM and obeys every side rule. Verification runs the real allocator and the
independent checker on the bank with the hires, so a plan is judged by what it will do, not by
what the model expected.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import pandas as pd

from allocator.contract import certification_list
from allocator.instance import Instance
from allocator.policy import Policy
from scenarios.edits import add_rms

#: columns of :func:`verify_hires`
VERIFICATION_COLUMNS = ("tier", "customers", "target", "assigned", "share", "missing", "ok")


def apply_hires(instance: Instance, hires: pd.DataFrame, prefix: str = "HIRE") -> Instance:
    """The bank with the hires added as active RMs (:func:`scenarios.edits.add_rms` per row).

    Through the scenario edit, so new ids never clash with existing ones and the edited bank is
    the one a scenario would see.
    """
    for row in hires.to_dict(orient="records"):
        instance = add_rms(
            instance,
            count=int(row["count"]),
            line=str(row["line"]),
            grade=str(row["grade"]),
            certifications=certification_list(row["certifications"]),
            branch_id=str(row["branch_id"]),
            unit=str(row["unit"]),
            prefix=prefix,
        )
    return instance


def verify_hires(
    instance: Instance,
    hires: pd.DataFrame,
    targets: Mapping[str, float],
    policy: Policy,
    *,
    time_limit: float = 30.0,
    seed: int = 0,
    workers: int = 2,
) -> pd.DataFrame:
    """Add the hires, allocate, check the plan: per tier ``tier, customers, target, assigned,
    share, missing, ok`` (``ok`` also requires the checker to pass)."""
    from allocator.allocation import allocate  # the solver stack: only when verifying
    from allocator.checker import check_plan

    bank = apply_hires(instance, hires) if len(hires) else instance
    plan = allocate(bank, policy=policy, time_limit=time_limit, seed=seed, workers=workers)
    report = check_plan(bank, plan.assignments, policy)
    rows = []
    for tier, share in targets.items():
        t = plan.kpis["coverage_by_tier"].get(tier, {"customers": 0, "assigned": 0})
        need = math.ceil(share * t["customers"] - 1e-9)
        rows.append(
            (
                tier,
                t["customers"],
                share,
                t["assigned"],
                t["assigned"] / t["customers"] if t["customers"] else 1.0,
                max(need - t["assigned"], 0),
                t["assigned"] >= need and report.ok,
            )
        )
    return pd.DataFrame(rows, columns=list(VERIFICATION_COLUMNS))
