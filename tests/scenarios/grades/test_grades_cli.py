"""``rmalloc grades`` as HR runs it: grades.csv out, bad input exit 2, the effect on coverage."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from rmalloc.cli import main
from scenarios.grades.performance import PERFORMANCE_COLUMNS

EDGE = Path(__file__).with_name("edge_rms.csv")


def test_grades_from_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edge = pd.read_csv(EDGE, keep_default_na=False)
    rms = tmp_path / "rms.csv"
    pd.DataFrame(
        {"rm_id": edge["rm_id"], "line": "corporate", "grade": "senior", "branch_id": "P1"}
    ).to_csv(rms, index=False)
    perf = tmp_path / "perf.csv"
    edge[list(PERFORMANCE_COLUMNS)].to_csv(perf, index=False)
    out = tmp_path / "new" / "grades.csv"
    assert main(["grades", "--rms", str(rms), "--performance", str(perf), "--out", str(out)]) == 0
    grades = pd.read_csv(out)
    assert list(grades.columns[:4]) == ["rm_id", "grade", "proposed_grade", "decided_by"]
    assert grades["proposed_grade"].tolist() == edge["expected_grade"].tolist()
    assert "1 proposed for promotion" in capsys.readouterr().out


def test_bad_performance_is_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rms = tmp_path / "rms.csv"
    rms.write_text("rm_id,line,grade,branch_id\nM1,retail,rm,O1\n")
    perf = tmp_path / "perf.csv"
    perf.write_text(",".join(PERFORMANCE_COLUMNS) + "\nM2,1,2,3,4,5,80\n")
    out = tmp_path / "g.csv"
    assert main(["grades", "--rms", str(rms), "--performance", str(perf), "--out", str(out)]) == 2
    assert "M2" in capsys.readouterr().err and not out.exists()


def test_the_effect_on_key_accounts(
    bank_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rms = pd.read_csv(bank_dir / "rms.csv", keep_default_na=False)
    perf = tmp_path / "perf.csv"
    # nobody meets a threshold, and nobody is protected (K_C0S is the one senior corporate RM,
    # so it would be the top 15 % of its peers)
    rows = [(r, 0, 0, 0, 0, i, 90) for i, r in enumerate(rms["rm_id"])]
    review = tmp_path / "review.yaml"
    review.write_text("protected_top_share: 0\n")
    pd.DataFrame(rows, columns=list(PERFORMANCE_COLUMNS)).to_csv(perf, index=False)
    args = ["grades", "--rms", str(bank_dir / "rms.csv"), "--performance", str(perf)]
    args += [
        "--customers",
        str(bank_dir / "customers.csv"),
        "--branches",
        str(bank_dir / "branches.csv"),
    ]
    args += [
        "--out",
        str(tmp_path / "g.csv"),
        "--effect",
        str(tmp_path / "effect"),
        "--time-limit",
        "10",
        "--review",
        str(review),
    ]
    assert main(args) == 0
    effect = pd.read_csv(tmp_path / "effect" / "effect.csv").set_index("tier")
    assert effect.loc["key10m", "delta"] < 0  # the senior corporate RM is downgraded
    assert (tmp_path / "effect" / "scenario" / "plan.csv").is_file()
    assert "key10m" in capsys.readouterr().out
