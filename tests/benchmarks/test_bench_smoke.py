"""The benchmarks that guard a claim run at their CI size, each with the checks of its claim.

The workforce benchmark: the planner against greedy "hire where short", every plan reaching the
targets under an independent allocation. The scenario benchmark: the warm/cold ratio, and a warm
run that is not bought with a worse plan. One test runs both, as their smoke runs are driven the
same way (``main`` with ``--smoke`` and ``--json``); only what is checked differs.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from benchmarks import scenario_bench, workforce_bench


def workforce_claims(result: dict[str, Any]) -> None:
    """Every method reaches the targets, and the planner pays no more than its baselines."""
    rows = {r["method"]: r for r in result["rows"]}
    assert all(r["reached"] for r in rows.values())
    # the optimiser never pays more than the greedy for the same options
    assert rows["planner hires only"]["cost"] <= rows["greedy"]["cost"]
    assert rows["planner"]["cost"] <= rows["planner hires only"]["cost"]


def scenario_claims(result: dict[str, Any]) -> None:
    """The rows are the warm and cold scenario runs, and warm starting costs no plan quality."""
    warm, cold = result["rows"][1], result["rows"][2]
    assert warm["run"] == "scenario warm" and cold["run"] == "scenario cold"
    assert result["ratio"] > 0
    # the warm run is not bought with a worse plan
    if warm["status"] == cold["status"] == "optimal":
        assert warm["cover_value"] == cold["cover_value"] and warm["moved"] == cold["moved"]


@pytest.mark.parametrize(
    ("bench", "headline", "claims"),
    [
        (workforce_bench, "mean cost ratio planner / greedy:", workforce_claims),
        (scenario_bench, "ratio warm/cold:", scenario_claims),
    ],
    ids=["workforce", "scenario"],
)
def test_bench_smoke(
    bench: ModuleType,
    headline: str,
    claims: Callable[[dict[str, Any]], None],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = tmp_path / "r.json"
    assert bench.main(["--smoke", "--time-limit", "20", "--workers", "1", "--json", str(out)]) == 0
    assert headline in capsys.readouterr().out
    claims(json.loads(out.read_text()))
