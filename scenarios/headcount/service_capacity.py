"""Each outlet's required RM count from service capacity: the ratio rule, beside the MILP.

The practitioners' articles size an outlet's RM team as customers over customers-per-RM; this
module gives that number per branch and line so that a user can set it beside the planner's
network answer (RMs of ancestors serve an outlet too, which a ratio cannot see). It reads the
bank only: no model, no hires.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from allocator.instance import Instance
from allocator.policy import Policy
from allocator.rules import assign_tiers
from scenarios.headcount.bank import active_rms, branch_levels


def required_rms(
    instance: Instance,
    policy: Policy,
    targets: Mapping[str, float] | None = None,
    service_capacity: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Each outlet's required RM count from service capacity (the articles' remedy).

    Per home branch and line: customers of the individually served tiers (times the tier's target
    when targets are given), and the RMs they need: ``ceil(sum(customers_t / per_rm_t))`` where
    ``per_rm_t`` is the service capacity table's ``customers_per_rm`` for the tier, else the
    line's default capacity divided by the tier's workload (policy). ``current_rms`` are the
    active RMs of the line sitting at the branch (RMs of ancestors serve it too: see the
    headcount plan for the network view).

    Returns
    -------
    pandas.DataFrame
        ``branch_id, level, line, customers, targeted, required_rms, current_rms, gap``.
    """
    tiers = assign_tiers(instance.customers, policy)
    served = ~tiers["pooled"].to_numpy(dtype=bool) & (tiers["tier"] != "").to_numpy()
    frame = pd.DataFrame(
        {
            "branch_id": instance.customers["branch_id"].to_numpy()[served],
            "line": instance.customers["segment"].to_numpy()[served],
            "tier": tiers["tier"].to_numpy()[served],
            "workload": tiers["workload"].to_numpy(dtype=float)[served],
        }
    )
    counts = (
        frame.groupby(["branch_id", "line", "tier"])
        .agg(customers=("workload", "size"), workload=("workload", "first"))
        .reset_index()
    )
    share = counts["tier"].map(lambda t: (targets or {}).get(t, 1.0 if not targets else 0.0))
    counts["targeted"] = np.ceil(counts["customers"] * share - 1e-9)
    per_rm = counts["line"].map(lambda ln: policy.default_capacity[ln]) / counts["workload"].where(
        counts["workload"] > 0
    )
    if service_capacity is not None:
        table = dict(
            zip(
                service_capacity["tier"],
                pd.to_numeric(service_capacity["customers_per_rm"]),
                strict=True,
            )
        )
        per_rm = counts["tier"].map(table).fillna(per_rm)
    counts["rm_share"] = counts["targeted"] / per_rm
    out = (
        counts.groupby(["branch_id", "line"])
        .agg(
            customers=("customers", "sum"),
            targeted=("targeted", "sum"),
            rm_need=("rm_share", "sum"),
        )
        .reset_index()
    )
    out["required_rms"] = np.ceil(out["rm_need"] - 1e-9).astype(int)
    have = active_rms(instance).groupby(["branch_id", "line"]).size()
    out["current_rms"] = [
        int(have.get((b, ln), 0)) for b, ln in zip(out["branch_id"], out["line"], strict=True)
    ]
    out["gap"] = (out["required_rms"] - out["current_rms"]).clip(lower=0)
    out.insert(1, "level", out["branch_id"].map(branch_levels(instance)))
    return out.drop(columns="rm_need")
