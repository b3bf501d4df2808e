"""Done when, on generated banks: the plan's actions, applied and allocated by an independent
solve, reach the targets; no row is of a kind its rule does not need; the required RMs and the
actions agree branch by branch; the staffing rules hold after the plan.

Three banks: a v1 bank (no deposits: the corporate rule reads contribution as the proxy), a v1
bank whose corporate customers give their deposits, and a harsh v1.1 bank (executives, locks,
customers forbidding their RM, hysteresis).
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from allocator.allocation import allocate
from allocator.instance import Instance
from allocator.synth import GeneratorConfig, generate_bank
from scenarios.headcount import apply_actions, plan_headcount
from scenarios.headcount.staff_synth import synthetic_staff

TARGETS = {"private": 1.0, "high": 1.0, "mid": 0.95, "subbranch": 0.9}


def with_deposits(bank: Instance) -> Instance:
    """Corporate deposits (contract v1.1): a few times the annual contribution."""
    cust = bank.customers.copy()
    corp = (cust["segment"] == "corporate").to_numpy()
    cust["deposits"] = 0.0
    cust.loc[corp, "deposits"] = cust.loc[corp, "annual_contribution"] * 4.0
    return bank.replace(customers=cust)


def net_rm_posts(hires: pd.DataFrame, bank: Instance) -> pd.Series:
    """Net RM posts per (branch, line), recomputed from hires.csv rows alone."""
    origin = bank.rms.set_index("rm_id")["branch_id"]
    rows = []
    for r in hires.itertuples(index=False):
        if r.action == "hire" and r.role == "rm":
            rows.append((r.branch_id, r.line, r.count))
        elif r.action == "transfer":
            rows += [(r.branch_id, r.line, 1), (origin[r.rm_id], r.line, -1)]
    frame = pd.DataFrame(rows, columns=["branch_id", "line", "n"])
    return frame.groupby(["branch_id", "line"])["n"].sum()


@pytest.mark.parametrize(
    "seed,deposits,harsh", [(3, False, False), (11, True, False), (7, True, True)]
)
def test_generated_bank(seed: int, deposits: bool, harsh: bool) -> None:
    bank = generate_bank(3000, seed, config=GeneratorConfig.harsh() if harsh else None)
    if deposits and not harsh:
        bank = with_deposits(bank)
    staff = synthetic_staff(bank, seed)
    plan = plan_headcount(
        bank, TARGETS, staff=staff, enforce="all", verify=True, time_limit=60, workers=1
    )
    assert plan.status == "optimal", plan.notes
    # an independent solve of the bank with the actions applied reaches every target
    after = apply_actions(bank, plan.hires)
    cov = allocate(after, time_limit=30, seed=1, workers=1).kpis["coverage_by_tier"]
    for tier, share in TARGETS.items():
        assert cov[tier]["assigned"] >= math.ceil(share * cov[tier]["customers"] - 1e-9), tier
    # no row of a kind its rule does not need
    assert plan.audit.empty, plan.audit.to_string()
    assert (plan.hires["rule"] != "").all()
    # required RMs and the actions agree branch by branch
    required = plan.required.set_index(["branch_id", "line"])["gap"]
    net = net_rm_posts(plan.hires, bank)
    assert required[required != 0].to_dict() == net[net != 0].to_dict()
    # the staffing rules hold after the plan, and some did not before
    assert (plan.checks_before["ok"] == False).any()  # noqa: E712
    assert not (plan.checks_after["ok"] == False).any(), plan.checks_after  # noqa: E712
    proxy = "proxy" in " ".join(plan.checks_before["note"])
    assert proxy is not deposits
