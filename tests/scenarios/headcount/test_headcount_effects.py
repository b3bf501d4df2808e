"""What each decision does to the roster, as signed rows."""

from __future__ import annotations

from typing import Any

from scenarios.headcount.effects import decision_effects
from scenarios.headcount.options import build_catalogue
from scenarios.headcount.roster import Roster
from scenarios.headcount.rules import RULE_NAMES, StaffingRules


def test_each_kind(lever_inputs: tuple[Any, ...], roster: Roster, rules: StaffingRules) -> None:
    cat = build_catalogue(*lever_inputs, set(RULE_NAMES))
    eff = decision_effects(cat, roster, rules)
    per = eff.groupby("decision")["count"].agg(["sum", "size"])
    kinds = cat.decisions["kind"]
    adds_one = kinds.isin(["hire_rm", "hire_staff"]).to_numpy()
    assert (per.loc[adds_one, "sum"] == 1).all() and (per.loc[adds_one, "size"] == 1).all()
    swaps = kinds.isin(["redeploy", "certify_rm", "certify_staff", "transfer"]).to_numpy()
    assert (per.loc[swaps, "sum"] == 0).all() and (per.loc[swaps, "size"] == 2).all()
    d = int(kinds[kinds == "redeploy"].index[0])
    rows = eff[eff["decision"] == d].set_index("count")
    assert rows.loc[-1, "role"] == cat.decisions.loc[d, "source"] and rows.loc[1, "role"] == "rm"
