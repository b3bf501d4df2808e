"""Tests of allocator.validation, bad input: every problem is named exactly (file, spreadsheet
row, column, value), every problem of every file at once, none capped."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from inputissues import issues_of, where, with_cell

from allocator.errors import InputError
from allocator.validation import load_instance

WriteCsv = Callable[[str, str], Path]


# -- one test per bad input --------------------------------------------------------------------
def test_missing_required_column(small_customers: pd.DataFrame, small_rms: pd.DataFrame) -> None:
    issues = issues_of(small_customers.drop(columns=["aum"]), small_rms.drop(columns=["grade"]))
    assert where(issues) == [("customers", None, "aum", None), ("rms", None, "grade", None)]
    assert issues[0].message == "required column is missing"


def test_missing_branch_columns(
    small_customers: pd.DataFrame, small_rms: pd.DataFrame, small_branches: pd.DataFrame
) -> None:
    issues = issues_of(small_customers, small_rms, small_branches.drop(columns=["parent_id"]))
    assert where(issues) == [("branches", None, "parent_id", None)]


@pytest.mark.parametrize(("cell", "quoted"), [("", None), ("  ", "  ")])
@pytest.mark.parametrize(
    "column", ["customer_id", "segment", "branch_id", "aum", "annual_contribution"]
)
def test_empty_required_customer_value(
    small_customers: pd.DataFrame,
    small_rms: pd.DataFrame,
    column: str,
    cell: str,
    quoted: str | None,
) -> None:
    issues = issues_of(with_cell(small_customers, 1, column, cell), small_rms)
    assert where(issues) == [("customers", 3, column, quoted)]  # blanks quoted as read
    assert issues[0].message == "empty: a value is required"


@pytest.mark.parametrize("column", ["rm_id", "line", "grade", "branch_id"])
def test_empty_required_rm_value(
    small_customers: pd.DataFrame, small_rms: pd.DataFrame, column: str
) -> None:
    # row 3 (R2) is nobody's current RM, so an empty rm_id there breaks no reference
    assert where(issues_of(small_customers, with_cell(small_rms, 1, column, ""))) == [
        ("rms", 3, column, None)
    ]


def test_empty_branch_level(
    small_customers: pd.DataFrame, small_rms: pd.DataFrame, small_branches: pd.DataFrame
) -> None:
    branches = with_cell(small_branches, 5, "level", "")
    assert where(issues_of(small_customers, small_rms, branches)) == [
        ("branches", 7, "level", None)
    ]


def test_duplicate_customer_id_names_every_row(
    small_customers: pd.DataFrame, small_rms: pd.DataFrame
) -> None:
    customers = with_cell(
        with_cell(small_customers, 1, "customer_id", "K1"), 3, "customer_id", "K1"
    )
    issues = issues_of(customers, small_rms)
    assert where(issues) == [
        ("customers", 2, "customer_id", "K1"),
        ("customers", 3, "customer_id", "K1"),
        ("customers", 5, "customer_id", "K1"),
    ]
    assert issues[0].message == "duplicate customer_id: also on row(s) 3, 5"
    assert issues[2].message == "duplicate customer_id: also on row(s) 2, 3"


def test_duplicate_rm_id(small_customers: pd.DataFrame, small_rms: pd.DataFrame) -> None:
    rms = with_cell(small_rms, 1, "rm_id", "R3")
    assert where(issues_of(small_customers, rms)) == [
        ("rms", 3, "rm_id", "R3"),
        ("rms", 4, "rm_id", "R3"),
    ]


def test_duplicate_branch_id(
    small_customers: pd.DataFrame, small_rms: pd.DataFrame, small_branches: pd.DataFrame
) -> None:
    branches = with_cell(small_branches, 5, "branch_id", "O1")
    customers = with_cell(small_customers, 1, "branch_id", "O1")  # O2 is gone
    assert where(issues_of(customers, small_rms, branches)) == [
        ("branches", 6, "branch_id", "O1"),
        ("branches", 7, "branch_id", "O1"),
    ]


@pytest.mark.parametrize(
    ("table", "column", "value"),
    [
        ("customers", "segment", "personal"),
        ("customers", "list_tier", "national"),
        ("rms", "line", "mixed"),
        ("rms", "position", "manager"),
        ("rms", "grade", "boss"),
        ("rms", "unit", "vip"),
        ("branches", "level", "region"),
    ],
)
def test_unknown_enum_value(
    small_customers: pd.DataFrame,
    small_rms: pd.DataFrame,
    small_branches: pd.DataFrame,
    table: str,
    column: str,
    value: str,
) -> None:
    frames = {"customers": small_customers, "rms": small_rms, "branches": small_branches}
    frames[table] = with_cell(frames[table], 1, column, value)
    issues = issues_of(frames["customers"], frames["rms"], frames["branches"])
    assert where(issues) == [(table, 3, column, value)]
    assert issues[0].message.startswith(f"unknown {column}: use one of ")


@pytest.mark.parametrize(
    ("row", "value", "segment"), [(0, "potential", "corporate"), (1, "hq", "retail")]
)
def test_list_tier_of_the_wrong_segment(
    small_customers: pd.DataFrame, small_rms: pd.DataFrame, row: int, value: str, segment: str
) -> None:
    customers = with_cell(small_customers.assign(group_id=""), row, "segment", segment)
    customers = with_cell(customers, row, "list_tier", value)
    customers = with_cell(customers, row, "locked", "")
    issues = issues_of(customers, small_rms)
    assert where(issues) == [("customers", row + 2, "list_tier", value)]
    assert f"not {segment}" in issues[0].message


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("abc", "not a number"),
        ("1,000", "not a number"),
        ("nan", "not a number"),
        ("inf", "not a finite number"),
        ("-5", "must be a number >= 0 (negative)"),
        ("-inf", "not a finite number"),
    ],
)
@pytest.mark.parametrize("column", ["aum", "annual_contribution"])
def test_bad_customer_amount(
    small_customers: pd.DataFrame, small_rms: pd.DataFrame, column: str, value: str, message: str
) -> None:
    issues = issues_of(with_cell(small_customers, 2, column, value), small_rms)
    assert where(issues)[0] == ("customers", 4, column, value)
    assert issues[0].message == message


@pytest.mark.parametrize(
    ("value", "message"),
    [("0", "must be a number > 0"), ("-3", "must be a number > 0"), ("lots", "not a number")],
)
def test_bad_capacity(
    small_customers: pd.DataFrame, small_rms: pd.DataFrame, value: str, message: str
) -> None:
    issues = issues_of(small_customers, with_cell(small_rms, 0, "capacity", value))
    assert where(issues) == [("rms", 2, "capacity", value)]
    assert issues[0].message == message


def test_bad_numbers_in_a_typed_frame(
    small_customers: pd.DataFrame, small_rms: pd.DataFrame
) -> None:
    customers = small_customers.assign(aum=[1.0, -2.0, np.inf, np.nan])
    assert where(issues_of(customers, small_rms)) == [
        ("customers", 3, "aum", "-2"),
        ("customers", 4, "aum", "inf"),
        ("customers", 5, "aum", None),
    ]


@pytest.mark.parametrize(("table", "column"), [("customers", "locked"), ("rms", "active")])
def test_bad_boolean(
    small_customers: pd.DataFrame, small_rms: pd.DataFrame, table: str, column: str
) -> None:
    frames = {"customers": small_customers, "rms": small_rms}
    frames[table] = with_cell(frames[table], 0, column, "maybe")
    issues = issues_of(frames["customers"], frames["rms"])
    assert where(issues) == [(table, 2, column, "maybe")]
    assert issues[0].message.startswith("not a boolean")


@pytest.mark.parametrize("table", ["customers", "rms"])
def test_unknown_branch_reference(
    small_customers: pd.DataFrame, small_rms: pd.DataFrame, small_branches: pd.DataFrame, table: str
) -> None:
    frames = {"customers": small_customers, "rms": small_rms}
    frames[table] = with_cell(frames[table], 1, "branch_id", "O9")
    issues = issues_of(frames["customers"], frames["rms"], small_branches)
    assert where(issues) == [(table, 3, "branch_id", "O9")]
    assert "not in branches" in issues[0].message


def test_branch_references_are_not_checked_without_a_branches_file(
    small_customers: pd.DataFrame, small_rms: pd.DataFrame
) -> None:
    instance = load_instance(with_cell(small_customers, 1, "branch_id", "O9"), small_rms)
    assert "O9" in instance.branches["branch_id"].tolist()


def test_unknown_parent(
    small_customers: pd.DataFrame, small_rms: pd.DataFrame, small_branches: pd.DataFrame
) -> None:
    branches = with_cell(small_branches, 1, "parent_id", "XX")
    issues = issues_of(small_customers, small_rms, branches)
    assert where(issues) == [("branches", 3, "parent_id", "XX")]
    assert issues[0].message.startswith("unknown parent_id")


def test_unknown_current_rm_is_a_leaver(
    small_customers: pd.DataFrame, small_rms: pd.DataFrame
) -> None:
    # HR exports drop leavers: an RM id not in rms.csv is valid input (contract v1.1)
    instance = load_instance(with_cell(small_customers, 2, "current_rm_id", "R7"), small_rms)
    assert instance.customers["current_rm_id"].iat[2] == "R7"


def test_v1_1_customer_columns_are_checked(
    small_customers: pd.DataFrame, small_rms: pd.DataFrame
) -> None:
    bad = with_cell(small_customers, 0, "previous_tier", "gold")
    bad = with_cell(bad, 1, "months_below", "1.5")
    bad = with_cell(bad, 2, "deposits", "-3")
    issues = issues_of(bad, small_rms)
    assert [(i.row, i.column) for i in issues] == [
        (2, "previous_tier"),
        (3, "months_below"),
        (4, "deposits"),
    ]


def test_forbid_rm_ids_are_normalised(
    small_customers: pd.DataFrame, small_rms: pd.DataFrame
) -> None:
    frame = with_cell(small_customers, 0, "forbid_rm_ids", " R2; R3;R2")
    assert load_instance(frame, small_rms).customers["forbid_rm_ids"].iat[0] == "R2;R3"


def test_branch_cycle_names_the_rows_of_the_cycle(
    small_customers: pd.DataFrame, small_rms: pd.DataFrame, small_branches: pd.DataFrame
) -> None:
    # HQ <- P1 <- C1 <- S1, and HQ's parent made S1: a cycle of four; O1, O2 only hang off it
    branches = with_cell(small_branches, 0, "parent_id", "S1")
    issues = issues_of(small_customers, small_rms, branches)
    cycle = [i for i in issues if i.column == "parent_id"]
    assert where(cycle) == [
        ("branches", 2, "parent_id", "S1"),
        ("branches", 3, "parent_id", "HQ"),
        ("branches", 4, "parent_id", "P1"),
        ("branches", 5, "parent_id", "C1"),
    ]
    assert cycle[0].message == "parent_id forms a cycle: rows 2 -> 5 -> 4 -> 3 -> 2"
    assert cycle[3].message == "parent_id forms a cycle: rows 5 -> 4 -> 3 -> 2 -> 5"
    # head_office under subbranch is also a level error
    assert where([i for i in issues if i.column == "level"]) == [
        ("branches", 2, "level", "head_office")
    ]


def test_branch_that_is_its_own_parent(
    small_customers: pd.DataFrame, small_rms: pd.DataFrame, small_branches: pd.DataFrame
) -> None:
    branches = with_cell(small_branches, 4, "parent_id", "O1")
    issues = issues_of(small_customers, small_rms, branches)
    assert where(issues) == [
        ("branches", 6, "parent_id", "O1"),
        ("branches", 6, "level", "outlet"),
    ]
    assert issues[0].message == "parent_id forms a cycle: rows 6 -> 6"


@pytest.mark.parametrize(("row", "level"), [(4, "subbranch"), (2, "province"), (1, "head_office")])
def test_level_not_below_parent(
    small_customers: pd.DataFrame,
    small_rms: pd.DataFrame,
    small_branches: pd.DataFrame,
    row: int,
    level: str,
) -> None:
    issues = issues_of(small_customers, small_rms, with_cell(small_branches, row, "level", level))
    assert (("branches", row + 2, "level", level)) in where(issues)
    assert "is not below its parent's level" in issues[0].message


def test_locked_without_current_rm(small_customers: pd.DataFrame, small_rms: pd.DataFrame) -> None:
    customers = with_cell(small_customers, 1, "locked", "yes")
    issues = issues_of(customers, small_rms)
    assert where(issues) == [("customers", 3, "locked", "yes")]
    assert "current_rm_id is empty" in issues[0].message


def test_group_of_both_segments(small_customers: pd.DataFrame, small_rms: pd.DataFrame) -> None:
    customers = with_cell(small_customers, 1, "group_id", "G1")
    issues = issues_of(customers, small_rms)
    assert where(issues) == [
        ("customers", 3, "group_id", "G1"),
        ("customers", 4, "group_id", "G1"),
        ("customers", 5, "group_id", "G1"),
    ]
    assert issues[0].message.endswith("this one is retail")
    assert issues[1].message.endswith("this one is corporate")


def test_duplicate_contract_column_in_a_frame(
    small_customers: pd.DataFrame, small_rms: pd.DataFrame
) -> None:
    rms = small_rms.rename(columns={"unit": " grade"})
    issues = issues_of(small_customers, rms)
    assert where(issues) == [("rms", None, "grade", None)]
    assert issues[0].message == "column appears 2 times in the header"


# -- reporting ---------------------------------------------------------------------------------
def test_every_problem_of_every_file_at_once(write_csv: WriteCsv) -> None:
    customers = write_csv(
        "customers.csv",
        "customer_id,segment,branch_id,aum,annual_contribution,current_rm_id,locked\n"
        "K1,retail,O1,abc,0,,\n"
        "K1,retail,O7,5,0,,y\n",
    )
    rms = write_csv(
        "rms.csv", "rm_id,line,grade,branch_id,capacity\nR1,retail,rm,O1,0\nR2,retial,rm,O1,\n"
    )
    branches = write_csv(
        "branches.csv", "branch_id,parent_id,level\nHQ,,head_office\nO1,HQ,outlet\nO2,O2,outlet\n"
    )
    issues = issues_of(customers, rms, branches)
    assert where(issues) == [
        ("customers.csv", 2, "customer_id", "K1"),
        ("customers.csv", 2, "aum", "abc"),
        ("customers.csv", 3, "customer_id", "K1"),
        ("customers.csv", 3, "branch_id", "O7"),
        ("customers.csv", 3, "locked", "y"),
        ("rms.csv", 2, "capacity", "0"),
        ("rms.csv", 3, "line", "retial"),
        ("branches.csv", 4, "parent_id", "O2"),
        ("branches.csv", 4, "level", "outlet"),
    ]


def test_unreadable_file_is_reported_with_the_others(
    tmp_path: Path, write_csv: WriteCsv, small_rms: pd.DataFrame
) -> None:
    customers = write_csv("customers.csv", "customer_id,segment\nK1,retail\n")
    issues = issues_of(customers, small_rms.drop(columns=["line"]), tmp_path / "branches.csv")
    assert where(issues) == [
        ("customers.csv", None, "branch_id", None),
        ("customers.csv", None, "aum", None),
        ("customers.csv", None, "annual_contribution", None),
        ("rms", None, "line", None),
        ("branches.csv", None, None, None),
    ]
    assert issues[-1].message == "file not found"


def test_nothing_is_capped(small_rms: pd.DataFrame) -> None:
    n = 2500
    customers = pd.DataFrame(
        {
            "customer_id": [f"K{i}" for i in range(n)],
            "segment": "retail",
            "branch_id": "O1",
            "aum": "-1",
            "annual_contribution": "0",
        }
    )
    with pytest.raises(InputError) as exc:
        load_instance(customers, small_rms)
    assert len(exc.value.issues) == n
    assert [i.row for i in exc.value.issues] == list(range(2, n + 2))
    assert exc.value.report(limit=3).endswith(f"... and {n - 3} more")
