"""The staff table in (every bad row reported), HIRES.csv out (contract columns only)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from allocator.errors import InputError
from scenarios.headcount.io import load_staff, write_hires
from scenarios.headcount.profiles import HIRE_COLUMNS


def test_staff_table(tmp_path: Path) -> None:
    path = tmp_path / "staff.csv"
    path.write_text("branch_id,staff\n O1 ,25\nS1,10\n")
    staff = load_staff(path)
    assert staff is not None
    assert staff.to_dict(orient="list") == {"branch_id": ["O1", "S1"], "staff": [25, 10]}
    assert load_staff(None) is None


def test_bad_staff_rows_are_all_reported() -> None:
    frame = pd.DataFrame({"branch_id": ["O1", "O2", "O3"], "staff": ["x", 3, -1]})
    with pytest.raises(InputError) as info:
        load_staff(frame)
    assert [i.row for i in info.value.issues] == [2, 4]
    with pytest.raises(InputError, match="required column"):
        load_staff(pd.DataFrame({"branch_id": ["O1"]}))


def test_hires_file_has_the_contract_columns(tmp_path: Path) -> None:
    hires = pd.DataFrame(
        [("retail", "rm", "AFP", "S1", "vip_center", 1, 250_000.0, "extra")],
        columns=[*HIRE_COLUMNS, "note"],
    )
    written = pd.read_csv(write_hires(hires, tmp_path / "HIRES.csv"))
    assert list(written.columns) == list(HIRE_COLUMNS)
