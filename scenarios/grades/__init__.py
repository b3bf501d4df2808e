"""The annual RM grade review (评聘): each grade's three tests as policy data, a proposed grade
per RM with the test that decided it, and next year's grades as a scenario.

- :mod:`~scenarios.grades.policy`: the tests per line and grade (data, validated);
- :mod:`~scenarios.grades.performance`: rm_performance.csv and the RMs to review, checked;
- :mod:`~scenarios.grades.review`: one function per test, :func:`review_grades`;
- :mod:`~scenarios.grades.effect`: next year's grades solved as a scenario, key accounts first.
"""

from __future__ import annotations

from scenarios.grades.effect import GradesEffect, grades_effect, next_year_spec
from scenarios.grades.performance import PERFORMANCE_COLUMNS, load_performance, load_review_rms
from scenarios.grades.policy import ReviewPolicy, load_review_policy
from scenarios.grades.review import GRADES_COLUMNS, review_grades

__all__ = [
    "GRADES_COLUMNS",
    "PERFORMANCE_COLUMNS",
    "GradesEffect",
    "ReviewPolicy",
    "grades_effect",
    "load_performance",
    "load_review_policy",
    "load_review_rms",
    "next_year_spec",
    "review_grades",
]
