"""The audit of a plan's rows: each row's kind must be what its rule needs."""

from __future__ import annotations

import pandas as pd

from allocator.instance import Instance
from allocator.policy import Policy
from scenarios.headcount.actions import ACTION_COLUMNS
from scenarios.headcount.audit import audit_actions
from scenarios.headcount.rules import StaffingRules


def row(**values: object) -> dict[str, object]:
    base = {c: "" for c in ACTION_COLUMNS} | {"count": 1, "annual_cost": 0.0, "lead_quarters": 0}
    return base | {"action": "hire", "role": "rm", "line": "retail", "grade": "rm"} | values


def problems(
    rows: list[dict[str, object]], bank: Instance, policy: Policy, rules: StaffingRules
) -> list[str]:
    return audit_actions(pd.DataFrame(rows), bank, policy, rules)["problem"].tolist()


def test_rows_that_fit(small_bank: Instance, policy: Policy, rules: StaffingRules) -> None:
    ok = [
        row(
            branch_id="S1",
            unit="vip_center",
            certifications="AFP",
            rule="tier:high; rule:vip_center.certified",
        ),
        row(
            branch_id="O3",
            unit="outlet",
            rule="tier:mid; rule:rm_share; redeploy:counter",
            source="counter",
        ),
        row(
            role="assistant_post",
            line="",
            grade="",
            branch_id="O1",
            unit="outlet",
            rule="rule:assistants",
        ),
        row(
            action="certify",
            rm_id="V_S1A",
            branch_id="S1",
            unit="vip_center",
            certifications="CFP",
            rule="tier:private",
        ),
    ]
    assert problems(ok, small_bank, policy, rules) == []


def test_rows_of_the_wrong_kind(small_bank: Instance, policy: Policy, rules: StaffingRules) -> None:
    bad = [
        row(branch_id="S1", unit="vip_center", rule="rule:vip_center.certified"),  # uncertified
        row(branch_id="O1", unit="outlet", grade="assistant", rule="rule:rm_share"),  # filler
        row(branch_id="O1", unit="outlet", rule=""),  # for nothing
        row(branch_id="O1", unit="outlet", certifications="CFP", rule="tier:mid"),  # needless CFP
        row(branch_id="O1", unit="outlet", rule="tier:high"),  # an outlet RM may not serve high
    ]
    found = audit_actions(pd.DataFrame(bad), small_bank, policy, rules)
    assert sorted(set(found["row"])) == [0, 1, 2, 3, 4]  # every row, each for its own reason
    said = found.groupby("row")["problem"].agg(" | ".join)
    assert "AFP/CFP" in said[0] and "filler" in said[1] and "serves no tier" in said[2]
    assert "certification" in said[3] and "may not serve tier high" in said[4]
