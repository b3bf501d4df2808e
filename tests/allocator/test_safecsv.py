"""Spreadsheet-safe CSV (issue 13, case 5): no cell the product writes runs as a formula, numbers
stay numbers, and the product reads its own escape back."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from tinybank import frames

from allocator import allocate
from allocator.io import (
    csv_text_safe,
    escape_cell,
    read_table,
    unescape_cell,
    write_csv_safe,
    write_instance,
)
from allocator.io.safecsv import needs_escape
from allocator.quarter_report import write_quarter_report
from allocator.validation import load_instance

EVIL = "=cmd|' /C calc'!A0"


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        (EVIL, "'" + EVIL),
        ("+1+1", "'+1+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("-", "'-"),
        ("'=1", "''=1"),
        ("-3.5", "-3.5"),
        ("+12", "+12"),
        ("-1e5", "-1e5"),
        ("'abc", "'abc"),
        ("'007", "'007"),
        ("K=1", "K=1"),
        ("", ""),
    ],
)
def test_escape_rule(cell: str, written: str) -> None:
    assert escape_cell(cell) == written
    assert unescape_cell(written) == cell


@given(st.text(alphabet="'=+-@\t\r0123.eEx ", max_size=8))
def test_escape_round_trips(cell: str) -> None:
    written = escape_cell(cell)
    assert unescape_cell(written) == cell
    # what reaches a spreadsheet starts with a quote, or is no formula (or a plain number)
    assert written.startswith("'") or not needs_escape(written)


def test_frames_keep_numbers_and_read_back(tmp_path: Path) -> None:
    frame = pd.DataFrame({"id": [EVIL, "-3", "@x"], "value": [-3.5, 2.0, -1.0]})
    text = csv_text_safe(frame)
    assert text.splitlines()[1:] == ["'=cmd|' /C calc'!A0,-3.5", "-3,2.0", "'@x,-1.0"]
    path = write_csv_safe(frame, tmp_path / "deep" / "t.csv")
    assert read_table(path, name="t.csv")["id"].tolist() == [EVIL, "-3", "@x"]


@pytest.fixture
def evil_bank(tmp_path: Path) -> dict[str, Path]:
    c, r, b = frames(
        [{"rm_id": "@rm"}, {"rm_id": "+M2", "capacity": "1"}],
        [
            {"customer_id": EVIL, "aum": 300_000, "current_rm_id": "+M2"},
            {"customer_id": "-K2", "aum": 300_000, "current_rm_id": "+M2"},
        ],
    )
    paths = {}
    for name, frame in (("customers", c), ("rms", r), ("branches", b)):
        paths[name] = tmp_path / f"{name}.csv"
        frame.to_csv(paths[name], index=False)  # the user's own file: not escaped
    return paths


def test_plan_csv_is_escaped_and_checks(evil_bank: dict[str, Path], tmp_path: Path) -> None:
    plan_path = tmp_path / "plan.csv"
    cli = [sys.executable, "-m", "rmalloc"]
    bank = [f"--{k}={v}" for k, v in evil_bank.items()]
    res = subprocess.run([*cli, "allocate", *bank, "--out", str(plan_path), "--quiet",
                          "--report", str(tmp_path / "report")],
                         capture_output=True, text=True, timeout=300)  # fmt: skip
    assert res.returncode == 0, res.stderr
    raw = plan_path.read_text().splitlines()
    assert all(not line.startswith(("=", "+", "-", "@")) for line in raw)
    assert any(line.startswith("'=cmd") for line in raw)
    res = subprocess.run([*cli, "check", *bank, "--plan", str(plan_path)],
                         capture_output=True, text=True, timeout=300)  # fmt: skip
    assert res.returncode == 0, res.stdout + res.stderr
    for report in (tmp_path / "report").glob("*.csv"):
        cells = [c for line in report.read_text().splitlines() for c in line.split(",")]
        assert not any(c.startswith(("=", "+", "@")) for c in cells), report.name


def test_written_bank_reads_back_equal(evil_bank: dict[str, Path], tmp_path: Path) -> None:
    instance = load_instance(evil_bank["customers"], evil_bank["rms"], evil_bank["branches"])
    written = write_instance(instance, tmp_path / "again")
    assert written["customers"].read_text().splitlines()[1].startswith("'=cmd")
    again = load_instance(written["customers"], written["rms"], written["branches"])
    pd.testing.assert_frame_equal(again.customers, instance.customers)
    pd.testing.assert_frame_equal(again.rms, instance.rms)


def test_plan_to_csv_and_report(evil_bank: dict[str, Path], tmp_path: Path) -> None:
    plan = allocate(evil_bank["customers"], evil_bank["rms"], evil_bank["branches"], time_limit=5)
    assert plan.to_csv().splitlines()[1].startswith("'=cmd")  # type: ignore[union-attr]
    written = write_quarter_report(plan, tmp_path / "q")
    moves = written["moves_by_rm"].read_text()
    assert "'+M2" in moves and "\n+M2" not in moves
