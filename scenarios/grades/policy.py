"""The grade review's tests as data: thresholds, rank and quality per line and grade.

The seed's three tests per grade -- a performance threshold, a top share on contribution, a
quality score -- and the protection of the top contributors are policy, not code:
``scenarios/data/grade_review.yaml`` ships the defaults (the deck's one table, and illustrative
scalings of it) and a user's file is merged over it key by key. The model validates itself.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, model_validator

from scenarios.shipped import load_shipped

#: the measures of rm_performance.csv a threshold may test
Metric = Literal[
    "deposits_avg",
    "loans_avg",
    "new_deposits_avg",
    "intl_settlement_usd",
    "contribution_score",
    "quality_score",
]
METRICS: tuple[str, ...] = get_args(Metric)
#: where the shipped defaults live (package data of ``scenarios``)
DEFAULT_REVIEW = "data/grade_review.yaml"


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Condition(_Frozen):
    """``metric >= min`` or ``metric > above`` (exactly one of them)."""

    metric: Metric
    min: float | None = None
    above: float | None = None

    @model_validator(mode="after")
    def _one_bound(self) -> Condition:
        if (self.min is None) == (self.above is None):
            raise ValueError(f"{self.metric}: give exactly one of min, above")
        return self

    def holds(self, value: float) -> bool:
        """Whether ``value`` meets the condition (the bound itself meets ``min``)."""
        return value >= self.min if self.min is not None else value > float(self.above or 0.0)


class Threshold(_Frozen):
    """Every condition of ``all``, and (when ``any`` is given) every condition of one group."""

    all: list[Condition] = Field(default_factory=list)
    any: list[list[Condition]] = Field(default_factory=list)

    def holds(self, row: Mapping[str, float]) -> bool:
        """Whether an RM's performance row meets the threshold."""
        if not all(c.holds(row[c.metric]) for c in self.all):
            return False
        return not self.any or any(all(c.holds(row[c.metric]) for c in g) for g in self.any)


class ReviewPolicy(_Frozen):
    """The grade review (``scenarios/data/grade_review.yaml`` documents each field)."""

    contribution_top_share: float = Field(gt=0, le=1)
    quality_min: float = Field(ge=0, le=100)
    protected_top_share: float = Field(ge=0, le=1)
    max_step: int = Field(default=1, ge=1, le=4)
    thresholds: dict[str, dict[str, Threshold]]

    def threshold(self, line: str, grade: str) -> Threshold | None:
        """The threshold of ``grade`` for RMs of ``line`` (``None``: the grade has no tests)."""
        return self.thresholds.get(line, {}).get(grade)

    @property
    def protected_label(self) -> str:
        """``decided_by`` of a protected RM: ``protected_top15`` for the top 15 %."""
        return f"protected_top{round(self.protected_top_share * 100)}"


def load_review_policy(
    source: str | os.PathLike[str] | Mapping[str, Any] | ReviewPolicy | None = None,
) -> ReviewPolicy:
    """The shipped review policy with ``source`` (YAML file or mapping) merged over it.

    Raises
    ------
    allocator.errors.InputError
        When the merged policy does not validate (named after the file, if one was given).
    """
    return load_shipped(ReviewPolicy, DEFAULT_REVIEW, source, "grade review")
