"""Size and time guards of every parser (issue 13, case 3): each limit of ``ReadLimits`` refuses
a file beyond it fast, with one issue naming the limit and how to raise it."""

from __future__ import annotations

import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from allocator.errors import InputError, PolicyError
from allocator.io import CsvOptions, ReadLimits, load_structured, load_yaml, read_table
from allocator.params import SolveParams
from allocator.policy import load_policy


def only_message(exc: pytest.ExceptionInfo[InputError]) -> str:
    assert len(exc.value.issues) == 1
    return exc.value.issues[0].message


# -- the parameter object ----------------------------------------------------------------------
def test_limits_are_validated() -> None:
    for bad in ({"max_rows": 0}, {"max_rows": 1.5}, {"max_compression_ratio": float("inf")}):
        with pytest.raises(ValueError, match="ReadLimits"):
            ReadLimits(**bad)  # type: ignore[arg-type]
    assert ReadLimits.from_pairs({"max_rows": "20000000"}).max_rows == 20_000_000
    with pytest.raises(ValueError, match="unknown limit"):
        ReadLimits.from_pairs({"max_row": "5"})


def test_csv_options_are_validated() -> None:
    with pytest.raises(ValueError, match="one character"):
        CsvOptions(delimiter=";;")
    with pytest.raises(ValueError, match="unknown encoding"):
        CsvOptions(encoding="klingon")


