"""A rule as data: who is counted (certifications with their implications), how many are
required (in whole people), and what cannot be known without the staff table."""

from __future__ import annotations

import pandas as pd

from allocator.policy import Policy
from scenarios.headcount.requirement import Requirement, Who, evaluate

ROSTER = pd.DataFrame(
    [
        ("B", "vip_center", "rm", "wealth_manager", "CFP", 2),
        ("B", "vip_center", "other", "other", "", 3),
        ("C", "vip_center", "rm", "wealth_manager", "AFP", 5),
    ],
    columns=["branch_id", "unit", "role", "center_role", "certifications", "count"],
)


def test_who_counts_with_implications(policy: Policy) -> None:
    assert Who("B", certified=("AFP",)).count(ROSTER, policy) == 2  # CFP meets AFP
    assert Who("B", units=("vip_center",)).count(ROSTER, policy) == 5
    assert Who("B", roles=("wealth_manager",)).count(ROSTER, policy) == 2
    assert Who("B", rm_roles=("rm",), certified=("CFP",)).count(ROSTER, policy) == 2


def test_required_is_in_whole_people(policy: Policy) -> None:
    share = Requirement(
        "rm_share", "rm_share", "B", Who("B", rm_roles=("rm",)), per=((0.5, Who("B")),)
    )
    row = evaluate([share], ROSTER, policy, staff_given=True).iloc[0]
    assert (row["required"], row["actual"], row["ok"]) == (3.0, 2.0, False)  # 2.5 -> 3


def test_unknown_without_the_staff_table(policy: Policy) -> None:
    met = Requirement("x", "x", "C", Who("C"), at_least=4, needs_staff=True)
    short = Requirement("y", "y", "C", Who("C"), at_least=9, needs_staff=True)
    table = evaluate([met, short], ROSTER, policy, staff_given=False)
    assert table["ok"].tolist() == [True, None]  # more staff could only help the first
