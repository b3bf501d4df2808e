"""Next year's grades as a scenario: a senior RM downgraded leaves its key accounts unserved."""

from __future__ import annotations

import pandas as pd

from allocator.instance import Instance
from allocator.policy import Policy
from scenarios.grades.effect import grades_effect, next_year_spec
from scenarios.run import BankRun


def test_a_downgrade_shows_on_key_accounts(
    small_bank: Instance, policy: Policy, baseline_run: BankRun
) -> None:
    grades = pd.DataFrame(
        {
            "rm_id": ["K_C0S", "R_O1A"],
            "grade": ["senior", "rm"],
            "proposed_grade": ["intermediate", "rm"],
            "decided_by": ["threshold", "all_tests"],
        }
    )
    assert next_year_spec(grades).to_dict()["edits"] == [
        {"set_grades": {"grades": {"K_C0S": "intermediate"}}, "id": "review"}
    ]
    effect = grades_effect(small_bank, grades, policy, baseline=baseline_run, workers=1)
    assert effect.changed == {"K_C0S": "intermediate"} and effect.scenario is not None
    table = effect.coverage.set_index("tier")
    assert list(effect.coverage["key_account"][:2]) == [True, True]  # key accounts first
    assert table.loc["key10m", "delta"] < 0  # the only senior corporate RM is no more
    assert table.loc["mid", "delta"] == 0
