"""The plan made real: apply its actions to the bank, allocate, and see what coverage it gives.

The model plans on aggregate classes and fractional flows; the allocator serves whole customers,
keeps groups on one RM and obeys every side rule. Verification runs the real allocator -- the
one solve path, which checks its plan with the independent checker -- on the bank with the
actions applied, so a plan is judged by what it will do, not by what the model expected.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import pandas as pd

from allocator.instance import Instance
from allocator.policy import Policy
from scenarios.headcount.actions import apply_actions

#: columns of :func:`verify_actions`
VERIFICATION_COLUMNS = ("tier", "customers", "target", "assigned", "share", "missing", "ok")


def coverage_of(
    instance: Instance, policy: Policy, *, time_limit: float, seed: int, workers: int
) -> dict[str, dict[str, int]]:
    """Allocate ``instance`` (the checked pipeline) and return its coverage by tier."""
    from allocator.allocation import allocate  # the solver stack: only when verifying

    plan = allocate(instance, policy=policy, time_limit=time_limit, seed=seed, workers=workers)
    return dict(plan.kpis["coverage_by_tier"])


def verify_actions(
    instance: Instance,
    actions: pd.DataFrame,
    targets: Mapping[str, float],
    policy: Policy,
    *,
    time_limit: float = 30.0,
    seed: int = 0,
    workers: int = 2,
) -> pd.DataFrame:
    """Apply the actions, allocate, and per targeted tier: ``tier, customers, target, assigned,
    share, missing, ok``."""
    bank = apply_actions(instance, actions) if len(actions) else instance
    cov = coverage_of(bank, policy, time_limit=time_limit, seed=seed, workers=workers)
    rows = []
    for tier, share in targets.items():
        t = cov.get(tier, {"customers": 0, "assigned": 0})
        need = math.ceil(share * t["customers"] - 1e-9)
        rows.append(
            (
                tier,
                t["customers"],
                share,
                t["assigned"],
                t["assigned"] / t["customers"] if t["customers"] else 1.0,
                max(need - t["assigned"], 0),
                t["assigned"] >= need,
            )
        )
    return pd.DataFrame(rows, columns=list(VERIFICATION_COLUMNS))
