"""The staff table: both forms read, every bad row reported at once (file, row, column, value)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from allocator.errors import InputError
from scenarios.headcount.staff import STAFF_COLUMNS, load_staff


def test_the_new_form(tmp_path: Path) -> None:
    path = tmp_path / "staff.csv"
    path.write_text(
        "branch_id,unit,role,count,certifications\n"
        "S1,vip_center,wealth_manager,3,cfp; afp\n"
        " O1 ,,lobby_manager,1,\n"
    )
    staff = load_staff(path, branches={"S1", "O1"})
    assert staff is not None and list(staff.columns) == list(STAFF_COLUMNS)
    assert staff["unit"].tolist() == ["vip_center", "outlet"]  # an empty unit is an outlet
    assert staff["certifications"].tolist() == ["CFP;AFP", ""]
    assert staff["count"].tolist() == [3, 1] and not staff["includes_rms"].any()
    assert load_staff(None) is None


def test_the_older_form_stays_valid() -> None:
    staff = load_staff(pd.DataFrame({"branch_id": ["O1"], "staff": [25]}))
    assert staff is not None
    row = staff.iloc[0]
    assert (row["role"], row["unit"], row["count"], row["includes_rms"]) == (
        "other",
        "outlet",
        25,
        True,
    )


def test_every_bad_row_is_reported() -> None:
    frame = pd.DataFrame(
        {
            "branch_id": ["O1", "XX", "O2", "O3"],
            "unit": ["outlet", "outlet", "bank", "outlet"],
            "role": ["teller", "counter", "counter", "counter"],
            "count": ["2", "1", "1.5", "-1"],
        }
    )
    with pytest.raises(InputError) as info:
        load_staff(frame, branches={"O1", "O2", "O3"})
    got = {(i.row, i.column) for i in info.value.issues}
    assert got == {(2, "role"), (3, "branch_id"), (4, "unit"), (4, "count"), (5, "count")}
    assert all(i.file == "staff" for i in info.value.issues)


def test_missing_columns() -> None:
    with pytest.raises(InputError, match="required column") as info:
        load_staff(pd.DataFrame({"branch_id": ["O1"], "role": ["counter"]}))
    assert {i.column for i in info.value.issues} == {"unit", "count"}
