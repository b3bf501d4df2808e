"""Required RMs are derived from the actions: one answer, branch by branch."""

from __future__ import annotations

import pandas as pd

from allocator.instance import Instance
from scenarios.headcount.actions import ACTION_COLUMNS
from scenarios.headcount.required import REQUIRED_COLUMNS, required_rms


def test_required_is_today_plus_the_plan(small_bank: Instance) -> None:
    base = {c: "" for c in ACTION_COLUMNS} | {"count": 1, "annual_cost": 0.0, "lead_quarters": 0}
    acts = pd.DataFrame(
        [
            base
            | {
                "action": "hire",
                "role": "rm",
                "branch_id": "O3",
                "line": "retail",
                "grade": "rm",
                "count": 2,
            },
            base
            | {
                "action": "hire",
                "role": "rm",
                "source": "counter",
                "branch_id": "O3",
                "line": "retail",
                "grade": "rm",
            },
            base
            | {
                "action": "transfer",
                "rm_id": "K_O1R",
                "role": "rm",
                "branch_id": "O2",
                "line": "corporate",
                "source": "O1",
            },
            base | {"action": "hire", "role": "lobby_manager", "branch_id": "O3"},
        ]
    )
    frame = required_rms(small_bank, acts)
    assert list(frame.columns) == list(REQUIRED_COLUMNS)
    table = frame.set_index(["branch_id", "line"])
    o3 = table.loc[("O3", "retail")]
    assert (o3["current_rms"], o3["hired"], o3["redeployed"], o3["required_rms"], o3["gap"]) == (
        1,
        2,
        1,
        4,
        3,
    )
    assert (
        table.loc[("O1", "corporate"), "gap"] == -1 and table.loc[("O2", "corporate"), "gap"] == 1
    )
    # the gaps are exactly the plan's net RM posts, branch by branch
    assert table["gap"].sum() == 3
