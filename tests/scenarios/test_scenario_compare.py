"""Salary tables and the comparison table."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from allocator.errors import InputError
from allocator.policy import Policy
from scenarios.compare import comparison_table, load_salaries, profile_costs


def profiles(*rows: tuple[str, str, str, str]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["line", "grade", "certifications", "unit"])


def test_most_specific_salary_row_wins(policy: Policy) -> None:
    table = load_salaries(
        pd.DataFrame(
            {
                "line": ["retail", "retail", "retail", "retail"],
                "grade": ["rm", "rm", "rm", "rm"],
                "certification": ["", "AFP", "", "CFP"],
                "unit": ["", "", "wealth_center", "wealth_center"],
                "annual_cost": ["100", "130", "150", "200"],
            }
        )
    )
    cost = profile_costs(
        profiles(
            ("retail", "rm", "", "outlet"),  # generic row
            ("retail", "rm", "CFP", "outlet"),  # CFP meets the AFP row
            ("retail", "rm", "", "wealth_center"),  # unit row
            ("retail", "rm", "CFP;CPB", "wealth_center"),  # cert + unit
            ("corporate", "rm", "", "outlet"),  # no row: NaN
        ),
        table,
        policy,
    )
    assert cost.tolist()[:4] == [100, 130, 150, 200]
    assert math.isnan(cost.iloc[4])


def test_default_salary_table_prices_every_hire_grade(policy: Policy) -> None:
    table = load_salaries("default")
    rows = [
        (ln, g, c, "outlet")
        for ln in ("retail", "corporate")
        for g in policy.grades
        for c in ("", "AFP", "CFP")
    ]
    assert profile_costs(profiles(*rows), table, policy).notna().all()


def test_bad_salary_table_lists_every_problem() -> None:
    with pytest.raises(InputError) as err:
        load_salaries(
            pd.DataFrame(
                {"line": ["retail", "retail"], "grade": ["rm", "rm"], "annual_cost": ["x", "-1"]}
            )
        )
    assert [i.row for i in err.value.issues] == [2, 3]
    with pytest.raises(InputError, match="annual_cost"):
        load_salaries(pd.DataFrame({"line": ["retail"], "grade": ["rm"]}))


def test_comparison_table() -> None:
    cmp = comparison_table(
        {"a": 1.0, "status.moved": 2.0, "cover_share": 0.5}, {"a": 3.0, "handover.up_tree": 4.0}
    )
    row = cmp.set_index("metric")
    assert row.loc["a", "delta"] == 2
    assert row.loc["status.moved", "scenario"] == 0  # a count missing on one side is 0
    assert np.isnan(row.loc["cover_share", "scenario"])  # a share missing is unknown
    assert row.loc["handover.up_tree", "baseline"] == 0
