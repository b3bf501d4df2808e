"""``rmalloc check`` end to end, as a user runs it: small contract CSVs, the console script, exit
codes 0 (valid), 1 (rules broken) and 2 (bad input)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

RMALLOC = Path(sys.executable).with_name("rmalloc")

BRANCHES = """branch_id,parent_id,level
HO,,head_office
P1,HO,province
C1,P1,city
S1,C1,subbranch
O1,S1,outlet
"""

RMS = """rm_id,line,grade,certifications,branch_id,unit,capacity,active
R1,retail,rm,,O1,outlet,,true
R2,retail,senior,CFP,C1,wealth_center,,true
R3,retail,rm,,O1,outlet,,false
K1,corporate,senior,,C1,marketing,,true
"""

CUSTOMERS = """\
customer_id,segment,branch_id,aum,annual_contribution,list_tier,group_id,current_rm_id,locked
m1,retail,O1,300000,0,,,R1,false
p1,retail,O1,7000000,0,,,,false
o1,retail,O1,1000,0,,,,false
k1,corporate,O1,0,12000000,,,,false
"""

PLAN = """customer_id,rm_id,tier,status,reason
m1,R1,mid,kept,
p1,R2,private,new,
o1,,ordinary,pooled,
k1,K1,key10m,new,
"""


@pytest.fixture
def bank(tmp_path: Path) -> dict[str, Path]:
    files = {"branches": BRANCHES, "rms": RMS, "customers": CUSTOMERS, "plan": PLAN}
    paths = {}
    for name, text in files.items():
        paths[name] = tmp_path / f"{name}.csv"
        paths[name].write_text(text, encoding="utf-8")
    return paths


def rmalloc(*args: str | Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    return subprocess.run(
        [str(RMALLOC), *map(str, args)], capture_output=True, text=True, env=env, timeout=120
    )


def check(paths: dict[str, Path], *extra: str | Path) -> subprocess.CompletedProcess[str]:
    return rmalloc(
        "check",
        "--customers",
        paths["customers"],
        "--rms",
        paths["rms"],
        "--branches",
        paths["branches"],
        "--plan",
        paths["plan"],
        *extra,
    )


def test_valid_plan_exits_0(bank: dict[str, Path]) -> None:
    result = check(bank)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "plan OK" in result.stdout
    assert "cover value 2010" in result.stdout  # mid 10 + private 1000 + key10m 1000


def test_valid_plan_json(bank: dict[str, Path]) -> None:
    result = check(bank, "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["ok"] is True
    assert data["violations"] == []
    assert data["score"]["cover_value"] == 2010
    assert data["score"]["moved"] == 0


def test_broken_plan_exits_1_with_summary(bank: dict[str, Path]) -> None:
    # m1 on the inactive R3 (a move, as R1 is still eligible) and k1's tier wrong
    bank["plan"].write_text(
        PLAN.replace("m1,R1,mid,kept,", "m1,R3,mid,moved,").replace("key10m", "subbranch"),
        encoding="utf-8",
    )
    result = check(bank)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "plan INVALID" in result.stdout
    assert "rm_active: 1" in result.stdout
    assert "tier: 1" in result.stdout
    assert "[rm_active] customer m1, rm R3" in result.stdout


def test_broken_plan_json_lists_every_violation(bank: dict[str, Path]) -> None:
    bank["plan"].write_text(PLAN.replace("kept", "new").replace("pooled", "new"), "utf-8")
    result = check(bank, "--json")
    assert result.returncode == 1
    data = json.loads(result.stdout)
    assert data["ok"] is False
    assert data["by_rule"] == {"status": 2}
    assert {v["customer_id"] for v in data["violations"]} == {"m1", "o1"}


def test_missing_customer_row_exits_1(bank: dict[str, Path]) -> None:
    bank["plan"].write_text(PLAN.replace("o1,,ordinary,pooled,\n", ""), "utf-8")
    result = check(bank)
    assert result.returncode == 1
    assert "plan_rows: 1" in result.stdout


def test_plan_with_blank_line_and_policy_file(bank: dict[str, Path], tmp_path: Path) -> None:
    bank["plan"].write_text(PLAN + "\n", "utf-8")
    policy = tmp_path / "policy.yaml"
    policy.write_text("default_capacity: {retail: 8}\n", "utf-8")  # p1 alone fills R2
    assert check(bank, "--policy", policy).returncode == 0
    policy.write_text("default_capacity: {retail: 7}\n", "utf-8")
    result = check(bank, "--policy", policy)
    assert result.returncode == 1
    assert "capacity: 1" in result.stdout


def _status_renamed(bank: dict[str, Path], tmp_path: Path) -> None:
    bank["plan"].write_text(PLAN.replace(",status", ",state"), "utf-8")


def _plan_file_missing(bank: dict[str, Path], tmp_path: Path) -> None:
    bank["plan"] = tmp_path / "nowhere.csv"


def _unknown_segment(bank: dict[str, Path], tmp_path: Path) -> None:
    bank["customers"].write_text(CUSTOMERS.replace("k1,corporate", "k1,wholesale"), "utf-8")


@pytest.mark.parametrize(
    ("breaks", "named", "quiet"),
    [
        pytest.param(_status_renamed, ("plan.csv", "status"), True, id="plan-missing-column"),
        pytest.param(_plan_file_missing, ("nowhere.csv",), False, id="missing-plan-file"),
        pytest.param(_unknown_segment, ("wholesale",), False, id="bad-instance"),
    ],
)
def test_bad_input_exits_2(
    bank: dict[str, Path],
    tmp_path: Path,
    breaks: Callable[[dict[str, Path], Path], None],
    named: tuple[str, ...],
    quiet: bool,
) -> None:
    """Input the check cannot read is exit 2, named on stderr (and nothing on stdout, where
    the plan's own columns are missing)."""
    breaks(bank, tmp_path)
    result = check(bank)
    assert result.returncode == 2, result.stdout + result.stderr
    for word in named:
        assert word in result.stderr
    if quiet:
        assert result.stdout == ""


def test_bad_policy_exits_2(bank: dict[str, Path], tmp_path: Path) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text("default_capacity: {retail: -1}\n", "utf-8")
    result = check(bank, "--policy", policy)
    assert result.returncode == 2
    assert "policy.yaml" in result.stderr


def test_the_quarterly_rules_are_enforced(bank: dict[str, Path], tmp_path: Path) -> None:
    # m1 is moved from R1 (still its own) to R2: a private-only move rule is fine, a mid one not;
    # a reason code that does not hold breaks the plan too
    plan = PLAN.replace("m1,R1,mid,kept,", "m1,R2,mid,moved,")
    bank["plan"].write_text(plan, encoding="utf-8")
    policy = tmp_path / "policy.yaml"
    policy.write_text("continuity: {move_only_on_departure: [mid]}\n", encoding="utf-8")
    args = ["check", "--customers", bank["customers"], "--rms", bank["rms"]]
    args += ["--branches", bank["branches"], "--plan", bank["plan"]]
    res = rmalloc(*args, "--policy", policy, "--json")
    assert res.returncode == 1
    assert json.loads(res.stdout)["by_rule"] == {"units": 1, "move_only_on_departure": 1}
    bank["plan"].write_text("customer_id,rm_id,tier,status,reason,reason_code\n"
                            "m1,R1,mid,kept,,\np1,R2,private,new,,\no1,,ordinary,pooled,,\n"
                            "k1,K1,key10m,new,,rm_left\n", encoding="utf-8")  # fmt: skip
    res = rmalloc(*args, "--json")
    assert res.returncode == 1 and json.loads(res.stdout)["by_rule"] == {"reason": 1}
