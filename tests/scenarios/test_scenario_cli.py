"""``rmalloc scenario run``, ``rmalloc sweep`` and ``rmalloc headcount`` as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from rmalloc.cli import main
from scenarios.headcount import CONTRACT_COLUMNS

LIMIT = "5"


def bank_args(bank_dir: Path) -> list[str]:
    return [
        "--customers",
        str(bank_dir / "customers.csv"),
        "--rms",
        str(bank_dir / "rms.csv"),
        "--branches",
        str(bank_dir / "branches.csv"),
    ]


def write_spec(path: Path, bank_dir: Path, body: str) -> Path:
    path.write_text(
        f"name: cli\nseed: 3\nbaseline: {{customers: {bank_dir}/customers.csv, "
        f"rms: {bank_dir}/rms.csv, branches: {bank_dir}/branches.csv}}\n" + body
    )
    return path


def test_scenario_run_writes_a_bank_that_rechecks(
    bank_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = write_spec(
        tmp_path / "s.yaml",
        bank_dir,
        "salaries: default\nedits:\n  - remove_rms: {rm_ids: [R_O1A]}\n"
        "  - add_rms: {count: 1, line: retail, grade: senior, certifications: CFP, "
        "branch_id: C0, unit: wealth_center}\n",
    )
    out = tmp_path / "out"
    code = main(
        [
            "scenario",
            "run",
            str(spec),
            "--out",
            str(out),
            "--time-limit",
            LIMIT,
            "--seed",
            "1",
            "--workers",
            "1",
        ]
    )
    assert code == 0
    printed = capsys.readouterr().out
    assert "cover_value" in printed and "handover.same_outlet" in printed
    for name in (
        "plan.csv",
        "kpis.json",
        "comparison.csv",
        "customers.csv",
        "rms.csv",
        "branches.csv",
        "policy.yaml",
        "handover.csv",
    ):
        assert (out / name).is_file(), name
    assert "cost.total" in set(pd.read_csv(out / "comparison.csv")["metric"])
    assert json.loads((out / "kpis.json").read_text())["scenario"]["solve"]["status"]
    code = main(
        [
            "check",
            "--customers",
            str(out / "customers.csv"),
            "--rms",
            str(out / "rms.csv"),
            "--branches",
            str(out / "branches.csv"),
            "--policy",
            str(out / "policy.yaml"),
            "--plan",
            str(out / "plan.csv"),
        ]
    )
    assert code == 0


def test_bad_spec_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = tmp_path / "bad.yaml"
    spec.write_text("baseline: sample\nedits:\n  - teleport: {}\n")
    assert main(["scenario", "run", str(spec), "--out", str(tmp_path / "o")]) == 2
    assert "teleport" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_sweep_cli_serial(bank_dir: Path, tmp_path: Path) -> None:
    spec = write_spec(
        tmp_path / "sw.yaml",
        bank_dir,
        "edits:\n  - id: hires\n    add_rms: {count: 0, line: retail, grade: rm, "
        "certifications: AFP, branch_id: S1, unit: vip_center}\n"
        "sweep:\n  grid: {hires.count: [0, 2]}\n  chart: {x: hires.count}\n",
    )
    out = tmp_path / "sweep"
    code = main(
        ["sweep", str(spec), "--out", str(out), "--serial", "--time-limit", LIMIT, "--no-progress"]
    )
    assert code == 0
    table = pd.read_csv(out / "sweep.csv")
    assert table["hires.count"].tolist() == [0, 2]
    assert (out / "chart.png").is_file() and (out / "chart.html").is_file()


def test_headcount_cli(bank_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    staff = tmp_path / "staff.csv"
    staff.write_text(
        "branch_id,unit,role,count,certifications\n"
        "S1,vip_center,other,40,\nO1,outlet,counter,8,\nO1,outlet,lobby_manager,1,\n"
    )
    hires = tmp_path / "new" / "folder" / "hires.csv"  # a missing folder is created
    report = tmp_path / "report"
    code = main(
        [
            "headcount",
            *bank_args(bank_dir),
            "--target",
            "private=1.0,high=1.0,mid=0.95",
            "--staff",
            str(staff),
            "--enforce",
            "all",
            "--out",
            str(hires),
            "--report",
            str(report),
            "--quarters",
            "2",
            "--time-limit",
            "30",
            "--quiet",
        ]
    )
    assert code == 0, capsys.readouterr().out
    table = pd.read_csv(hires, keep_default_na=False)
    assert tuple(table.columns[: len(CONTRACT_COLUMNS)]) == CONTRACT_COLUMNS  # pinned in tests
    assert table["count"].sum() > 0 and (table["rule"] != "").all()
    for name in (
        "report.html",
        "checks_before.csv",
        "checks_after.csv",
        "required_rms.csv",
        "summary.json",
        "curve.csv",
        "curve.png",
        "quarters.csv",
        "quarters.png",
    ):
        assert (report / name).is_file(), name
    summary = json.loads((report / "summary.json").read_text())
    assert summary["status"] == "optimal" and all(v["ok"] for v in summary["verification"])
    assert summary["staffing_unmet_after"] == 0 and len(summary["quarters"]) == 3
    assert "To serve" in (report / "report.html").read_text()
    assert "verified" in capsys.readouterr().out


def test_headcount_cli_bad_input(bank_dir: Path, tmp_path: Path) -> None:
    out = str(tmp_path / "H.csv")
    assert main(["headcount", *bank_args(bank_dir), "--target", "gold=1", "--out", out]) == 2
    assert (
        main(
            [
                "headcount",
                *bank_args(bank_dir),
                "--target",
                "mid=1",
                "--enforce",
                "lobby",
                "--out",
                out,
            ]
        )
        == 2
    )
    assert not Path(out).exists()
