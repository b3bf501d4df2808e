"""The annual RM grade review (评聘): each grade's three tests, one function each, and a proposed
grade per RM with the test that decided it.

Per RM of its line and grade (DOMAIN.md, "RM grade review"):

1. *promotion*: it passes all three tests of the grade above -> that grade (``all_tests``);
2. *kept*: it passes all three tests of its own grade (``all_tests``);
3. *protected*: it fails only the performance threshold but is in the top 15 % on contribution
   -> kept (``protected_top15``);
4. *downgraded*: one grade lower, decided by the first test it fails, in the seed's order
   (``threshold``, ``contribution_rank``, ``quality``); never below the lowest grade.

An RM without a performance row is kept (``no_data``); the lowest grade has no tests to hold it
(``lowest_grade``); inactive RMs and non-RM positions are not reviewed (``not_reviewed``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from scenarios.grades.policy import METRICS, ReviewPolicy, Threshold

#: grades.csv (contract v1.1), then the figures behind each decision
GRADES_COLUMNS: tuple[str, ...] = ("rm_id", "grade", "proposed_grade", "decided_by")
DETAIL_COLUMNS: tuple[str, ...] = ("line", "contribution_rank", "peers", "contribution_share")
#: the tests of a grade, in the seed's order (the first failed decides a downgrade)
TESTS: tuple[str, ...] = ("threshold", "contribution_rank", "quality")


def threshold_test(row: pd.Series, threshold: Threshold) -> bool:
    """The performance threshold (业绩门槛) of a grade, on an RM's performance row."""
    return threshold.holds({m: float(row[m]) for m in METRICS})


def contribution_ranks(perf: pd.DataFrame) -> pd.DataFrame:
    """Each RM's rank on contribution among its peers (same line and grade), best first; tied
    scores share the better rank. ``share`` is rank / peers (for the reader: the tests use
    :func:`in_top`)."""
    score = perf["contribution_score"]
    rank = score.groupby([perf["line"], perf["grade"]]).rank(method="min", ascending=False)
    peers = perf.groupby(["line", "grade"])["rm_id"].transform("size")
    return pd.DataFrame(
        {"rank": rank.astype(int), "peers": peers.astype(int), "share": rank / peers}
    )


def in_top(rank: int, peers: int, top_share: float) -> bool:
    """Whether ``rank`` (1 = best) of ``peers`` is in the top ``top_share``, inclusive: the top
    share holds ``ceil(top_share x peers)`` places (12 of 20 for 60 %, 3 of 20 for 15 %; a lone
    RM holds the one place)."""
    return rank <= math.ceil(top_share * peers - 1e-9)


def rank_test(rank: int, peers: int, top_share: float) -> bool:
    """The contribution rank (综合贡献得分): in the top ``top_share`` of its peers, inclusive."""
    return in_top(rank, peers, top_share)


def quality_test(score: float, minimum: float) -> bool:
    """The quality score (综合素质得分): at least ``minimum``."""
    return score >= minimum


def protected(rank: int, peers: int, policy: ReviewPolicy) -> bool:
    """Below the threshold but in the top ``protected_top_share`` on contribution: not
    downgraded."""
    return in_top(rank, peers, policy.protected_top_share)


def failed_tests(row: pd.Series, threshold: Threshold, policy: ReviewPolicy) -> list[str]:
    """The tests of a grade (its threshold, the policy's rank and quality) the RM fails, in
    order."""
    passed = {
        "threshold": threshold_test(row, threshold),
        "contribution_rank": rank_test(
            int(row["rank"]), int(row["peers"]), policy.contribution_top_share
        ),
        "quality": quality_test(float(row["quality_score"]), policy.quality_min),
    }
    return [t for t in TESTS if not passed[t]]


def decide(row: pd.Series, grades: Sequence[str], policy: ReviewPolicy) -> tuple[str, str]:
    """(proposed grade, decided by) for one reviewed RM: its performance row with its ``rank``
    among ``peers`` (:func:`contribution_ranks`)."""
    g = grades.index(row["grade"])
    line = str(row["line"])
    for step in range(policy.max_step, 0, -1):  # the highest grade above whose tests it passes
        up = g + step
        above = policy.threshold(line, grades[up]) if up < len(grades) else None
        if above is not None and not failed_tests(row, above, policy):
            return grades[up], "all_tests"
    own = policy.threshold(line, grades[g])
    if own is None:
        return grades[g], "lowest_grade" if g == 0 else "no_test"
    fails = failed_tests(row, own, policy)
    if fails and fails[0] == "threshold" and protected(int(row["rank"]), int(row["peers"]), policy):
        fails = fails[1:]
        if not fails:
            return grades[g], policy.protected_label
    if not fails:
        return grades[g], "all_tests"
    return grades[max(g - 1, 0)], fails[0]


def review_grades(
    rms: pd.DataFrame, performance: pd.DataFrame, grades: Sequence[str], policy: ReviewPolicy
) -> pd.DataFrame:
    """One row per RM of rms.csv: ``rm_id, grade, proposed_grade, decided_by``, then ``line,
    contribution_rank, peers, contribution_share`` (empty where the RM was not ranked).

    Parameters
    ----------
    rms
        ``rm_id, line, grade, active, position`` (a validated bank's rms, or
        :func:`~scenarios.grades.performance.load_review_rms`).
    performance
        rm_performance.csv (:func:`~scenarios.grades.performance.load_performance`).
    grades
        The grades, low to high (the allocation policy's).
    """
    position = rms["position"] if "position" in rms.columns else pd.Series("rm", index=rms.index)
    reviewed = rms["active"].to_numpy(dtype=bool) & position.isin(["rm", ""]).to_numpy()
    base = rms.loc[reviewed, ["rm_id", "line", "grade"]]
    perf = base.merge(performance, on="rm_id", how="inner")
    ranks = contribution_ranks(perf)
    perf = pd.concat([perf, ranks], axis=1).set_index("rm_id")
    rows = []
    for rm_id, line, grade, is_reviewed in zip(
        rms["rm_id"], rms["line"], rms["grade"], reviewed, strict=True
    ):
        if not is_reviewed:
            rows.append((rm_id, grade, grade, "not_reviewed", line, np.nan, np.nan, np.nan))
        elif rm_id not in perf.index:
            rows.append((rm_id, grade, grade, "no_data", line, np.nan, np.nan, np.nan))
        else:
            p = perf.loc[rm_id]
            proposed, why = decide(p, grades, policy)
            rows.append((rm_id, grade, proposed, why, line, p["rank"], p["peers"], p["share"]))
    return pd.DataFrame(rows, columns=[*GRADES_COLUMNS, *DETAIL_COLUMNS])
