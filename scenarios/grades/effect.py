"""Next year's grades as a scenario: what the review does to the coverage of key accounts.

Key accounts need a grade (a ``key10m`` customer a senior RM, ``key3m`` an intermediate one), so a
review that downgrades RMs may leave key accounts unserved, and one that promotes may free them.
The proposed grades become one scenario edit (``set_grades``) of the scenarios engine, solved
warm-started from today's plan and compared with it, so HR sees the effect per tier.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from allocator.instance import Instance
from allocator.policy import Policy
from scenarios.run import BankRun, ScenarioResult, run_scenario, solve_bank
from scenarios.spec import Edit, ScenarioSpec, SetGrades

#: columns of :attr:`GradesEffect.coverage`
EFFECT_COLUMNS = ("tier", "key_account", "customers", "covered_today", "covered_next_year", "delta")


@dataclass
class GradesEffect:
    """The review's effect: per tier, customers covered today and with next year's grades.

    Attributes
    ----------
    coverage
        :data:`EFFECT_COLUMNS`, key accounts (the policy's contribution bands) first.
    changed
        RM id -> proposed grade, for the RMs whose grade changes.
    scenario
        The scenario run (its plan, comparison and edited bank), or ``None`` when no grade
        changes (then nothing changes).
    """

    coverage: pd.DataFrame
    changed: dict[str, str]
    scenario: ScenarioResult | None


def next_year_spec(grades: pd.DataFrame) -> ScenarioSpec:
    """The scenario of next year's grades: one ``set_grades`` edit of the changed RMs."""
    changed = grades[grades["proposed_grade"] != grades["grade"]]
    edits: list[Edit] = (
        [
            SetGrades(
                id="review",
                grades=dict(zip(changed["rm_id"], changed["proposed_grade"], strict=True)),
            )
        ]
        if len(changed)
        else []
    )
    return ScenarioSpec(
        name="next year's grades",
        description="the grade review's proposals applied to the bank",
        edits=edits,
    )


def grades_effect(
    instance: Instance,
    grades: pd.DataFrame,
    policy: Policy,
    *,
    time_limit: float = 30.0,
    seed: int = 0,
    workers: int = 2,
    baseline: BankRun | None = None,
) -> GradesEffect:
    """Solve today's bank and the bank with next year's grades; compare coverage per tier."""
    base = baseline or solve_bank(
        instance, policy=policy, time_limit=time_limit, seed=seed, workers=workers
    )
    spec = next_year_spec(grades)
    changed = {k: v for e in spec.edits if isinstance(e, SetGrades) for k, v in e.grades.items()}
    result = None
    today = base.plan.kpis["coverage_by_tier"]
    after = today
    if changed:
        result = run_scenario(
            spec, baseline=base, time_limit=time_limit, seed=seed, workers=workers
        )
        after = result.plan.kpis["coverage_by_tier"]
    bands = set(policy.bands)
    rows = []
    for tier in sorted(today, key=lambda t: (t not in bands, t)):
        n = int(today[tier]["customers"])
        a, b = int(today[tier]["assigned"]), int(after.get(tier, {"assigned": 0})["assigned"])
        rows.append((tier, tier in bands, n, a, b, b - a))
    return GradesEffect(pd.DataFrame(rows, columns=list(EFFECT_COLUMNS)), changed, result)
