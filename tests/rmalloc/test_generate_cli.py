"""``rmalloc generate`` as a user runs it: the installed console script, as a subprocess."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from allocator.synth import generate_bank
from allocator.validation import load_instance

# The console script installed beside the interpreter; ``python -m rmalloc`` when not installed.
_SCRIPT = Path(sys.executable).with_name("rmalloc")
RMALLOC = [str(_SCRIPT)] if _SCRIPT.exists() else [sys.executable, "-m", "rmalloc"]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*RMALLOC, *args], capture_output=True, text=True, timeout=300)


def test_generate_writes_three_csv_files_and_a_summary(tmp_path: Path) -> None:
    out = tmp_path / "bank"
    res = run("generate", str(out), "--customers", "3000", "--seed", "4")
    assert res.returncode == 0, res.stderr
    assert sorted(p.name for p in out.iterdir()) == ["branches.csv", "customers.csv", "rms.csv"]
    bank = load_instance(out / "customers.csv", out / "rms.csv", out / "branches.csv")
    assert len(bank.customers) == 3000
    fresh = generate_bank(3000, 4)
    pd.testing.assert_frame_equal(bank.customers, fresh.customers)
    pd.testing.assert_frame_equal(bank.rms, fresh.rms)
    assert "customers 3,000" in res.stdout
    assert "private" in res.stdout and "wealth_center" in res.stdout
    assert "K000" not in res.stdout + res.stderr  # counts only, never a customer
    assert res.stderr == ""  # no progress bar for a small bank


def test_generate_parquet_with_rms_and_tightness(tmp_path: Path) -> None:
    res = run(
        "generate",
        str(tmp_path),
        "--customers",
        "2500",
        "--seed",
        "1",
        "--rms",
        "33",
        "--format",
        "parquet",
        "--tightness",
        "1.5",
    )
    assert res.returncode == 0, res.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "branches.parquet",
        "customers.parquet",
        "rms.parquet",
    ]
    assert len(pd.read_parquet(tmp_path / "rms.parquet")) == 33


@pytest.mark.parametrize(
    "args",
    [
        ["--customers", "0", "--seed", "1"],
        ["--customers", "10", "--seed", "-1"],
        ["--customers", "10", "--seed", "1", "--tightness", "0"],
        ["--customers", "10", "--seed", "1", "--format", "xlsx"],
        ["--seed", "1"],
    ],
)
def test_generate_refuses_bad_arguments(tmp_path: Path, args: list[str]) -> None:
    res = run("generate", str(tmp_path / "x"), *args)
    assert res.returncode == 2
    assert not (tmp_path / "x").exists()


def test_generate_is_listed_in_help() -> None:
    res = run("--help")
    assert res.returncode == 0
    assert "generate" in res.stdout


def test_same_seed_writes_identical_files(tmp_path: Path) -> None:
    for name in ("a", "b"):
        assert (
            run("generate", str(tmp_path / name), "--customers", "1500", "--seed", "9").returncode
            == 0
        )
    for table in ("customers", "rms", "branches"):
        left = (tmp_path / "a" / f"{table}.csv").read_bytes()
        assert left == (tmp_path / "b" / f"{table}.csv").read_bytes()
