"""hires.csv out (contract columns first, folder created, spreadsheet-safe); the quota table in
(every bad row reported)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from allocator.errors import InputError
from scenarios.headcount.actions import ACTION_COLUMNS
from scenarios.headcount.io import load_quota, write_hires


def test_hires_file(tmp_path: Path) -> None:
    base = {c: "" for c in ACTION_COLUMNS} | {
        "count": 1,
        "annual_cost": 250_000.0,
        "lead_quarters": 1,
    }
    hires = pd.DataFrame([base | {"action": "hire", "branch_id": "=1+1", "note": "x"}])
    path = write_hires(hires, tmp_path / "missing" / "folder" / "hires.csv")
    written = pd.read_csv(path, keep_default_na=False)
    assert list(written.columns) == list(ACTION_COLUMNS)
    assert written["branch_id"].iloc[0] == "'=1+1"  # a formula cell is shown as text


def test_quota() -> None:
    assert load_quota({"O1": 3}, branches={"O1"}) == {"O1": 3}
    assert load_quota(None) is None
    frame = pd.DataFrame({"branch_id": ["O1", "O1", "XX"], "max_rms": ["2", "1.5", "3"]})
    with pytest.raises(InputError) as info:
        load_quota(frame, branches={"O1"})
    assert {(i.row, i.column) for i in info.value.issues} == {
        (3, "branch_id"),
        (3, "max_rms"),
        (4, "branch_id"),
    }