# -- Excel: measured from the zip directory before anything is inflated -----------------------
def xlsx_bomb(path: Path, inflated: int) -> Path:
    """A valid-looking xlsx whose sheet inflates to ``inflated`` bytes of one repeated row."""
    pd.DataFrame({"rm_id": ["M1"], "line": ["retail"]}).to_excel(path, index=False)
    with zipfile.ZipFile(path) as src:
        parts = {name: src.read(name) for name in src.namelist()}
    row = b'<row><c t="inlineStr"><is><t>x</t></is></c></row>'
    sheet = parts["xl/worksheets/sheet1.xml"]
    head, tail = sheet.split(b"</sheetData>")
    parts["xl/worksheets/sheet1.xml"] = head + row * (inflated // len(row)) + b"</sheetData>" + tail
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for name, data in parts.items():
            out.writestr(name, data)
    return path


def test_xlsx_bomb_is_refused_by_ratio_before_inflating(tmp_path: Path) -> None:
    path = xlsx_bomb(tmp_path / "rms.xlsx", 40_000_000)
    assert path.stat().st_size < 1_000_000
    start = time.monotonic()
    with pytest.raises(InputError) as exc:
        read_table(path, name="rms.xlsx")
    assert time.monotonic() - start < 1.0
    message = only_message(exc)
    assert "compressed" in message and "max_compression_ratio" in message
    assert "--limit max_compression_ratio=N" in message


def test_xlsx_inflated_size_is_a_limit(tmp_path: Path) -> None:
    path = xlsx_bomb(tmp_path / "rms.xlsx", 3_000_000)
    limits = ReadLimits(max_uncompressed_bytes=2_000_000, max_compression_ratio=10_000)
    with pytest.raises(InputError) as exc:
        read_table(path, name="rms.xlsx", limits=limits)
    assert "max_uncompressed_bytes=2000000" in only_message(exc)


def test_xlsx_within_limits_reads(tmp_path: Path) -> None:
    path = tmp_path / "rms.xlsx"
    pd.DataFrame({"rm_id": ["M1", "M2"], "line": ["retail", "x"]}).to_excel(path, index=False)
    assert read_table(path, name="rms.xlsx")["rm_id"].tolist() == ["M1", "M2"]
    with pytest.raises(InputError) as exc:
        read_table(path, name="rms.xlsx", limits=ReadLimits(max_rows=1))
    assert "max_rows=1" in only_message(exc)


# -- CSV and Parquet: rows, columns, cells, file size -------------------------------------------
def test_csv_rows_columns_cells_and_bytes(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("a,b,c\n1,2,3\n4,5,6\n7,8," + "x" * 50 + "\n")
    cases = {
        "max_rows": ReadLimits(max_rows=2),
        "max_columns": ReadLimits(max_columns=2),
        "max_cell_chars": ReadLimits(max_cell_chars=20),
        "max_file_bytes": ReadLimits(max_file_bytes=10),
    }
    for limit, limits in cases.items():
        with pytest.raises(InputError) as exc:
            read_table(path, name="t.csv", limits=limits)
        assert f"{limit}=" in only_message(exc), limit
    with pytest.raises(InputError) as exc:
        read_table(path, name="t.csv", limits=ReadLimits(max_cell_chars=20))
    issue = exc.value.issues[0]
    assert (issue.row, issue.column) == (4, "c") and issue.value is not None
    assert len(issue.value) < 50  # an over-long cell is not quoted whole


def test_parquet_is_measured_from_its_footer(tmp_path: Path) -> None:
    path = tmp_path / "t.parquet"
    pd.DataFrame({"a": [str(i) for i in range(100)], "b": "x"}).to_parquet(path)
    with pytest.raises(InputError) as exc:
        read_table(path, name="t.parquet", limits=ReadLimits(max_rows=99))
    assert "100 rows" in only_message(exc)
    with pytest.raises(InputError):
        read_table(path, name="t.parquet", limits=ReadLimits(max_columns=1))
    assert len(read_table(path, name="t.parquet")) == 100


def test_frames_are_held_to_rows_and_cells() -> None:
    frame = pd.DataFrame({"a": ["x" * 30, "y"]})
    with pytest.raises(InputError):
        read_table(frame, name="customers", limits=ReadLimits(max_cell_chars=10))
    with pytest.raises(InputError):
        read_table(frame, name="customers", limits=ReadLimits(max_rows=1))


# -- CSV spelling: delimiter and encoding --------------------------------------------------------
@pytest.mark.parametrize(("sep", "word"), [(";", "semicolon"), ("\t", "tab"), ("|", "pipe")])
def test_other_separators_are_named(tmp_path: Path, sep: str, word: str) -> None:
    path = tmp_path / "t.csv"
    path.write_text(sep.join(["a", "b", "c"]) + "\n" + sep.join("123") + "\n")
    with pytest.raises(InputError) as exc:
        read_table(path, name="t.csv")
    assert f"looks {word}-separated" in only_message(exc)
    frame = read_table(path, name="t.csv", csv_options=CsvOptions(delimiter=sep))
    assert frame.to_dict("list") == {"a": ["1"], "b": ["2"], "c": ["3"]}


def test_encoding_option_reads_gbk(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes("id,name\n1,零售\n".encode("gbk"))
    frame = read_table(path, name="t.csv", csv_options=CsvOptions(encoding="gbk"))
    assert frame["name"].tolist() == ["零售"]


# -- YAML: alias bombs and nesting refused on the event stream ----------------------------------
BOMB = "\n".join(
    [
        'a: &a ["x","x","x","x","x","x","x","x","x"]',
        *(
            f"{name}: &{name} [{','.join([f'*{prev}'] * 9)}]"
            for prev, name in zip("abcdefgh", "bcdefghi", strict=True)
        ),
    ]
)


def test_yaml_alias_bomb_is_refused_fast(tmp_path: Path) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text(BOMB + "\n")
    start = time.monotonic()
    with pytest.raises(PolicyError) as exc:
        load_policy(path)
    assert time.monotonic() - start < 1.0
    assert "max_yaml_nodes" in str(exc.value) and "alias" in str(exc.value)


def test_yaml_alias_bomb_as_policy_on_the_command_line(tmp_path: Path) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text(BOMB + "\n")
    command = [sys.executable, "-m", "rmalloc", "policy", "show", "--policy", str(path)]
    # in a subprocess with a timeout: unguarded, this took 3 GB and minutes
    res = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert res.returncode == 2 and "max_yaml_nodes" in res.stderr


def test_yaml_small_aliases_are_fine() -> None:
    text = "base: &b {units: [outlet]}\ntiers:\n  mid: *b\n"
    assert load_yaml(text)["tiers"]["mid"] == {"units": ["outlet"]}


def test_yaml_depth_and_size_are_limits() -> None:
    deep = "[" * 200 + "]" * 200
    with pytest.raises(ValueError, match="max_yaml_depth"):
        load_yaml(deep)
    with pytest.raises(ValueError, match="max_yaml_bytes"):
        load_yaml("a: 1\n", limits=ReadLimits(max_yaml_bytes=3))


def test_structured_files_of_every_kind_are_guarded(tmp_path: Path) -> None:
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(ValueError, match=r"deep\.json"):
        load_structured(deep, ReadLimits(max_yaml_bytes=1_000_000))
    bomb = tmp_path / "params.yaml"
    bomb.write_text(BOMB + "\n")
    with pytest.raises(ValueError, match="max_yaml_nodes"):
        SolveParams.from_file(bomb)
