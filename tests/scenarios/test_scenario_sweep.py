"""Sweeps: per-point seeds, a sweep on Dask equals the same sweep run serially, outputs."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from daskcluster import local_cluster

from scenarios.run import BankRun
from scenarios.spec import ScenarioSpec, parse_spec
from scenarios.sweep import TIMING_COLUMNS, point_seed, run_sweep

LIMIT = 20.0


@pytest.fixture(scope="module")
def sweep_spec() -> ScenarioSpec:
    return parse_spec(
        {
            "name": "vip hires",
            "seed": 5,
            "baseline": "sample",
            "edits": [
                {
                    "id": "hires",
                    "add_rms": {
                        "count": 0,
                        "line": "retail",
                        "grade": "senior",
                        "certifications": "AFP",
                        "branch_id": "S1",
                        "unit": "vip_center",
                    },
                },
                {"id": "cap", "set_capacity": {"capacity": 40, "line": "retail", "unit": "outlet"}},
            ],
            "sweep": {"grid": {"hires.count": [0, 1, 2], "cap.capacity": [40, 60]}},
        }
    )


def test_point_seeds_are_stable_and_distinct() -> None:
    a = point_seed(5, {"hires.count": 1, "cap.capacity": 40})
    assert a == point_seed(5, {"cap.capacity": 40, "hires.count": 1})  # key order is irrelevant
    assert a != point_seed(5, {"hires.count": 2, "cap.capacity": 40})
    assert a != point_seed(6, {"hires.count": 1, "cap.capacity": 40})


def test_sweep_on_dask_equals_serial(sweep_spec: ScenarioSpec, baseline_run: BankRun) -> None:
    serial = run_sweep(
        sweep_spec, scheduler="serial", baseline=baseline_run, time_limit=LIMIT, progress=False
    )
    with local_cluster() as address:
        on_dask = run_sweep(
            sweep_spec,
            scheduler=address,
            baseline=baseline_run,
            time_limit=LIMIT,
            progress=False,
        )
    table = serial.table
    assert len(table) == 6 and table["point"].tolist() == list(range(6))
    # determinism needs converged solves: a time-limited one returns whatever it had found
    assert (table["solve_status"] == "optimal").all()
    pd.testing.assert_frame_equal(
        table.drop(columns=list(TIMING_COLUMNS)), on_dask.table.drop(columns=list(TIMING_COLUMNS))
    )
    assert table["seed"].nunique() == 6
    assert table.loc[table["hires.count"] == 2, "headcount"].eq(14).all()
    # more AFP holders in the VIP centre never lower high-tier coverage
    by = table.groupby("cap.capacity")
    for _, part in by:
        assert part.sort_values("hires.count")["coverage.high.share"].is_monotonic_increasing


def test_sweep_writes_table_and_charts(
    sweep_spec: ScenarioSpec, baseline_run: BankRun, tmp_path: Path
) -> None:
    small = sweep_spec.model_copy(
        update={
            "sweep": parse_spec(
                {**sweep_spec.to_dict(), "sweep": {"grid": {"hires.count": [0, 1]}}}
            ).sweep
        }
    )
    result = run_sweep(
        small, scheduler="serial", baseline=baseline_run, time_limit=LIMIT, progress=False
    )
    paths = result.write(tmp_path)
    table = pd.read_csv(paths["table"])
    assert len(table) == 2 and {"hires.count", "headcount", "coverage.high.share"} <= set(table)
    assert paths["png"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    html = paths["html"].read_text()
    assert "data:image/png;base64," in html and "<table" in html
    assert parse_spec(__import__("yaml").safe_load(paths["spec"].read_text())) == small


def test_sweep_needs_a_grid(baseline_run: BankRun) -> None:
    with pytest.raises(ValueError, match="no 'sweep' section"):
        run_sweep(ScenarioSpec(baseline="sample"), scheduler="serial", baseline=baseline_run)
