"""The GAP benchmark harness: its comparison rules, and a smoke run (3 tiny instances, 1 s each)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from gapdata import GAP_DATA, needs_data

from allocator.gap import GapInstance
from benchmarks import gap_bench
from benchmarks.gap_baselines import BaselineResult


def _has_cpsat() -> bool:
    from allocator.backends import available_backends

    return "cpsat" in available_backends()


def test_comparison_rules() -> None:
    assert gap_bench.better(10, 11, "min") and not gap_bench.better(11, 11, "min")
    assert gap_bench.better(12, 11, "max") and not gap_bench.better(10, 11, "max")
    assert gap_bench.better(10, None, "min") and not gap_bench.better(None, 10, "min")
    assert gap_bench.not_worse(11, 11, "min") and gap_bench.not_worse(None, None, "max")
    assert not gap_bench.not_worse(None, 3, "min") and not gap_bench.not_worse(12, 11, "min")
    assert gap_bench.gap_pct(101, 100, "min") == pytest.approx(1.0)
    assert gap_bench.gap_pct(99, 100, "max") == pytest.approx(1.0)
    assert gap_bench.gap_pct(None, 100, "min") is None
    assert gap_bench.gap_pct(5, None, "min") is None


def test_an_infeasible_answer_does_not_count() -> None:
    inst = GapInstance(
        "t",
        np.array([[1, 1]]),
        np.array([[2, 2]]),
        np.array([3]),  # one agent cannot take both
    )
    bad = BaselineResult(2, 2.0, "optimal", 0.1, np.array([0, 0]))
    out = gap_bench.checked(inst, "x", bad)
    assert out.objective is None and out.status == "infeasible_answer"
    crash = gap_bench.guarded(inst, "x", lambda: 1 / 0)  # type: ignore[arg-type,return-value]
    assert crash.status == "error" and crash.objective is None


@needs_data
def test_instance_selection() -> None:
    every = gap_bench.load_instances(GAP_DATA)
    assert len(every) == 57 + 60  # gapa..gapd duplicate the Yagiura A-D files: left out
    names = [i.name for i in gap_bench.select(every, ["gap1-?", "c05*"], None)]
    assert names == ["c05100", "c05200", *[f"gap1-{k}" for k in range(1, 6)]]
    cde = gap_bench.select(every, None, ["c", "D", "E "])
    assert {i.type for i in cde} == {"C", "D", "E"} and len(cde) == 45


def test_bad_arguments_exit_2(tmp_path: Path) -> None:
    assert gap_bench.main(["--data-dir", str(tmp_path), "--smoke"]) == 2
    if GAP_DATA.is_dir():
        assert gap_bench.main(["--data-dir", str(GAP_DATA), "--backend", "no-such"]) == 2
        assert gap_bench.main(["--data-dir", str(GAP_DATA), "--instances", "zzz*"]) == 2


@needs_data
@pytest.mark.skipif(not _has_cpsat(), reason="the cpsat backend is not available")
def test_smoke_benchmark_runs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "gap_smoke.csv"
    assert (
        gap_bench.main(["--smoke", "--markdown", "--out", str(out), "--data-dir", str(GAP_DATA)])
        == 0
    )
    df = pd.read_csv(out)
    assert list(df.columns[: len(gap_bench.COLUMNS)]) == gap_bench.COLUMNS
    assert sorted(df["instance"]) == sorted(gap_bench.SMOKE_INSTANCES)
    # every solver answers these tiny instances within 1 s, with an oracle-checked assignment
    for col in ("ours", "plain_cpsat", "plain_highs"):
        assert df[col].notna().all(), col
    assert (df[["gap_pct", "plain_cpsat_gap_pct", "plain_highs_gap_pct"]] >= -1e-9).all().all()
    row = df.set_index("instance").loc["gap1-1"]
    assert row["sense"] == "max" and row["best_known"] == 336 and row["ours"] == 336
    printed = capsys.readouterr().out
    assert printed.startswith("| instance | type |")
    assert "ours vs plain_cpsat: better on" in printed and "not worse on" in printed
    assert "mean gap to best known, type C" in printed


def test_summary_counts_the_target_strictly_and_with_ties_at_the_best_known() -> None:
    def row(name: str, best: int, ours: int, cp: int, hi: int) -> dict[str, object]:
        return {
            "instance": name,
            "type": "D",
            "gap_pct": gap_bench.gap_pct(ours, best, "min"),
            "plain_cpsat_gap_pct": gap_bench.gap_pct(cp, best, "min"),
            "plain_highs_gap_pct": gap_bench.gap_pct(hi, best, "min"),
            "ours": ours,
            "plain_cpsat": cp,
            "plain_highs": hi,
            **{
                f"ours_better_than_{b}": gap_bench.better(ours, v, "min")
                for b, v in (("cpsat", cp), ("highs", hi))
            },
            **{
                f"ours_not_worse_than_{b}": gap_bench.not_worse(ours, v, "min")
                for b, v in (("cpsat", cp), ("highs", hi))
            },
        }

    df = pd.DataFrame(
        [
            row("beats", 100, 101, 103, 102),  # strictly better than both
            row("optimum", 100, 100, 100, 101),  # ties CP-SAT at the best known: second figure
            row("tie_off_best", 100, 102, 104, 102),  # ties HiGHS above the best known: neither
            row("loses", 100, 105, 104, 101),  # both ahead
        ]
    )
    lines = gap_bench.summary(df)
    assert "better than both baselines on 1/4 (25%)" in lines[-3]
    assert "better, or equal at the best known value, than both on 2/4 (50%)" in lines[-3]
    assert lines[-2] == "plain_highs ahead on: loses by 4"
    assert lines[-1] == "plain_cpsat ahead on: loses by 1"
