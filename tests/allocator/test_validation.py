"""Tests of allocator.validation: every bad input named exactly, every good one normalised."""

from __future__ import annotations

import string
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tinybank import CUSTOMER_COLUMNS

from allocator.errors import InputError, InputIssue
from allocator.instance import Instance
from allocator.policy import load_policy
from allocator.validation import load_instance, normalise_certifications

WriteCsv = Callable[[str, str], Path]
Where = tuple[str, int | None, str | None, str | None]

STR = pd.StringDtype(na_value=np.nan)


def issues_of(
    customers: pd.DataFrame | Path,
    rms: pd.DataFrame | Path,
    branches: pd.DataFrame | Path | None = None,
    **kwargs: object,
) -> list[InputIssue]:
    with pytest.raises(InputError) as exc:
        load_instance(customers, rms, branches, **kwargs)  # type: ignore[arg-type]
    return exc.value.issues


def where(issues: list[InputIssue]) -> list[Where]:
    """The part of each issue a user needs to find the cell: file, row, column, value."""
    return [(i.file, i.row, i.column, i.value) for i in issues]


def with_cell(frame: pd.DataFrame, row: int, column: str, value: str) -> pd.DataFrame:
    """A copy of ``frame`` with one cell changed (``row`` counted from 0)."""
    out = frame.copy()
    out.loc[row, column] = value
    return out


# -- valid input, normalised -------------------------------------------------------------------
def test_valid_bank_loads_with_contract_dtypes(
    small_customers: pd.DataFrame, small_rms: pd.DataFrame, small_branches: pd.DataFrame
) -> None:
    instance = load_instance(small_customers, small_rms, small_branches)
    assert instance.branches_given
    assert instance.customers.dtypes.to_dict() == {
        "customer_id": STR,
        "segment": STR,
        "branch_id": STR,
        "aum": np.dtype("float64"),
        "annual_contribution": np.dtype("float64"),
        "list_tier": STR,
        "group_id": STR,
        "current_rm_id": STR,
        "locked": np.dtype("bool"),
        "forbid_rm_ids": STR,
        "previous_tier": STR,
        "months_below": np.dtype("int64"),
        "deposits": np.dtype("float64"),
    }
    assert instance.rms.dtypes.to_dict() == {
        "rm_id": STR,
        "line": STR,
        "grade": STR,
        "branch_id": STR,
        "certifications": STR,
        "unit": STR,
        "capacity": np.dtype("float64"),
        "active": np.dtype("bool"),
        "position": STR,
        "designated_private": np.dtype("bool"),
        "co_cover_capacity": np.dtype("float64"),
    }
    assert instance.branches.dtypes.to_dict() == {"branch_id": STR, "parent_id": STR, "level": STR}
    assert instance.customers["aum"].tolist() == [250000.0, 7000000.0, 0.0, 0.0]
    assert instance.customers["locked"].tolist() == [True, False, False, False]
    assert instance.rms["capacity"].isna().tolist() == [True, False, False]
    assert instance.rms["active"].tolist() == [True, True, False]
    for frame in (instance.customers, instance.rms, instance.branches):
        pd.testing.assert_index_equal(frame.index, pd.RangeIndex(len(frame)))


def test_values_are_stripped_defaulted_and_canonical(write_csv: WriteCsv) -> None:
    customers = write_csv(
        "customers.csv",
        "customer_id , segment,branch_id,aum,annual_contribution\n K1 ,Retail , O1 , 12.5 ,-0\n",
    )
    rms = write_csv(
        "rms.csv",
        "rm_id,line,grade,branch_id,certifications,unit,active\n"
        "R1,RETAIL,Senior,O1, cfp;afp ; CFP;;cpb,,\n",
    )
    instance = load_instance(customers, rms)
    assert instance.customers.iloc[0].to_dict() == {
        "customer_id": "K1",
        "segment": "retail",
        "branch_id": "O1",
        "aum": 12.5,
        "annual_contribution": 0.0,
        "list_tier": "",
        "group_id": "",
        "current_rm_id": "",
        "locked": False,
        "forbid_rm_ids": "",
        "previous_tier": "",
        "months_below": 0,
        "deposits": 0.0,
    }
    assert np.signbit(instance.customers["annual_contribution"]).tolist() == [False]
    rm = instance.rms.iloc[0].to_dict()
    assert rm["line"] == "retail" and rm["grade"] == "senior"
    assert rm["certifications"] == "CFP;AFP;CPB"
    assert rm["unit"] == "outlet"
    assert np.isnan(rm["capacity"])
    assert rm["active"] is True or rm["active"] == np.True_


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("", False),
        ("true", True),
        ("TRUE", True),
        ("1", True),
        ("Yes", True),
        ("y", True),
        ("T", True),
        ("false", False),
        ("0", False),
        ("no", False),
        ("N", False),
        ("f", False),
    ],
)
def test_boolean_spellings(
    small_customers: pd.DataFrame, small_rms: pd.DataFrame, cell: str, expected: bool
) -> None:
    instance = load_instance(with_cell(small_customers, 0, "locked", cell), small_rms)
    assert bool(instance.customers.loc[0, "locked"]) is expected


