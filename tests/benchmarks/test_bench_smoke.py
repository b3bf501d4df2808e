"""The workforce benchmark runs at its CI size: the planner against greedy "hire where short",
every plan reaching the targets under an independent allocation."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "workforce_bench.py"


def test_workforce_bench_smoke(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = importlib.util.spec_from_file_location("workforce_bench", BENCH)
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    out = tmp_path / "r.json"
    assert bench.main(["--smoke", "--time-limit", "20", "--workers", "1", "--json", str(out)]) == 0
    assert "mean cost ratio planner / greedy:" in capsys.readouterr().out
    result = json.loads(out.read_text())
    rows = {r["method"]: r for r in result["rows"]}
    assert all(r["reached"] for r in rows.values())
    # the optimiser never pays more than the greedy for the same options
    assert rows["planner hires only"]["cost"] <= rows["greedy"]["cost"]
    assert rows["planner"]["cost"] <= rows["planner hires only"]["cost"]
