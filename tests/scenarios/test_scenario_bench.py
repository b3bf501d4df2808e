"""The scenario benchmark runs at its CI size and prints the warm/cold ratio."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "scenario_bench.py"


def test_scenario_bench_smoke(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = importlib.util.spec_from_file_location("scenario_bench", BENCH)
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    out = tmp_path / "r.json"
    assert bench.main(["--smoke", "--time-limit", "20", "--workers", "1", "--json", str(out)]) == 0
    assert "ratio warm/cold:" in capsys.readouterr().out
    result = json.loads(out.read_text())
    warm, cold = result["rows"][1], result["rows"][2]
    assert warm["run"] == "scenario warm" and cold["run"] == "scenario cold"
    assert result["ratio"] > 0
    # the warm run is not bought with a worse plan
    if warm["status"] == cold["status"] == "optimal":
        assert warm["cover_value"] == cold["cover_value"] and warm["moved"] == cold["moved"]
