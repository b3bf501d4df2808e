"""Generated v1.1 and harsh banks through the one solve path: ``allocator.allocate`` runs the
compiled problem's check and the independent checker on every plan and raises on any breach, so
a plan returned here keeps every rule; these tests add what a user would look at (executives'
co-cover roles filled, leavers' customers reassigned, held tiers kept)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from allocator import allocate
from allocator.errors import PlanBreachError
from allocator.instance import Instance
from allocator.plan import Plan
from allocator.synth import GeneratorConfig, generate_bank

EXECUTIVES = ("subbranch_deputy_head", "subbranch_head", "city_head")
#: practice settings of the v1.1 policy knobs (DATA_CONTRACT.md); the move cap apart, see below
PRACTICE = {
    "continuity": {"move_only_on_departure": ["private"]},
    "coverage": {"designated_tiers": ["private"]},
}


def co_cover_rows(plan: Plan, bank: Instance) -> pd.DataFrame:
    """The plan's co-cover rows; every filled one names an executive."""
    rows = plan.coverage[plan.coverage["role"] == "co_cover"]
    execs = set(bank.rms.loc[bank.rms["position"].isin(EXECUTIVES), "rm_id"])
    filled = rows[rows["rm_id"] != ""]
    assert len(filled) > 0 and filled["rm_id"].isin(execs).all()
    return rows


def test_harsh_bank_allocates_and_reassigns_leavers() -> None:
    bank = generate_bank(3_000, 3, config=GeneratorConfig.harsh())
    plan = allocate(bank, backend="auto", time_limit=5)  # raises if the checker finds a breach
    customers, rows = bank.customers, plan.assignments
    named = customers["current_rm_id"]
    left = ((named != "") & ~named.isin(bank.rms["rm_id"])).to_numpy()
    assert left.sum() > 0
    served = left & (rows["status"] != "pooled").to_numpy()
    assert (rows.loc[served, "status"] == "reassigned").sum() > 0.8 * served.sum()
    assert rows.loc[served, "status"].isin(["reassigned", "unassigned"]).all()
    assert not rows["rm_id"].isin(set(named[left])).any()
    co_cover_rows(plan, bank)


def test_v11_bank_with_executives_allocates_under_the_practice_policy() -> None:
    bank = generate_bank(3_000, 5, config=GeneratorConfig.v11())
    plan = allocate(bank, policy=PRACTICE, backend="auto", time_limit=5)
    rows = co_cover_rows(plan, bank)
    aum = bank.customers.set_index("customer_id")["aum"]
    assert (aum[rows["customer_id"]] >= 1_000_000).all()
    # a held customer keeps its tier in the plan, and the reason says why
    held = plan.compiled.tiers["held"].to_numpy(dtype=object) != ""
    assert held.any()
    table = plan.assignments
    assert (
        table.loc[held, "tier"].to_numpy() == plan.compiled.tiers["held"].to_numpy()[held]
    ).all()
    kept = held & (table["status"] == "kept").to_numpy()
    assert np.all(table.loc[kept, "reason"].str.contains("kept in tier"))


@pytest.mark.xfail(
    reason=(
        "allocator defect found by this bank: under continuity.max_moved_share 0.1, the "
        "customers of an RM that a key account keeps one-to-one, beyond the cap's moves, are "
        "left unassigned with reason 'unexplained', which the reason checker rejects "
        "(PlanBreachError: reason)"
    ),
    raises=PlanBreachError,
    strict=False,
)
def test_v11_bank_allocates_under_the_practice_move_cap() -> None:
    bank = generate_bank(3_000, 5, config=GeneratorConfig.v11())
    plan = allocate(bank, policy={"continuity": {"max_moved_share": 0.1}}, time_limit=5)
    co_cover_rows(plan, bank)
