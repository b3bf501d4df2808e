"""The quarterly re-allocation benchmark: its helpers, and one small re-run in-process."""

from __future__ import annotations

import pandas as pd
import pytest

from benchmarks import quarter_bench


def test_the_plan_becomes_today_book_and_unplaced_locks_are_released() -> None:
    customers = pd.DataFrame(
        {"customer_id": ["a", "b"], "current_rm_id": ["x", "y"], "locked": [True, True]}
    )
    plan = pd.DataFrame({"customer_id": ["a", "b"], "rm_id": ["z", ""]})
    book = quarter_bench.make_book(customers, plan)
    assert book["current_rm_id"].tolist() == ["z", ""]
    assert book["locked"].tolist() == [True, False]


def test_leavers_are_drawn_among_rms_who_serve_someone() -> None:
    rms = pd.DataFrame({"rm_id": [f"r{i}" for i in range(100)]})
    plan = pd.DataFrame({"customer_id": ["a", "b", "c"], "rm_id": ["r1", "r2", ""]})
    out = quarter_bench.pick_leavers(rms, plan, 0.03, seed=0)
    assert set(out) == {"r1", "r2"}  # 3 wanted, only two serve anybody


def test_failures_name_what_a_smoke_run_must_not_see() -> None:
    ok = {
        "customers": 1,
        "scenario": "unchanged",
        "checker_ok": True,
        "moves": 0,
        "cover": 10,
        "first_cover": 10,
        "start_cover": 10,
        "start_moves": 0,
        "moves_bound": 0,
    }
    assert quarter_bench.failures([ok]) == []
    moved = dict(ok, moves=3)
    assert quarter_bench.failures([moved]) == [
        "1 unchanged: moves without more cover",
        "1 unchanged: worse than the start",
    ]
    assert quarter_bench.failures([dict(moved, cover=11)]) == []


@pytest.mark.slow
def test_an_unchanged_small_bank_reruns_without_moves() -> None:
    row = quarter_bench.run_one(2000, "unchanged", 0, 10.0, None, "flow", 0.03)
    assert row["checker_ok"] and quarter_bench.failures([row]) == []
    assert row["moves"] == 0 and row["cover"] == row["first_cover"]