def test_certifications_normalised() -> None:
    text = pd.Series([" cfp; afp ;CFP", "", ";;", "cpb", "afp;AFP"], dtype="str")
    assert normalise_certifications(text).tolist() == ["CFP;AFP", "", "", "CPB", "AFP"]


def test_extra_columns_kept_unchanged_after_the_contract_columns(
    small_customers: pd.DataFrame, small_rms: pd.DataFrame
) -> None:
    customers = small_customers.assign(note=[" a ", "", "b", "c"])
    customers.insert(0, "score", [1.5, 2.0, np.nan, 4.0])
    instance = load_instance(customers, small_rms)
    columns = instance.customers.columns.tolist()
    assert columns[-2:] == ["score", "note"]
    assert columns[:9] == CUSTOMER_COLUMNS
    assert instance.customers["note"].tolist() == [" a ", "", "b", "c"]  # not stripped
    pd.testing.assert_series_equal(
        instance.customers["score"], customers["score"], check_names=True
    )


def test_missing_optional_columns_get_defaults(small_customers: pd.DataFrame) -> None:
    rms = pd.DataFrame({"rm_id": ["R1"], "line": ["retail"], "grade": ["rm"], "branch_id": ["O1"]})
    customers = small_customers[["customer_id", "segment", "branch_id", "aum"]].assign(
        annual_contribution="0"
    )
    instance = load_instance(customers, rms)
    assert instance.rms.iloc[0][["certifications", "unit", "active"]].tolist() == [
        "",
        "outlet",
        True,
    ]
    assert instance.customers["locked"].tolist() == [False] * 4
    assert instance.customers["list_tier"].tolist() == [""] * 4


def test_derived_branches_are_root_outlets(
    small_customers: pd.DataFrame, small_rms: pd.DataFrame
) -> None:
    instance = load_instance(small_customers, small_rms)
    assert not instance.branches_given
    assert instance.branches.to_dict("list") == {
        "branch_id": ["O1", "O2", "C1", "S1"],
        "parent_id": ["", "", "", ""],
        "level": ["outlet"] * 4,
    }
    assert instance.branches.dtypes.tolist() == [STR, STR, STR]


def test_typed_frames_load_like_text(
    small_customers: pd.DataFrame, small_rms: pd.DataFrame, small_branches: pd.DataFrame
) -> None:
    customers = small_customers.astype({"aum": float, "annual_contribution": "int64"})
    customers["locked"] = [True, False, False, False]
    rms = small_rms.assign(capacity=[np.nan, 300.0, 40.0], active=[True, True, False])
    typed = load_instance(customers, rms, small_branches)
    text = load_instance(small_customers, small_rms, small_branches)
    pd.testing.assert_frame_equal(typed.customers, text.customers)
    pd.testing.assert_frame_equal(typed.rms, text.rms)


def test_an_instance_revalidates_to_itself(
    small_customers: pd.DataFrame, small_rms: pd.DataFrame, small_branches: pd.DataFrame
) -> None:
    first = load_instance(small_customers.assign(extra="x"), small_rms, small_branches)
    again = load_instance(first.customers, first.rms, first.branches)
    pd.testing.assert_frame_equal(again.customers, first.customers)
    pd.testing.assert_frame_equal(again.rms, first.rms)
    pd.testing.assert_frame_equal(again.branches, first.branches)


def test_blank_rows_are_skipped_but_counted(write_csv: WriteCsv) -> None:
    customers = write_csv(
        "customers.csv",
        "customer_id,segment,branch_id,aum,annual_contribution\n"
        "K1,retail,O1,1,0\n"
        ",,,,\n"
        "\n"
        "K2,retial,O1,1,0\n",
    )
    rms = write_csv("rms.csv", "rm_id,line,grade,branch_id\nR1,retail,rm,O1\n")
    assert where(issues_of(customers, rms)) == [("customers.csv", 5, "segment", "retial")]


