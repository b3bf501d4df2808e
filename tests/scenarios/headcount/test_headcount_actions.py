"""hires.csv rows applied: to the bank (through the scenario edits) and to the roster."""

from __future__ import annotations

import numpy as np
import pandas as pd

from allocator.instance import Instance
from scenarios.headcount.actions import (
    ACTION_COLUMNS,
    CONTRACT_COLUMNS,
    apply_actions,
    roster_changes,
)
from scenarios.headcount.roster import Roster, with_changes
from scenarios.headcount.rules import StaffingRules

#: a counter clerk of O3 redeployed as a retail RM: applied to the bank and to the roster alike
REDEPLOY_O3_COUNTER = {
    "action": "hire",
    "role": "rm",
    "source": "counter",
    "branch_id": "O3",
    "unit": "outlet",
    "line": "retail",
    "grade": "rm",
}


def actions(*rows: dict[str, object]) -> pd.DataFrame:
    base = {c: "" for c in ACTION_COLUMNS} | {"count": 1, "annual_cost": 0.0, "lead_quarters": 0}
    return pd.DataFrame([base | r for r in rows])[list(ACTION_COLUMNS)]


def test_the_contract_columns_come_first() -> None:
    assert ACTION_COLUMNS[: len(CONTRACT_COLUMNS)] == CONTRACT_COLUMNS
    contract = "action rm_id branch_id unit line grade certifications count annual_cost rule"
    assert contract.split() == list(CONTRACT_COLUMNS)


def test_apply_each_action(small_bank: Instance, vip_hire: dict[str, object]) -> None:
    bank = apply_actions(
        small_bank,
        actions(
            vip_hire | {"count": 2},
            REDEPLOY_O3_COUNTER,
            {"action": "hire", "role": "lobby_manager", "branch_id": "O3", "unit": "outlet"},
            {
                "action": "certify",
                "rm_id": "V_S1A",
                "branch_id": "S1",
                "unit": "vip_center",
                "certifications": "CFP",
            },
            {"action": "transfer", "rm_id": "R_O2A", "branch_id": "O3", "unit": "outlet"},
        ),
    )
    rms = bank.rms.set_index("rm_id")
    assert (
        rms.index.str.startswith("HIRE").sum() == 2 and rms.index.str.startswith("RDP").sum() == 1
    )
    assert len(bank.rms) == len(small_bank.rms) + 3  # the lobby manager is not an RM
    assert set(rms.loc["V_S1A", "certifications"].split(";")) == {"AFP", "CFP"}
    assert rms.loc["R_O2A", "branch_id"] == "O3"


def test_an_empty_certifications_cell_read_back_is_no_certification(small_bank: Instance) -> None:
    row = actions(
        {"action": "hire", "line": "corporate", "grade": "rm", "branch_id": "O2", "unit": "outlet"}
    )
    row["certifications"] = np.nan  # "" read by pandas
    row["role"] = np.nan  # a file of the contract's columns only
    bank = apply_actions(small_bank, row)
    assert bank.rms["certifications"].iloc[-1] == ""


def test_roster_changes(small_bank: Instance, roster: Roster, rules: StaffingRules) -> None:
    acts = actions(
        REDEPLOY_O3_COUNTER,
        {
            "action": "certify",
            "role": "wealth_manager",
            "branch_id": "S1",
            "unit": "vip_center",
            "certifications": "AFP",
        },
    )
    after = with_changes(roster, roster_changes(acts, roster), rules).frame
    o3 = after[after["branch_id"] == "O3"]
    assert o3.loc[o3["role"] == "counter", "count"].sum() == 5 and (o3["role"] == "rm").sum() == 2
    vip = after[(after["branch_id"] == "S1") & (after["role"] == "wealth_manager")]
    assert dict(zip(vip["certifications"], vip["count"], strict=True)) == {"": 2, "AFP": 1}
    assert after["count"].sum() == roster.frame["count"].sum()
