"""Required RMs per outlet by the ratio rule (customers over customers per RM)."""

from __future__ import annotations

import math

import pandas as pd

from allocator.instance import Instance
from allocator.policy import Policy
from allocator.rules import assign_tiers
from scenarios.headcount.service_capacity import required_rms


def test_required_rms_from_service_capacity(small_bank: Instance, policy: Policy) -> None:
    table = required_rms(small_bank, policy, {"mid": 1.0, "high": 1.0})
    row = table[(table["branch_id"] == "O1") & (table["line"] == "retail")].iloc[0]
    tiers = assign_tiers(small_bank.customers, policy)
    at = small_bank.customers["branch_id"].eq("O1").to_numpy()
    work = tiers.loc[at & tiers["tier"].isin(["mid", "high"]).to_numpy(), "workload"].sum()
    assert row["required_rms"] == math.ceil(work / policy.default_capacity["retail"])
    assert row["current_rms"] == 2 and row["level"] == "outlet"
    per_rm = pd.DataFrame({"tier": ["mid", "high"], "customers_per_rm": [10, 5]})
    custom = required_rms(small_bank, policy, {"mid": 1.0, "high": 1.0}, per_rm)
    assert (custom["required_rms"] >= table["required_rms"]).all()
