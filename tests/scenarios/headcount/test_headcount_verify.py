"""The plan made real: actions applied, allocated by the checked pipeline, coverage per tier."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from allocator.instance import Instance
from allocator.policy import Policy
from scenarios.headcount.actions import ACTION_COLUMNS, empty_actions
from scenarios.headcount.verify import verify_actions


def test_verify_actions(
    tiny_bank: Callable[[int, float], Instance], policy: Policy, vip_hire: dict[str, object]
) -> None:
    bank = tiny_bank(15, 20)
    short = verify_actions(bank, empty_actions(), {"high": 1.0}, policy, workers=1)
    assert not short["ok"].iloc[0] and short["missing"].iloc[0] == 5
    base = {c: "" for c in ACTION_COLUMNS} | {"count": 2, "annual_cost": 0.0, "lead_quarters": 1}
    hire = base | vip_hire
    hired = verify_actions(bank, pd.DataFrame([hire]), {"high": 1.0}, policy, workers=1)
    assert hired["ok"].iloc[0] and hired["share"].iloc[0] == 1.0
