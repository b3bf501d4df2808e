"""The plan over quarters: a quarter per row from today, orders arrive after their lead time,
leavers are replaced, coverage comes from allocating each quarter's bank."""

from __future__ import annotations

import pandas as pd

from allocator.instance import Instance
from allocator.policy import Policy
from scenarios.headcount.horizon import QUARTER_COLUMNS, plan_over_quarters


def test_a_plan_over_quarters(
    small_bank: Instance, small_staff: pd.DataFrame, policy: Policy
) -> None:
    targets = {"private": 1.0, "high": 1.0, "mid": 0.95}
    plan = plan_over_quarters(
        small_bank,
        targets,
        quarters=3,
        policy=policy,
        staff=small_staff,
        horizon={"attrition": {"annual_rate": 0.5}},  # leavers every quarter on a small bank
        allocate_time_limit=10,
        workers=1,
        seed=3,
        time_limit=30,
    )
    t = plan.table
    assert list(t.columns[: len(QUARTER_COLUMNS)]) == list(QUARTER_COLUMNS)
    assert t["quarter"].tolist() == [0, 1, 2, 3] and t["leavers"].sum() > 0
    assert t.loc[0, "coverage.high"] < 1.0  # short today
    assert t.loc[0, "cost_quarter"] == 0 and (t["cost_to_date"].diff().fillna(0) >= 0).all()
    a = plan.actions
    assert (a["ready_quarter"] > a["order_quarter"]).all()
    arrived = a.groupby("ready_quarter")["count"].sum()
    assert all(t.set_index("quarter").loc[q, "arrived"] <= n for q, n in arrived.items())
    assert t.loc[1:, "coverage.high"].max() == 1.0  # the hires arrive
