"""The roster: RMs (rms.csv) and other staff (staff.csv) in one table, and the plan's changes."""

from __future__ import annotations

import pandas as pd

from allocator.instance import Instance
from scenarios.headcount.roster import ROSTER_COLUMNS, build_roster, with_changes
from scenarios.headcount.rules import StaffingRules
from scenarios.headcount.staff import load_staff


def test_rms_and_staff(
    small_bank: Instance, small_staff: pd.DataFrame, rules: StaffingRules
) -> None:
    roster = build_roster(small_bank, load_staff(small_staff), rules)
    f = roster.frame
    assert roster.staff_given and set(ROSTER_COLUMNS) <= set(f.columns)
    assert f.loc[f["role"] == "rm", "count"].sum() == len(small_bank.rms)
    assert f["count"].sum() == len(small_bank.rms) + sum(small_staff["count"])
    # an RM of a centre counts as one of its wealth managers (center_rm_role)
    vip = f[(f["unit"] == "vip_center") & (f["role"] == "rm")]
    assert set(vip["center_role"]) == {"wealth_manager"}


def test_staff_table_rms_are_not_counted_twice(small_bank: Instance, rules: StaffingRules) -> None:
    staff = load_staff(
        pd.DataFrame({"branch_id": ["O1"], "unit": ["outlet"], "role": ["rm"], "count": [9]})
    )
    roster = build_roster(small_bank, staff, rules)
    assert roster.frame["count"].sum() == len(small_bank.rms)
    assert any("9 RM(s) at O1" in n for n in roster.notes)


def test_the_older_form_counts_staff_beyond_the_rms(
    small_bank: Instance, rules: StaffingRules
) -> None:
    roster = build_roster(
        small_bank, load_staff(pd.DataFrame({"branch_id": ["O1"], "staff": [25]})), rules
    )
    at_o1 = roster.frame[roster.frame["branch_id"] == "O1"]
    assert at_o1["count"].sum() == 25  # 3 RMs and 22 others
    assert at_o1.loc[at_o1["role"] == "other", "count"].sum() == 22


def test_changes_net_out(small_bank: Instance, rules: StaffingRules) -> None:
    roster = build_roster(small_bank, None, rules)
    v = roster.frame[roster.frame["rm_id"] == "V_S1A"].iloc[0]
    certified = [("S1", "vip_center", "rm", "retail", "senior", "AFP;CFP", 1, "V_S1A")]
    removed = [("S1", "vip_center", "rm", "retail", "senior", v["certifications"], -1, "V_S1A")]
    after = with_changes(
        roster, pd.DataFrame(removed + certified, columns=list(ROSTER_COLUMNS)), rules
    )
    row = after.frame[after.frame["rm_id"] == "V_S1A"]
    assert len(row) == 1 and row["certifications"].iloc[0] == "AFP;CFP"
    assert after.frame["count"].sum() == roster.frame["count"].sum()