def test_policy_grades_levels_and_list_tiers_are_the_valid_values(
    small_customers: pd.DataFrame, small_rms: pd.DataFrame
) -> None:
    policy = load_policy({"grades": ["assistant", "rm", "intermediate", "senior", "chief", "md"]})
    rms = with_cell(small_rms, 2, "grade", "md")
    assert load_instance(small_customers, rms, policy=policy).rms.loc[2, "grade"] == "md"
    assert where(issues_of(small_customers, rms)) == [("rms", 4, "grade", "md")]


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


# -- property: valid input never raises --------------------------------------------------------
_ids = st.text(alphabet=string.ascii_letters + string.digits + "-_", min_size=1, max_size=6)
_amounts = st.one_of(
    st.integers(min_value=0, max_value=10**10).map(str),
    st.floats(min_value=0, max_value=1e10, allow_nan=False).map(repr),
)
_padding = st.sampled_from(["", " ", "  "])


@st.composite
def valid_bank(draw: st.DrawFn) -> tuple[pd.DataFrame, pd.DataFrame]:
    branch_ids = draw(st.lists(_ids, min_size=1, max_size=4, unique=True))
    rm_ids = draw(st.lists(_ids, min_size=0, max_size=6, unique=True))
    customer_ids = draw(st.lists(_ids, min_size=1, max_size=12, unique=True))  # 0: "no customers"
    rms = pd.DataFrame(
        {
            "rm_id": rm_ids,
            "line": [draw(st.sampled_from(["retail", "Corporate"])) for _ in rm_ids],
            "grade": [draw(st.sampled_from(["assistant", "rm", "chief"])) for _ in rm_ids],
            "branch_id": [draw(st.sampled_from(branch_ids)) for _ in rm_ids],
            "certifications": [draw(st.sampled_from(["", "afp", "CFP; cpb"])) for _ in rm_ids],
            "capacity": [draw(st.sampled_from(["", "1", "2.5", "500"])) for _ in rm_ids],
            "active": [draw(st.sampled_from(["", "true", "0", "N"])) for _ in rm_ids],
        },
        dtype="str",
    )
    segments = [draw(st.sampled_from(["retail", "corporate"])) for _ in customer_ids]
    tiers = {"retail": ["", "potential"], "corporate": ["", "hq", "province", "city"]}
    current = [draw(st.sampled_from(["", *rm_ids])) for _ in customer_ids]
    customers = pd.DataFrame(
        {
            "customer_id": [draw(_padding) + c for c in customer_ids],
            "segment": segments,
            "branch_id": [draw(st.sampled_from(branch_ids)) for _ in customer_ids],
            "aum": [draw(_amounts) for _ in customer_ids],
            "annual_contribution": [draw(_amounts) for _ in customer_ids],
            "list_tier": [draw(st.sampled_from(tiers[s])) for s in segments],
            "group_id": [draw(st.sampled_from(["", f"G-{s}"])) for s in segments],
            "current_rm_id": current,
            "locked": [draw(st.sampled_from(["", "yes"])) if c else "" for c in current],
        },
        dtype="str",
    )
    return customers, rms


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(valid_bank())
def test_valid_frames_never_raise(bank: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    customers, rms = bank
    instance: Instance = load_instance(customers, rms)
    assert instance.n_customers == len(customers)
    assert instance.n_rms == len(rms)
    assert (
        instance.customers["customer_id"].tolist() == customers["customer_id"].str.strip().tolist()
    )
    assert instance.rms["rm_id"].tolist() == rms["rm_id"].tolist()
    seen = set(customers["branch_id"]) | set(rms["branch_id"])
    assert set(instance.branches["branch_id"]) == seen


# -- scale -------------------------------------------------------------------------------------
@pytest.mark.slow
def test_a_million_customers_validate_in_seconds(small_rms: pd.DataFrame) -> None:
    import time

    n = 1_000_000
    rng = np.random.default_rng(0)
    customers = pd.DataFrame(
        {
            "customer_id": pd.Series([f"K{i}" for i in range(n)], dtype="str"),
            "segment": pd.Series(rng.choice(["retail", "corporate"], n), dtype="str"),
            "branch_id": pd.Series(rng.choice(["O1", "O2", "S1"], n), dtype="str"),
            "aum": pd.Series(rng.integers(0, 10**7, n).astype(str), dtype="str"),
            "annual_contribution": pd.Series(rng.integers(0, 10**7, n).astype(str), dtype="str"),
            "current_rm_id": pd.Series(rng.choice(["", "R1", "R2"], n), dtype="str"),
        }
    )
    start = time.process_time()
    instance = load_instance(customers, small_rms)
    assert instance.n_customers == n
    assert time.process_time() - start < 15  # ~1-2 s of CPU on a laptop; generous for CI
