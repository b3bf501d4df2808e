"""``rmalloc allocate`` and ``rmalloc policy show`` as a user runs them (subprocesses)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from clirun import bank_args, run, write_tiny_bank  # type: ignore[import-not-found]


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    return write_tiny_bank(tmp_path, 2)


def test_allocate_writes_plan_and_kpis(files, tmp_path):
    plan, kpis = tmp_path / "out" / "plan.csv", tmp_path / "kpis.json"
    res = run(
        "allocate",
        *bank_args(files),
        "--time-limit",
        "5",
        "--seed",
        "3",
        "--out",
        str(plan),
        "--kpis",
        str(kpis),
    )
    assert res.returncode == 0, res.stderr
    table = pd.read_csv(plan, keep_default_na=False, dtype=str)
    assert table["rm_id"].tolist() == ["M1", "M1", "M2"]
    assert table["status"].tolist() == ["new", "kept", "new"]
    assert json.loads(kpis.read_text())["assigned"] == 3
    assert "cover value" in res.stdout


def test_bad_input_exits_2_and_writes_nothing(files, tmp_path):
    text = files["customers"].read_text().replace("300000", "-5", 1)
    files["customers"].write_text(text)
    rms = files["rms"].read_text().replace("retail", "retial", 1)
    files["rms"].write_text(rms)
    plan = tmp_path / "plan.csv"
    res = run("allocate", *bank_args(files), "--out", str(plan))
    assert res.returncode == 2
    assert "customers.csv, row 2, column aum, value '-5'" in res.stderr
    assert "rms.csv, row 2, column line, value 'retial'" in res.stderr
    assert not plan.exists()


def test_conflicting_locks_exit_2(files, tmp_path):
    c = pd.read_csv(files["customers"], keep_default_na=False, dtype=str)
    c["current_rm_id"] = "M1"
    c["locked"] = "true"
    c.loc[2, ["current_rm_id", "locked"]] = ["", ""]
    c.loc[0, "aum"] = "300000"
    r = pd.read_csv(files["rms"], keep_default_na=False, dtype=str)
    r.loc[0, "capacity"] = "1"
    c.to_csv(files["customers"], index=False)
    r.to_csv(files["rms"], index=False)
    res = run("allocate", *bank_args(files), "--out", str(tmp_path / "p.csv"))
    assert res.returncode == 2
    assert "row 2" in res.stderr and "row 3" in res.stderr and "capacity" in res.stderr


def test_policy_show_merges_overrides(tmp_path):
    override = tmp_path / "p.yaml"
    override.write_text("tiers:\n  private: {aum_min: 8000000}\n")
    res = run("policy", "show", "--policy", str(override), "--format", "json")
    assert res.returncode == 0, res.stderr
    policy = json.loads(res.stdout)
    assert policy["tiers"]["private"]["aum_min"] == 8_000_000
    assert policy["tiers"]["high"]["aum_min"] == 500_000


def test_bad_policy_exits_2(tmp_path):
    override = tmp_path / "p.yaml"
    override.write_text("tiers:\n  private: {min_grade: wizard}\n")
    res = run("policy", "show", "--policy", str(override))
    assert res.returncode == 2
    assert "wizard" in res.stderr and str(override) in res.stderr


def test_leavers_are_one_warning_line_and_the_quarter_report_is_written(files, tmp_path):
    customers = pd.read_csv(files["customers"], dtype=str).fillna("")
    customers.loc[0, "current_rm_id"] = "GONE"
    customers.to_csv(files["customers"], index=False)
    report = tmp_path / "report"
    res = run("allocate", *bank_args(files), "--out", str(tmp_path / "plan.csv"),
              "--report", str(report))  # fmt: skip
    assert res.returncode == 0, res.stderr
    warnings = [line for line in res.stderr.splitlines() if "left the bank" in line]
    assert warnings == ["rmalloc allocate: 1 customer(s) of 1 RM(s) not in the RM file (left "
                        "the bank) are reassigned"]  # fmt: skip
    assert sorted(p.name for p in report.iterdir()) == [
        "chart.png", "hysteresis.csv", "leavers.csv", "moves_by_branch.csv", "moves_by_rm.csv"
    ]  # fmt: skip
    leavers = pd.read_csv(report / "leavers.csv")
    assert leavers["leaver_rm_id"].tolist() == ["GONE"] and leavers["customers"].tolist() == [1]
