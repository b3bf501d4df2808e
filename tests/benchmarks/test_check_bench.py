"""The checker-cost benchmark: one small bank, measured and clean."""

from __future__ import annotations

from benchmarks import check_bench


def test_a_small_v11_bank_is_checked_without_violations() -> None:
    row = dict(zip(check_bench.HEADER, check_bench.measure(2000, "v1.1", 3, 5.0), strict=True))
    assert row["violations"] == 0
    assert row["check s"] >= 0 and row["customers"] == "2,000"
