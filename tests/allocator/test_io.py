"""Tests of allocator.io: every cell read as text, unreadable files as one issue, round trips."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from allocator.errors import InputError, InputIssue
from allocator.instance import Instance
from allocator.io import cell_text, read_table, to_text, write_instance, write_table
from allocator.validation import load_instance

WriteCsv = Callable[[str, str], Path]


def _only_issue(exc: pytest.ExceptionInfo[InputError]) -> InputIssue:
    assert len(exc.value.issues) == 1
    return exc.value.issues[0]


def assert_instances_equal(left: Instance, right: Instance) -> None:
    pd.testing.assert_frame_equal(left.customers, right.customers)
    pd.testing.assert_frame_equal(left.rms, right.rms)
    pd.testing.assert_frame_equal(left.branches, right.branches)


# -- reading CSV -------------------------------------------------------------------------------
def test_csv_cells_are_text_exactly_as_typed(write_csv: WriteCsv) -> None:
    path = write_csv("t.csv", "id,aum,flag,note\n007,1.50,TRUE,NA\n8,,no, x \n")
    frame = read_table(path, name="t.csv")
    assert list(frame.columns) == ["id", "aum", "flag", "note"]
    assert frame.to_dict("list") == {
        "id": ["007", "8"],
        "aum": ["1.50", ""],
        "flag": ["TRUE", "no"],
        "note": ["NA", " x "],
    }
    assert all(isinstance(dtype, pd.StringDtype) for dtype in frame.dtypes)


def test_csv_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbfrm_id,line\nR1,retail\n")
    assert read_table(path, name="bom.csv").columns.tolist() == ["rm_id", "line"]


def test_csv_blank_lines_are_kept_so_rows_match_the_file(write_csv: WriteCsv) -> None:
    frame = read_table(write_csv("t.csv", "a,b\n1,2\n\n3,4\n"), name="t.csv")
    assert frame.to_dict("list") == {"a": ["1", "", "3"], "b": ["2", "", "4"]}


def test_csv_quoted_newline_is_one_row(write_csv: WriteCsv) -> None:
    frame = read_table(write_csv("t.csv", 'a,b\n"x\ny",2\n3,4\n'), name="t.csv")
    assert frame["a"].tolist() == ["x\ny", "3"]


def test_missing_file_is_one_issue(tmp_path: Path) -> None:
    with pytest.raises(InputError) as exc:
        read_table(tmp_path / "customers.csv", name="customers.csv")
    assert _only_issue(exc) == InputIssue("customers.csv", None, None, None, "file not found")


def test_unknown_suffix_is_one_issue(write_csv: WriteCsv) -> None:
    with pytest.raises(InputError) as exc:
        read_table(write_csv("rms.txt", "rm_id\nR1\n"), name="rms.txt")
    issue = _only_issue(exc)
    assert (issue.file, issue.row, issue.column, issue.value) == ("rms.txt", None, None, None)
    assert "unknown file type '.txt'" in issue.message


def test_empty_csv_is_one_issue(write_csv: WriteCsv) -> None:
    with pytest.raises(InputError) as exc:
        read_table(write_csv("rms.csv", ""), name="rms.csv")
    assert "empty" in _only_issue(exc).message


def test_csv_not_utf8_is_one_issue(tmp_path: Path) -> None:
    path = tmp_path / "rms.csv"
    path.write_bytes("rm_id,line\nR1,零售\n".encode("gbk"))
    with pytest.raises(InputError) as exc:
        read_table(path, name="rms.csv")
    issue = _only_issue(exc)
    # the line of the first bad byte, and the encoding the file looks like (issue 13)
    assert (issue.file, issue.row, issue.column) == ("rms.csv", 2, None)
    assert "UTF-8" in issue.message
    assert "--encoding gbk" in issue.message


def test_csv_duplicate_header_names_the_column(write_csv: WriteCsv) -> None:
    with pytest.raises(InputError) as exc:
        read_table(write_csv("rms.csv", "rm_id,line,line\nR1,retail,retail\n"), name="rms.csv")
    issue = _only_issue(exc)
    assert (issue.file, issue.row, issue.column, issue.value) == ("rms.csv", None, "line", None)


def test_csv_ragged_rows_are_named_without_quoting_them(write_csv: WriteCsv) -> None:
    text = "a,b,c\n1,2,3\n4,5\n6,7,8\n9,10,11,secret\n"
    with pytest.raises(InputError) as exc:
        read_table(write_csv("t.csv", text), name="t.csv")
    assert [(i.file, i.row, i.column, i.value) for i in exc.value.issues] == [
        ("t.csv", 3, None, None),
        ("t.csv", 5, None, None),
    ]
    assert exc.value.issues[0].message == "has 2 fields but the header has 3"
    assert "secret" not in str(exc.value)


# -- reading other formats ---------------------------------------------------------------------
def test_dataframe_passes_through_unchanged() -> None:
    frame = pd.DataFrame({"aum": [1.5, np.nan], "id": ["a", "b"]})
    out = read_table(frame, name="customers")
    pd.testing.assert_frame_equal(out, frame)
    assert out is not frame


@pytest.mark.parametrize("suffix", [".parquet", ".pq", ".xlsx"])
def test_parquet_and_excel_cells_become_text(tmp_path: Path, suffix: str) -> None:
    frame = pd.DataFrame(
        {
            "id": ["007", "8", "9"],
            "n": [17.0, 1.5, np.nan],
            "k": [3, 4, 5],
            "b": [True, False, True],
            "s": ["x", None, "NA"],
        }
    )
    path = tmp_path / f"t{suffix}"
    if suffix == ".xlsx":
        frame.to_excel(path, index=False)
    else:
        frame.to_parquet(path, index=False)
    out = read_table(path, name=path.name)
    assert out.to_dict("list") == {
        "id": ["007", "8", "9"],
        "n": ["17", "1.5", ""],
        "k": ["3", "4", "5"],
        "b": ["true", "false", "true"],
        "s": ["x", "", "NA"],
    }
    assert all(isinstance(dtype, pd.StringDtype) for dtype in out.dtypes)


@pytest.mark.parametrize("name", ["rms.parquet", "rms.xlsx", "rms.xls"])
def test_file_not_of_its_claimed_format_is_one_issue(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_text("rm_id,line\nR1,retail\n", encoding="utf-8")
    with pytest.raises(InputError) as exc:
        read_table(path, name=name)
    issue = _only_issue(exc)
    assert (issue.file, issue.row, issue.column, issue.value) == (name, None, None, None)
    assert issue.message.startswith("cannot read as")


def test_excel_duplicate_header_names_the_column(tmp_path: Path) -> None:
    path = tmp_path / "rms.xlsx"
    pd.DataFrame([["R1", "retail", "retail"]], columns=["rm_id", "line", "x"]).rename(
        columns={"x": "line"}
    ).to_excel(path, index=False)
    with pytest.raises(InputError) as exc:
        read_table(path, name="rms.xlsx")
    assert _only_issue(exc).column == "line"


# -- text conversion ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, ""),
        (np.nan, ""),
        (pd.NA, ""),
        (True, "true"),
        (np.False_, "false"),
        (17.0, "17"),
        (np.float64(2.5), "2.5"),
        (0.1, "0.1"),
        (42, "42"),
        ("  x ", "  x "),
    ],
)
def test_cell_text(value: object, text: str) -> None:
    assert cell_text(value) == text


def test_to_text_float_column_round_trips_exactly() -> None:
    values = pd.Series([1.0, 0.1, 1 / 3, 123456789.5, np.nan, 2.0**60])
    text = to_text(values)
    assert text.tolist()[:5] == ["1", "0.1", "0.3333333333333333", "123456789.5", ""]
    assert pd.to_numeric(text).tolist()[5] == 2.0**60
    np.testing.assert_array_equal(pd.to_numeric(text.replace("", np.nan)).to_numpy(), values)


def test_to_text_mixed_and_nullable_columns() -> None:
    assert to_text(pd.Series(["a", 1, 2.0, None, True], dtype=object)).tolist() == [
        "a",
        "1",
        "2",
        "",
        "true",
    ]
    assert to_text(pd.Series([1, None], dtype="Int64")).tolist() == ["1", ""]
    assert to_text(pd.Series([True, False])).tolist() == ["true", "false"]


# -- writing -----------------------------------------------------------------------------------
def test_write_table_csv_numbers_without_trailing_zero(tmp_path: Path) -> None:
    path = write_table(
        pd.DataFrame({"id": ["a", "b"], "aum": [2000000.0, np.nan], "r": [0.5, 1.0]}),
        tmp_path / "t.csv",
    )
    assert path.read_text(encoding="utf-8") == "id,aum,r\na,2000000,0.5\nb,,1\n"


def test_write_table_rejects_unknown_suffix(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="suffix"):
        write_table(pd.DataFrame({"a": [1]}), tmp_path / "t.json")


def test_write_instance_writes_contract_v1(
    tmp_path: Path,
    small_customers: pd.DataFrame,
    small_rms: pd.DataFrame,
    small_branches: pd.DataFrame,
) -> None:
    instance = load_instance(small_customers, small_rms, small_branches)
    paths = write_instance(instance, tmp_path / "out")
    assert {k: p.name for k, p in paths.items()} == {
        "customers": "customers.csv",
        "rms": "rms.csv",
        "branches": "branches.csv",
    }
    rms = paths["rms"].read_text(encoding="utf-8").splitlines()
    assert rms[0] == "rm_id,line,grade,branch_id,certifications,unit,capacity,active"
    assert rms[1] == "R1,retail,rm,O1,,outlet,,true"
    assert rms[2] == "R2,retail,intermediate,S1,CFP;CPB,vip_center,300,true"
    assert rms[3] == "R3,corporate,senior,C1,,marketing,40,false"
    customers = paths["customers"].read_text(encoding="utf-8").splitlines()
    assert customers[1] == "K1,retail,O1,250000,0,,,R1,true"
    assert customers[3] == "K3,corporate,O1,0,12000000,,G1,R3,false"


def test_write_instance_writes_derived_branches(
    tmp_path: Path, small_customers: pd.DataFrame, small_rms: pd.DataFrame
) -> None:
    instance = load_instance(small_customers, small_rms)
    paths = write_instance(instance, tmp_path)
    assert paths["branches"].read_text(encoding="utf-8").splitlines() == [
        "branch_id,parent_id,level",
        "O1,,outlet",
        "O2,,outlet",
        "C1,,outlet",
        "S1,,outlet",
    ]
    again = load_instance(paths["customers"], paths["rms"], paths["branches"])
    assert_instances_equal(again, instance)
    assert again.branches_given  # the file now exists


@pytest.mark.parametrize("fmt", ["csv", "parquet", "xlsx"])
def test_write_instance_round_trips(
    tmp_path: Path,
    fmt: str,
    small_customers: pd.DataFrame,
    small_rms: pd.DataFrame,
    small_branches: pd.DataFrame,
) -> None:
    customers = small_customers.assign(note=["a", "", "007", "x y"])
    rms = small_rms.assign(**{"certifications": ["cfp; afp", "CFP;CPB", ""], "team": "t"})
    instance = load_instance(customers, rms, small_branches)
    paths = write_instance(instance, tmp_path, fmt=fmt)  # type: ignore[arg-type]
    assert all(p.suffix == f".{fmt}" for p in paths.values())
    again = load_instance(paths["customers"], paths["rms"], paths["branches"])
    assert_instances_equal(again, instance)
    assert again.customers["note"].tolist() == ["a", "", "007", "x y"]


def test_write_instance_rejects_unknown_format(
    tmp_path: Path, small_customers: pd.DataFrame, small_rms: pd.DataFrame
) -> None:
    with pytest.raises(ValueError, match="format"):
        write_instance(load_instance(small_customers, small_rms), tmp_path, fmt="json")  # type: ignore[arg-type]
