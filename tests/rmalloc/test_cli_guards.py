"""Hostile and careless input on the command line (issue 13): every case is refused with exit 2
and a sentence naming where, or handled; nothing is written on a refusal."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from clirun import bank_args, run, write_tiny_bank  # type: ignore[import-not-found]

from rmalloc.cli import main


@pytest.fixture
def bank(tmp_path: Path) -> dict[str, Path]:
    return write_tiny_bank(tmp_path, "4")


def allocate(bank: dict[str, Path], *extra: str) -> int:
    return main(["allocate", *bank_args(bank), "--time-limit", "5", "--quiet", *extra])


# -- case 1 and 2: numbers beyond the bounds ---------------------------------------------------
@pytest.mark.parametrize("workload", ["1e19", "1.0e+19", "1e309", ".inf"])
def test_huge_policy_workload_exits_2_naming_the_field(
    bank: dict[str, Path], tmp_path: Path, workload: str
) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text(f"tiers:\n  mid: {{workload: {workload}}}\n")
    plan = tmp_path / "plan.csv"
    res = run("allocate", *bank_args(bank), "--policy", str(policy), "--out", str(plan))
    assert res.returncode == 2, res.stderr
    assert "tiers.mid.workload" in res.stderr
    assert "https://" not in res.stderr and "validation error" not in res.stderr
    assert "Traceback" not in res.stderr and not plan.exists()


def test_huge_rm_capacity_exits_2_naming_the_cell(bank: dict[str, Path], tmp_path: Path) -> None:
    rms = pd.read_csv(bank["rms"], dtype=str, keep_default_na=False)
    rms.loc[1, "capacity"] = "9.3e18"
    rms.to_csv(bank["rms"], index=False)
    plan = tmp_path / "plan.csv"
    res = run("allocate", *bank_args(bank), "--out", str(plan))
    assert res.returncode == 2, res.stderr
    assert "rms.csv, row 3, column capacity, value '9.3e18'" in res.stderr
    assert "Traceback" not in res.stderr and not plan.exists()


# -- readable input errors ---------------------------------------------------------------------
def test_semicolon_file_says_so(bank: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    text = bank["customers"].read_text().replace(",", ";")
    bank["customers"].write_text(text)
    assert allocate(bank, "--out", str(bank["customers"].with_name("plan.csv"))) == 2
    err = capsys.readouterr().err
    assert "looks semicolon-separated" in err and "--delimiter ';'" in err
    assert "required column is missing" not in err


def test_delimiter_option_reads_it(bank: dict[str, Path], tmp_path: Path) -> None:
    for path in bank.values():
        path.write_text(path.read_text().replace(",", ";"))
    assert allocate(bank, "--delimiter", ";", "--out", str(tmp_path / "plan.csv")) == 0


def test_gbk_file_names_the_line_and_the_encoding(
    bank: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = bank["customers"].read_text().replace("K2", "客户2")
    bank["customers"].write_bytes(text.encode("gbk"))
    assert allocate(bank, "--out", str(tmp_path / "plan.csv")) == 2
    err = capsys.readouterr().err
    assert "customers.csv, row 3" in err and "line 3" in err and "--encoding gbk" in err
    assert allocate(bank, "--encoding", "gbk", "--out", str(tmp_path / "plan.csv")) == 0
    assert "客户2" in (tmp_path / "plan.csv").read_text()


def test_policy_errors_are_plain_sentences(
    bank: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text("tiers:\n  mid: {workload: many, priorty: 3}\ncontinuity: {handover: x}\n")
    assert allocate(bank, "--policy", str(policy), "--out", str(tmp_path / "p.csv")) == 2
    err = capsys.readouterr().err
    assert "tiers.mid.workload: must be a number (got 'many')" in err
    assert "tiers.mid.priorty: is not a setting of the policy" in err
    assert "continuity.handover: must be one of 'same_outlet_first' or 'none'" in err
    for raw in ("pydantic", "https://", "type=", "input_value", "validation error"):
        assert raw not in err


def test_lock_conflicts_name_the_file_as_given(
    bank: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    c = pd.read_csv(bank["customers"], dtype=str, keep_default_na=False)
    c["current_rm_id"], c["locked"] = "M1", "true"
    c.loc[2, ["current_rm_id", "locked"]] = ["", ""]
    blank = pd.DataFrame([[""] * c.shape[1]], columns=c.columns)
    c = pd.concat([blank, c], ignore_index=True)  # an empty row first: rows shift by one
    c.to_csv(bank["customers"], index=False)
    r = pd.read_csv(bank["rms"], dtype=str, keep_default_na=False)
    r.loc[0, "capacity"] = "1"
    r.to_csv(bank["rms"], index=False)
    assert allocate(bank, "--out", str(tmp_path / "p.csv")) == 2
    err = capsys.readouterr().err
    assert "customers.csv, row 3, column locked" in err and "customers.csv, row 4" in err
    assert "(row 3, row 4)" in err


# -- careless rows -----------------------------------------------------------------------------
def test_row_of_commas_is_a_warning_naming_it(
    bank: dict[str, Path], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    lines = bank["customers"].read_text().splitlines()
    lines.insert(2, "," * (lines[0].count(",")))
    bank["customers"].write_text("\n".join(lines) + "\n")
    assert allocate(bank, "--out", str(tmp_path / "p.csv")) == 0
    assert "customers.csv: 1 empty row(s) skipped (every cell empty): row(s) 3" in caplog.text


def test_header_only_customers_is_an_error(
    bank: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    header = bank["customers"].read_text().splitlines()[0]
    bank["customers"].write_text(header + "\n")
    assert allocate(bank, "--out", str(tmp_path / "p.csv")) == 2
    assert "no customers" in capsys.readouterr().err
    assert not (tmp_path / "p.csv").exists()


def test_error_report_is_capped_with_the_full_list_on_demand(
    bank: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = [f"K{i},retial,C0S1O1,-1,0" for i in range(2000)]
    header = "customer_id,segment,branch_id,aum,annual_contribution"
    bank["customers"].write_text("\n".join([header, *rows]) + "\n")
    errors = tmp_path / "out" / "errors.csv"
    assert allocate(bank, "--out", str(tmp_path / "p.csv"), "--errors", str(errors)) == 2
    err = capsys.readouterr().err
    assert err.count("\n  - ") == 50 and "invalid input: 4000 problem(s)" in err
    assert "... and 3950 more; all 4000 written to" in err
    table = pd.read_csv(errors)
    assert len(table) == 4000 and list(table.columns[:3]) == ["file", "row", "column"]


def test_a_huge_bad_file_costs_a_bounded_report(
    bank: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    header = "customer_id,segment,branch_id,aum,annual_contribution\n"
    body = "".join(f"K{i},retial,C0S1O1,-1,0\n" for i in range(60_000))
    bank["customers"].write_text(header + body)
    errors = tmp_path / "errors.csv"
    out = tmp_path / "p.csv"
    code = allocate(bank, "--out", str(out), "--errors", str(errors), "--limit", "max_issues=500")
    assert code == 2
    err = capsys.readouterr().err
    assert len(err) < 10_000 and "invalid input: 120000 problem(s)" in err
    assert "--limit max_issues=N" in err
    assert len(pd.read_csv(errors)) == 1000


# -- output formats and paths ------------------------------------------------------------------
@pytest.mark.parametrize("suffix", [".xlsx", ".parquet", ".csv"])
def test_out_is_written_in_the_format_of_its_suffix(
    bank: dict[str, Path], tmp_path: Path, suffix: str
) -> None:
    out = tmp_path / "new" / "deeper" / f"plan{suffix}"
    assert allocate(bank, "--out", str(out), "--kpis", str(tmp_path / "k" / "kpis.json")) == 0
    reader = {".xlsx": pd.read_excel, ".parquet": pd.read_parquet, ".csv": pd.read_csv}[suffix]
    table = reader(out)
    assert table["customer_id"].tolist() == ["K1", "K2", "K3"]
    assert (tmp_path / "k" / "kpis.json").read_text().startswith("{")


@pytest.mark.parametrize(
    ("option", "name", "words"),
    [
        ("--out", "plan.txt", "names no table format"),
        ("--out", "plan", "names no table format"),
        ("--kpis", "kpis.csv", "ending in .json"),
    ],
)
def test_unknown_output_suffix_exits_2_before_solving(
    bank: dict[str, Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    option: str,
    name: str,
    words: str,
) -> None:
    paths = {"--out": tmp_path / "plan.csv", option: tmp_path / name}
    with pytest.raises(SystemExit) as exc:
        allocate(bank, *[f"{k}={v}" for k, v in paths.items()])
    assert exc.value.code == 2
    assert words in capsys.readouterr().err
    assert list(tmp_path.glob("plan*")) == []


def test_report_folder_that_is_a_file_exits_2(bank: dict[str, Path], tmp_path: Path) -> None:
    taken = tmp_path / "report"
    taken.write_text("not a folder")
    with pytest.raises(SystemExit) as exc:
        allocate(bank, "--out", str(tmp_path / "p.csv"), "--report", str(taken))
    assert exc.value.code == 2


def test_headcount_out_into_a_missing_folder(bank: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "missing" / "folder" / "hires.csv"
    res = run("headcount", *bank_args(bank), "--target", "mid=1.0", "--time-limit", "10",
              "--out", str(out), "--report", str(tmp_path / "also" / "missing"))  # fmt: skip
    assert "Traceback" not in res.stderr, res.stderr
    assert res.returncode == 0, res.stderr
    assert out.is_file() and (tmp_path / "also" / "missing" / "summary.json").is_file()


def test_bad_limit_option_is_a_usage_error(bank: dict[str, Path], tmp_path: Path) -> None:
    for bad in ("max_rowz=5", "max_rows=-1", "max_rows"):
        with pytest.raises(SystemExit) as exc:
            allocate(bank, "--out", str(tmp_path / "p.csv"), "--limit", bad)
        assert exc.value.code == 2
