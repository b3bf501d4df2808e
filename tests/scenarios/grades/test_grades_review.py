"""The grade review reproduces hand-computed grades for RMs at each threshold's edge (20 senior
corporate RMs: ``edge_rms.csv`` says, per RM, the grade and deciding test worked out by hand
from the seed's table), and each test is a function with its own short test."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from allocator.policy import Policy
from scenarios.grades.performance import PERFORMANCE_COLUMNS, load_performance
from scenarios.grades.policy import load_review_policy
from scenarios.grades.review import (
    GRADES_COLUMNS,
    contribution_ranks,
    protected,
    quality_test,
    rank_test,
    review_grades,
    threshold_test,
)

EDGE = Path(__file__).with_name("edge_rms.csv")


def senior_rms(ids: list[str]) -> pd.DataFrame:
    return pd.DataFrame(
        {"rm_id": ids, "line": "corporate", "grade": "senior", "active": True, "position": "rm"}
    )


def test_hand_computed_grades_at_every_edge(policy: Policy) -> None:
    edge = pd.read_csv(EDGE, keep_default_na=False)
    perf = load_performance(edge[list(PERFORMANCE_COLUMNS)])
    grades = review_grades(
        senior_rms(list(edge["rm_id"])), perf, policy.grades, load_review_policy()
    )
    assert list(grades.columns[:4]) == list(GRADES_COLUMNS)
    got = grades.set_index("rm_id")[["proposed_grade", "decided_by"]]
    want = edge.set_index("rm_id")[["expected_grade", "expected_by"]]
    mismatch = [
        (rm, tuple(got.loc[rm]), tuple(want.loc[rm]), edge.set_index("rm_id").loc[rm, "why"])
        for rm in want.index
        if tuple(got.loc[rm]) != tuple(want.loc[rm])
    ]
    assert not mismatch, mismatch


def test_threshold() -> None:
    senior = load_review_policy().threshold("corporate", "senior")
    assert senior is not None
    row = pd.Series(
        {
            "deposits_avg": 60e6,
            "loans_avg": 1.0,
            "new_deposits_avg": 30e6,
            "intl_settlement_usd": 0.0,
            "contribution_score": 0.0,
            "quality_score": 0.0,
        }
    )
    assert threshold_test(row, senior)
    assert not threshold_test(row.replace({1.0: 0.0}), senior)  # no loan balance


def test_contribution_rank_ties_share_the_better_rank() -> None:
    perf = pd.DataFrame(
        {
            "rm_id": list("abcde"),
            "line": "retail",
            "grade": "rm",
            "contribution_score": [5, 9, 9, 1, 7],
        }
    )
    ranks = contribution_ranks(perf)
    assert ranks["rank"].tolist() == [4, 1, 1, 5, 3] and ranks["peers"].tolist() == [5] * 5
    assert rank_test(12, 20, 0.6) and not rank_test(13, 20, 0.6)
    assert rank_test(1, 1, 0.6)  # a lone RM holds the one place


def test_quality_and_protection() -> None:
    review = load_review_policy()
    assert quality_test(80, 80) and not quality_test(79.99, 80)
    assert protected(3, 20, review) and not protected(4, 20, review)


def test_rms_not_reviewed_or_without_data(policy: Policy) -> None:
    rms = pd.DataFrame(
        {
            "rm_id": ["X1", "X2", "X3", "X4"],
            "line": "retail",
            "grade": ["rm", "rm", "rm", "assistant"],
            "active": [True, False, True, True],
            "position": ["rm", "rm", "assistant_post", "rm"],
        }
    )
    perf = pd.DataFrame([("X4", 0, 0, 0, 0, 50, 90)], columns=list(PERFORMANCE_COLUMNS))
    grades = review_grades(rms, perf, policy.grades, load_review_policy())
    assert grades["decided_by"].tolist() == [
        "no_data",
        "not_reviewed",
        "not_reviewed",
        "lowest_grade",
    ]
    assert (grades["proposed_grade"] == grades["grade"]).all()


def test_promotion_from_the_lowest_grade(policy: Policy) -> None:
    rms = pd.DataFrame(
        {"rm_id": ["Y1"], "line": "retail", "grade": "assistant", "active": True, "position": "rm"}
    )
    perf = pd.DataFrame([("Y1", 20e6, 0, 0, 0, 50, 80)], columns=list(PERFORMANCE_COLUMNS))
    row = review_grades(rms, perf, policy.grades, load_review_policy()).iloc[0]
    assert (row["proposed_grade"], row["decided_by"]) == ("rm", "all_tests")


@pytest.mark.parametrize(
    "override",
    [
        {"quality_min": 101},
        {"thresholds": {"corporate": {"rm": {"all": [{"metric": "deposits_avg"}]}}}},
    ],
)
def test_a_bad_review_policy(override: dict[str, object]) -> None:
    from allocator.errors import InputError

    with pytest.raises(InputError, match="grade review"):
        load_review_policy(override)
