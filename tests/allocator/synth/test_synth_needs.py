"""Tests of allocator.synth.needs: the generator's tiers are the rule engine's, customer by
customer, and its requirement masks encode combined_requirements exactly."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from allocator.contract import LINES, UNITS
from allocator.instance import Instance
from allocator.policy import Policy, default_policy
from allocator.rules import assign_tiers, combined_requirements
from allocator.synth import generate_bank
from allocator.synth.branches import Tree
from allocator.synth.customers import Cust
from allocator.synth.needs import PolicyView, code_of

POLICY = default_policy()
#: other thresholds, a band with its own workload and requirements, a list tier that is unused
VARIANT = POLICY.merged(
    {
        "tiers": {"high": {"aum_min": 800000, "workload": 3}, "mid": {"aum_min": 150000}},
        "bands": {
            "key3m": {
                "contribution_min": 2000000,
                "workload": 5,
                "certifications": ["CPB"],
                "units": ["marketing", "outlet"],
            }
        },
    }
)


def _classified(bank: Instance, policy: Policy) -> tuple[PolicyView, pd.DataFrame]:
    view = PolicyView.build(policy)
    cust = Cust.from_frame(bank.customers, Tree.build(bank.branches, policy), view)
    t = cust.tiers(view)
    frame = pd.DataFrame(
        {
            "tier": t.labels(),
            "base_tier": np.asarray(["", *view.tiers], dtype=object)[t.tier[t.kind] + 1],
            "band": np.asarray(["", *view.bands], dtype=object)[t.band[t.kind] + 1],
            "workload": t.workload[t.kind],
            "pooled": t.pooled[t.kind],
        }
    )
    return view, frame


@pytest.mark.parametrize("policy", [POLICY, VARIANT], ids=["default", "variant"])
def test_classify_is_assign_tiers_customer_by_customer(bank20k: Instance, policy: Policy) -> None:
    """Asking the rule engine once per kind of customer loses nothing."""
    _, got = _classified(bank20k, policy)
    want = assign_tiers(bank20k.customers, policy)
    for column in ("tier", "base_tier", "band", "workload", "pooled"):
        assert np.array_equal(got[column].to_numpy(), want[column].to_numpy()), column


def test_classify_at_the_thresholds_and_with_odd_values() -> None:
    """Amounts exactly at, just below and above each threshold, NaN, unknown lists."""
    edges = [200_000.0, 500_000.0, 6_000_000.0, 3_000_000.0, 10_000_000.0]
    amounts = sorted({x + d for x in edges for d in (-0.01, 0.0, 0.01)} | {0.0, np.nan})
    rows = [
        (seg, lst, a, c)
        for seg in ("retail", "corporate", "unknown")
        for lst in ("", "potential", "hq", "city", "nonsense")
        for a in amounts
        for c in amounts[::3]
    ]
    customers = pd.DataFrame(rows, columns=["segment", "list_tier", "aum", "annual_contribution"])
    view = PolicyView.build(POLICY)
    t = view.classify(
        code_of(customers["segment"], LINES),
        code_of(customers["list_tier"], view.list_names),
        customers["aum"].to_numpy(),
        customers["annual_contribution"].to_numpy(),
    )
    want = assign_tiers(customers, POLICY)
    assert t.labels().tolist() == want["tier"].tolist()
    assert t.workload[t.kind].tolist() == want["workload"].tolist()


@pytest.mark.parametrize("policy", [POLICY, VARIANT], ids=["default", "variant"])
def test_requirement_masks_encode_combined_requirements(policy: Policy) -> None:
    view = PolicyView.build(policy)
    req = view.requirements
    for ti, tier in enumerate(view.tiers):
        for bi, band in enumerate(["", *view.bands]):
            row = int(view.class_index(np.array([ti]), np.array([bi - 1]))[0])
            want = combined_requirements(policy, tier, band)
            units = {u for u in UNITS if req.units[row] & view.unit_bits[u]}
            assert units == set(want.units if want.units is not None else UNITS)
            certs = {c for c, bit in view.cert_bits.items() if req.certs[row] & bit}
            assert certs == set(want.certifications)
            grade = policy.grade_rank(want.min_grade) if want.min_grade else -1
            level = policy.level_rank(want.min_branch_level) if want.min_branch_level else -1
            assert (req.grade[row], req.level[row]) == (grade, level)
            assert req.one_to_one[row] == (want.one_to_one and policy.rules.one_to_one)
            assert req.line[row] == LINES.index(policy.tiers[tier].line)
            assert (req.tier[row], req.band[row]) == (ti, bi - 1)


def test_one_to_one_follows_the_rule_switch() -> None:
    view = PolicyView.build(POLICY.merged({"rules": {"one_to_one": False}}))
    assert not view.requirements.one_to_one.any()


def test_previous_and_lowest_served_tiers() -> None:
    view = PolicyView.build(POLICY)
    prev = {view.tiers[i]: (view.tiers[p] if p >= 0 else "") for i, p in enumerate(view.prev_tier)}
    assert prev["private"] == "high" and prev["high"] == "mid" and prev["mid"] == ""
    assert prev["hq"] == "province" and prev["subbranch"] == ""
    assert {k: view.tiers[v] for k, v in view.lowest_served.items()} == {"retail": "mid"}


def test_a_customer_of_no_tier_is_refused() -> None:
    bank = generate_bank(50, 1)
    customers = bank.customers.assign(segment="unknown")
    view = PolicyView.build(POLICY)
    cust = Cust.from_frame(customers, Tree.build(bank.branches, POLICY), view)
    with pytest.raises(ValueError, match="no tier"):
        view.needs_of(cust.tiers(view))
