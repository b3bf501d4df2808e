"""rm_performance.csv and the RMs to review: every problem at once, naming row and column."""

from __future__ import annotations

import pandas as pd
import pytest

from allocator.errors import InputError
from scenarios.grades.performance import PERFORMANCE_COLUMNS, load_performance, load_review_rms


def test_performance_rows_are_checked() -> None:
    frame = pd.DataFrame(
        [
            ("M1", 1, 2, 3, 4, -5, 80),  # a negative contribution score is a score
            ("M1", 1, 2, 3, 4, 5, 80),  # repeated
            ("M9", "x", 2, 3, 4, 5, 101),  # unknown RM, not a number, quality above 100
        ],
        columns=list(PERFORMANCE_COLUMNS),
    )
    with pytest.raises(InputError) as info:
        load_performance(frame, rm_ids={"M1", "M2"})
    got = {(i.row, i.column) for i in info.value.issues}
    assert got == {(3, "rm_id"), (4, "rm_id"), (4, "deposits_avg"), (4, "quality_score")}


def test_missing_columns() -> None:
    with pytest.raises(InputError, match="required column"):
        load_performance(pd.DataFrame({"rm_id": ["M1"]}))


def test_review_rms_from_rms_csv_alone() -> None:
    frame = pd.DataFrame(
        {
            "rm_id": ["M1", "M2"],
            "line": ["retail", "cash"],
            "grade": ["rm", "boss"],
            "active": ["", "maybe"],
        }
    )
    with pytest.raises(InputError) as info:
        load_review_rms(frame, ["assistant", "rm"])
    assert {(i.row, i.column) for i in info.value.issues} == {
        (3, "line"),
        (3, "grade"),
        (3, "active"),
    }
    ok = load_review_rms(frame.iloc[:1], ["rm"])
    assert ok["active"].tolist() == [True] and ok["position"].tolist() == ["rm"]
