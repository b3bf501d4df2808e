"""Rules and quota as linear rows over the decisions: a hire counts on both sides of the RM
share; a redeployment only on the RMs' side; the quota counts net RM posts."""

from __future__ import annotations

import pandas as pd
import pytest

from allocator.instance import Instance
from allocator.policy import Policy
from scenarios.headcount.checks import staffing_requirements
from scenarios.headcount.constraints import quota_rows, rule_rows
from scenarios.headcount.effects import decision_effects
from scenarios.headcount.levers import load_levers
from scenarios.headcount.options import Catalogue, build_catalogue
from scenarios.headcount.roster import Roster, build_roster
from scenarios.headcount.rules import StaffingRules
from scenarios.headcount.staff import load_staff

Built = tuple[Roster, Catalogue, pd.DataFrame]


@pytest.fixture
def built(
    small_bank: Instance, policy: Policy, rules: StaffingRules, salaries: pd.DataFrame
) -> Built:
    staff = load_staff(
        pd.DataFrame(
            [("O1", "outlet", "counter", 22, "")],
            columns=["branch_id", "unit", "role", "count", "certifications"],
        )
    )
    roster = build_roster(small_bank, staff, rules)
    cat = build_catalogue(small_bank, policy, rules, load_levers(), roster, salaries, {"rm_share"})
    eff = decision_effects(cat, roster, rules)
    return roster, cat, eff


def test_rm_share_counts_a_hire_on_both_sides(
    built: Built, small_bank: Instance, policy: Policy, rules: StaffingRules
) -> None:
    """O1 has 3 RMs of 25 staff; at 20 %, a hire adds 0.8, a redeployment 1, to the slack."""
    roster, cat, eff = built
    reqs = staffing_requirements(small_bank, policy, rules, roster)
    rows, _ = rule_rows(reqs, {"rm_share"}, roster, eff, policy, len(cat.decisions))
    o1 = next(r for r in rows if r.requirement.branch_id == "O1")
    assert o1.rhs == pytest.approx(0.2 * 25 - 3)
    d = cat.decisions
    hire = d.index[(d["kind"] == "hire_rm") & (d["branch_id"] == "O1")][0]
    redeploy = d.index[(d["kind"] == "redeploy") & (d["branch_id"] == "O1")][0]
    assert o1.coef[hire] == pytest.approx(0.8) and o1.coef[redeploy] == pytest.approx(1.0)


def test_quota_counts_net_rm_posts(built: Built, policy: Policy) -> None:
    roster, cat, eff = built
    rows, notes = quota_rows({"O1": 2, "O2": 4}, roster, eff, policy, len(cat.decisions))
    o1, o2 = rows
    assert o1.room == 0 and o2.room == 3 and any("O1 has 3 RMs" in n for n in notes)
    d = cat.decisions
    out_of_o1 = (d["kind"] == "transfer") & (d["source"] == "O1") & (d["branch_id"] != "O1")
    assert (o1.coef[out_of_o1.to_numpy()] == -1).all()
