"""The Dask benchmark stays runnable: its smoke run (4,000 customers, a two-worker LocalCluster)
solves the bank both ways, and the plans pass the checker with the same cover value."""

from __future__ import annotations

import pytest

from benchmarks import dask_bench


@pytest.mark.slow
def test_smoke_run_matches(capsys: pytest.CaptureFixture[str]) -> None:
    assert dask_bench.main(["--smoke", "--inner", "milp"]) == 0
    out = capsys.readouterr().out
    assert out.count("| True | yes |") == 2
