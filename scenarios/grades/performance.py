"""The grade review's input: rm_performance.csv and the RMs it reviews, checked like every input.

``rm_performance.csv`` (contract v1.1): ``rm_id, deposits_avg, loans_avg, new_deposits_avg,
intl_settlement_usd, contribution_score, quality_score`` (RMB daily averages; USD for the
settlement). The review also needs each RM's line, grade, whether it is active and its position:
from a validated bank when customers are given, else read here from rms.csv (those columns
only). Every problem is reported at once, naming file, row, column and value.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

import pandas as pd

from allocator.contract import POSITIONS, RM_LINES
from scenarios.grades.policy import METRICS
from scenarios.inputs import Source, TableCheck

#: rm_performance.csv, in order
PERFORMANCE_COLUMNS: tuple[str, ...] = ("rm_id", *METRICS)  # the measures a threshold tests
#: the RM columns the review reads
REVIEW_RM_COLUMNS: tuple[str, ...] = ("rm_id", "line", "grade", "active", "position")
TRUE, FALSE = ("true", "1", "yes", "y", "t"), ("false", "0", "no", "n", "f")


def load_performance(source: Source, *, rm_ids: Collection[str] | None = None) -> pd.DataFrame:
    """rm_performance.csv as numbers, one row per RM.

    Parameters
    ----------
    rm_ids
        The bank's RMs: a row for another RM is an error (a typo would review nobody).

    Raises
    ------
    allocator.errors.InputError
        Missing columns, empty, repeated or unknown RM ids, amounts that are not numbers >= 0,
        quality scores outside 0-100: every one at once.
    """
    table = TableCheck(source, "rm_performance")
    if not table.require(PERFORMANCE_COLUMNS):
        table.done()
    rm = table.text("rm_id")
    for i in (rm == "").to_numpy().nonzero()[0]:
        table.issue(int(i), "rm_id", "", "must not be empty")
    table.unique("rm_id", rm)
    if rm_ids is not None:
        table.known("rm_id", rm[rm != ""], set(rm_ids), "RM (not in rms.csv)")
    out = {"rm_id": rm.to_numpy(dtype=object)}
    for column in PERFORMANCE_COLUMNS[1:-2]:
        out[column] = table.number(column).to_numpy(dtype=float)
    out["contribution_score"] = table.number("contribution_score", minimum=None).to_numpy(float)
    out["quality_score"] = table.number("quality_score", maximum=100.0).to_numpy(dtype=float)
    table.done()
    return pd.DataFrame(out)


def _flags(table: TableCheck, column: str, default: bool) -> pd.Series:
    text = table.text(column).str.lower()
    ok = text.isin(["", *TRUE, *FALSE])
    for i in (~ok).to_numpy().nonzero()[0]:
        table.issue(int(i), column, text.iloc[i], "must be true or false")
    return text.map(lambda v: default if v == "" else v in TRUE)


def load_review_rms(source: Source, grades: Sequence[str]) -> pd.DataFrame:
    """The RMs to review from rms.csv alone: ``rm_id, line, grade, active, position``.

    Raises
    ------
    allocator.errors.InputError
        Missing columns, empty or repeated ids, unknown lines, grades (of ``grades``, the
        policy's) and positions, flags that are not true/false.
    """
    table = TableCheck(source, "rms")
    if not table.require(REVIEW_RM_COLUMNS[:3]):
        table.done()
    rm = table.text("rm_id")
    for i in (rm == "").to_numpy().nonzero()[0]:
        table.issue(int(i), "rm_id", "", "must not be empty")
    table.unique("rm_id", rm)
    line, grade = table.text("line").str.lower(), table.text("grade")
    table.one_of("line", line, RM_LINES)
    table.one_of("grade", grade, list(grades))
    position = table.text("position", default="rm")
    table.one_of("position", position, POSITIONS)
    active = _flags(table, "active", default=True)
    table.done()
    return pd.DataFrame(
        {
            "rm_id": rm.to_numpy(dtype=object),
            "line": line.to_numpy(dtype=object),
            "grade": grade.to_numpy(dtype=object),
            "active": active.to_numpy(dtype=bool),
            "position": position.to_numpy(dtype=object),
        }
    )
